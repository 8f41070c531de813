package selfservice

import (
	"errors"
	"net/http"
	"time"
)

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

	// Sign-in reasons.
	ReasonLoginFailed                 = "LoginFailed"
	ReasonUserLocked                  = "UserLocked"
	ReasonTwoFactorRequired           = "TwoFactorRequired"
	ReasonCodeInvalid                 = "CodeInvalid"
	ReasonTwoFactorEnrollmentRequired = "TwoFactorEnrollmentRequired"
	ReasonTwoFactorNotPending         = "TwoFactorNotPending"
	ReasonSessionInvalid              = "SessionInvalid"
	ReasonSessionMalformed            = "SessionMalformed"
	ReasonTooManyRequests             = "TooManyRequests"
	ReasonServerBusy                  = "ServerBusy"

	// Cluster token and "log in as" reasons.
	ReasonKeysNotReady            = "KeysNotReady"
	ReasonUserNotFound            = "UserNotFound"
	ReasonImpersonationForbidden  = "ImpersonationForbidden"
	ReasonImpersonationNotAllowed = "ImpersonationNotAllowed"
)

// problem is an answer that is not a success. Its message is shown to the
// person as is, so it must never contain a token, a password or a detail of
// the server's internals.
type problem struct {
	status  int
	reason  string
	message string
	// lockedUntil is told to a person who gave the right password to a
	// locked user, and to no one else.
	lockedUntil *time.Time
	// enrollmentToken is a session that may only enrol two-factor, given
	// to a person who must use it and has not enrolled yet.
	enrollmentToken string
	expiryTime      *time.Time
}

func (p *problem) Error() string { return p.reason + ": " + p.message }

var (
	errTokenInvalid     = &problem{status: http.StatusNotFound, reason: ReasonTokenInvalid, message: "This invitation link is not valid. Ask your account administrator for a new invitation."}
	errTokenUsed        = &problem{status: http.StatusGone, reason: ReasonTokenUsed, message: "This invitation was already accepted. Log in with the password you set, or ask your account administrator for a new invitation."}
	errTokenExpired     = &problem{status: http.StatusGone, reason: ReasonTokenExpired, message: "This invitation has expired. Ask your account administrator to send a new one."}
	errUserDisabled     = &problem{status: http.StatusForbidden, reason: ReasonUserDisabled, message: "This user is disabled. Ask your account administrator to enable it."}
	errPasswordMismatch = &problem{status: http.StatusBadRequest, reason: ReasonPasswordMismatch, message: "The two passwords differ. Type the same password twice."}
	errInternal         = &problem{status: http.StatusInternalServerError, reason: ReasonInternalError, message: "Something went wrong on our side. Try again in a minute."}
	errNotFound         = &problem{status: http.StatusNotFound, reason: ReasonNotFound, message: "There is nothing at this address."}

	// errLoginFailed is every failed login that must not tell why: unknown
	// account, unknown email, wrong password, a user who never set one.
	errLoginFailed = &problem{status: http.StatusUnauthorized, reason: ReasonLoginFailed,
		message: "The account, email or password is wrong."}
	errTwoFactorRequired = &problem{status: http.StatusUnauthorized, reason: ReasonTwoFactorRequired,
		message: "Enter the 6-digit code from your authenticator app, or one of your recovery codes."}
	errCodeInvalid = &problem{status: http.StatusUnauthorized, reason: ReasonCodeInvalid,
		message: "The code is wrong or was already used. Wait for the next code and try again."}
	errSessionInvalid = &problem{status: http.StatusUnauthorized, reason: ReasonSessionInvalid,
		message: "Log in first: the session is missing, expired or ended."}
	errTooManyRequests = &problem{status: http.StatusTooManyRequests, reason: ReasonTooManyRequests,
		message: "Too many attempts. Wait a minute and try again."}
	errServerBusy = &problem{status: http.StatusTooManyRequests, reason: ReasonServerBusy,
		message: "The server is busy. Try again in a few seconds."}
	errResetTokenInvalid = &problem{status: http.StatusNotFound, reason: ReasonTokenInvalid,
		message: "This password reset link is not valid. Ask for a new one."}
	errResetTokenUsed = &problem{status: http.StatusGone, reason: ReasonTokenUsed,
		message: "This password reset link was already used. Ask for a new one if you need to."}
	errResetTokenExpired = &problem{status: http.StatusGone, reason: ReasonTokenExpired,
		message: "This password reset link has expired. Ask for a new one."}
	errKeysNotReady = &problem{status: http.StatusServiceUnavailable, reason: ReasonKeysNotReady,
		message: "The server has not loaded its signing keys yet. Try again in a few seconds."}
	errNotAUserManager = &problem{status: http.StatusForbidden, reason: ReasonImpersonationForbidden,
		message: "Only a user whose role manages users may act as another user."}
	errNestedImpersonation = &problem{status: http.StatusForbidden, reason: ReasonImpersonationForbidden,
		message: "You are acting as another user already; end that session first."}
	errActorGone = &problem{status: http.StatusForbidden, reason: ReasonImpersonationForbidden,
		message: "The user who started acting as you may not any more; this session gets no token."}
	errTwoFactorNotPending = &problem{status: http.StatusConflict, reason: ReasonTwoFactorNotPending,
		message: "Start the enrolment first: there is no authenticator waiting for its first code."}
)

// errGone is returned by updateSecret when the credential Secret was
// deleted under it; each caller answers it as it answers an unknown user.
var errGone = errors.New("the credential Secret is gone")

func userLocked(until time.Time) *problem {
	until = until.UTC()
	return &problem{status: http.StatusForbidden, reason: ReasonUserLocked, lockedUntil: &until,
		message: "Too many failed attempts locked this user until " + until.Format(time.RFC3339) +
			". Try again then, reset your password, or ask your account administrator to unlock you."}
}

// userNotFound answers a target that is not a user of the account; it says
// nothing of other accounts.
func userNotFound(name string) *problem {
	return &problem{status: http.StatusNotFound, reason: ReasonUserNotFound,
		message: "There is no user " + name + " in your account."}
}

// impersonationNotAllowed answers a target nobody may act as, with why.
func impersonationNotAllowed(message string) *problem {
	return &problem{status: http.StatusForbidden, reason: ReasonImpersonationNotAllowed, message: message}
}

func badRequest(message string) *problem {
	return &problem{status: http.StatusBadRequest, reason: ReasonBadRequest, message: message}
}

func passwordTooWeak(err error) *problem {
	// The strength error is written for people and never holds the password.
	return &problem{status: http.StatusUnprocessableEntity, reason: ReasonPasswordTooWeak, message: err.Error()}
}

func enrollmentRequired(token string, expiry time.Time) *problem {
	expiry = expiry.UTC()
	return &problem{status: http.StatusForbidden, reason: ReasonTwoFactorEnrollmentRequired,
		enrollmentToken: token, expiryTime: &expiry,
		message: "Two-factor authentication is required: enrol an authenticator app with the enrollmentToken, then log in again with a code."}
}
