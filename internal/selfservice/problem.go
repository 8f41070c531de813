package selfservice

import "net/http"

// Reasons of the error responses, PascalCase like the API's condition reasons
// so clients can switch on them; the message is for people.
const (
	ReasonBadRequest           = "BadRequest"
	ReasonRequestTooLarge      = "RequestTooLarge"
	ReasonUnsupportedMediaType = "UnsupportedMediaType"
	ReasonMethodNotAllowed     = "MethodNotAllowed"
	ReasonNotFound             = "NotFound"
	ReasonTokenInvalid         = "TokenInvalid"
	ReasonTokenUsed            = "TokenUsed"
	ReasonTokenExpired         = "TokenExpired"
	ReasonUserDisabled         = "UserDisabled"
	ReasonPasswordTooWeak      = "PasswordTooWeak"
	ReasonPasswordMismatch     = "PasswordMismatch"
	ReasonInternalError        = "InternalError"
)

// problem is an answer that is not a success. Its message is shown to the
// person as is, so it must never contain a token, a password or a detail of
// the server's internals.
type problem struct {
	status  int
	reason  string
	message string
}

func (p *problem) Error() string { return p.reason + ": " + p.message }

var (
	errTokenInvalid = &problem{http.StatusNotFound, ReasonTokenInvalid,
		"This invitation link is not valid. Ask your account administrator for a new invitation."}
	errTokenUsed = &problem{http.StatusGone, ReasonTokenUsed,
		"This invitation was already accepted. Log in with the password you set, or ask your account administrator for a new invitation."}
	errTokenExpired = &problem{http.StatusGone, ReasonTokenExpired,
		"This invitation has expired. Ask your account administrator to send a new one."}
	errUserDisabled = &problem{http.StatusForbidden, ReasonUserDisabled,
		"This user is disabled. Ask your account administrator to enable it."}
	errPasswordMismatch = &problem{http.StatusBadRequest, ReasonPasswordMismatch,
		"The two passwords differ. Type the same password twice."}
	errInternal = &problem{http.StatusInternalServerError, ReasonInternalError,
		"Something went wrong on our side. Try again in a minute."}
	errNotFound = &problem{http.StatusNotFound, ReasonNotFound,
		"There is nothing at this address."}
)

func badRequest(message string) *problem {
	return &problem{http.StatusBadRequest, ReasonBadRequest, message}
}

func passwordTooWeak(err error) *problem {
	// The strength error is written for people and never holds the password.
	return &problem{http.StatusUnprocessableEntity, ReasonPasswordTooWeak, err.Error()}
}
