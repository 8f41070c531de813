package selfservice

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
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
		dec := json.NewDecoder(body)
		if err := dec.Decode(dst); err != nil {
			return bodyProblem(err, "The request body is not a JSON object of the documented fields.")
		}
		if _, err := dec.Token(); err != io.EOF {
			return bodyProblem(err, "The request body has data after the JSON object.")
		}
		return nil
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
		return &problem{status: http.StatusUnsupportedMediaType, reason: ReasonUnsupportedMediaType,
			message: "Send the request as " + contentTypeJSON + " or " + contentTypeForm + "."}
	}
}
