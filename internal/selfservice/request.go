package selfservice

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxBodyBytes bounds a request body. A token and a password of at most 72
// bytes fit many times over; anything larger is not a person filling a form.
const maxBodyBytes = 16 << 10

const (
	contentTypeJSON = "application/json"
	contentTypeForm = "application/x-www-form-urlencoded"
)

// acceptRequest is what a person sends to accept an invitation. Confirm is
// set only by the HTML form; JSON clients check it themselves.
type acceptRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Confirm  string `json:"-"`
	// hasConfirm tells an empty confirmation from none at all.
	hasConfirm bool
}

// isFormPost reports whether a request came from the HTML form, and so wants
// an HTML answer.
func isFormPost(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == contentTypeForm
}

// parseAcceptRequest reads a JSON or form-encoded body. Failures are problems
// to show the person; they never quote the body, which holds the password.
func parseAcceptRequest(w http.ResponseWriter, r *http.Request) (acceptRequest, *problem) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = ""
	}
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)

	var req acceptRequest
	switch mediaType {
	case contentTypeJSON:
		if p := decodeJSON(body, &req); p != nil {
			return acceptRequest{}, p // never half of what was sent
		}
	case contentTypeForm:
		if p := decodeForm(body, &req); p != nil {
			return acceptRequest{}, p
		}
	default:
		return req, errMediaType
	}

	switch {
	case req.Token == "":
		return req, badRequest("The request has no token. Open the link from your invitation email again.")
	case req.Password == "":
		return req, badRequest("The request has no password. Choose a password.")
	case req.hasConfirm && req.Confirm != req.Password:
		return req, errPasswordMismatch
	}
	return req, nil
}

func decodeJSON(body io.Reader, req *acceptRequest) *problem {
	return decodeJSONObject(body, req, "The request body is not a JSON object with token and password.")
}

func decodeForm(body io.Reader, req *acceptRequest) *problem {
	raw, err := io.ReadAll(body)
	if err != nil {
		return bodyProblem(err, "The form could not be read.")
	}
	// Only the body counts: a token in the query string of a POST is not
	// what the form sends, and mixing the two would hide mistakes.
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return badRequest("The form is not properly encoded.")
	}
	req.Token = form.Get("token")
	req.Password = form.Get("password")
	req.Confirm = form.Get("confirm")
	_, req.hasConfirm = form["confirm"]
	return nil
}

// bodyProblem turns a read or decode error into a problem; a body over the
// limit gets its own answer so a client knows shortening it will help.
func bodyProblem(err error, message string) *problem {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	return badRequest(message)
}
