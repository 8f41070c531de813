package selfservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// decodeBody reads a JSON or form-encoded body into dst, a pointer to a
// struct of string fields with json tags; a form's fields are matched by
// those tags. Failures never quote the body, which may hold a password.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) *problem {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mediaType = ""
	}
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	switch mediaType {
	case contentTypeJSON:
		return decodeJSONObject(body, dst, "The request body is not a JSON object of the documented fields.")
	case contentTypeForm:
		raw, err := io.ReadAll(body)
		if err != nil {
			return bodyProblem(err, "The form could not be read.")
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return badRequest("The form is not properly encoded.")
		}
		fields := map[string]string{}
		for name := range form {
			fields[name] = form.Get(name)
		}
		data, _ := json.Marshal(fields) // a map of strings always marshals
		if err := json.Unmarshal(data, dst); err != nil {
			return badRequest("The form has fields of the wrong kind.")
		}
		return nil
	default:
		return errMediaType
	}
}

// decodeJSONObject reads one JSON object into dst and refuses what
// encoding/json would let pass unseen: a field dst does not have (a typo
// would otherwise read as a missing field), the same field twice (the last
// would silently win, and two parsers in a chain could each read another),
// a value of the wrong type, data after the object. notObject is the answer
// to a body that is not a JSON object at all. No answer quotes the body.
func decodeJSONObject(body io.Reader, dst any, notObject string) *problem {
	raw, err := io.ReadAll(body)
	if err != nil {
		return bodyProblem(err, "The request body could not be read.")
	}
	if p := checkJSONObject(raw, notObject); p != nil {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// The field's name is one of dst's own, never something sent.
		return badRequest("The field " + typeErr.Field + " of the request body must be a " + typeErr.Type.Kind().String() + ".")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return badRequest("The request body has a field this request does not take.")
	default:
		return badRequest(notObject)
	}
}

// checkJSONObject checks that raw is exactly one JSON object whose field
// names differ even ignoring case, as encoding/json matches them.
func checkJSONObject(raw []byte, notObject string) *problem {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return badRequest(notObject)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return badRequest(notObject)
		}
		name := foldName(tok.(string)) // a key inside an object is always a string
		if seen[name] {
			return badRequest("The request body has the same field twice.")
		}
		seen[name] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return badRequest(notObject)
		}
	}
	if _, err := dec.Token(); err != nil {
		return badRequest(notObject)
	}
	// One object, nothing after it: trailing data is a client bug worth
	// reporting rather than guessing around.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("The request body has data after the JSON object.")
	}
	return nil
}

// foldName maps every letter of a field name to the smallest letter it is
// equal to ignoring case, so that two names encoding/json would read as the
// same field fold to the same string.
func foldName(name string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, name)
}
