package selfservice

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"time"
)

var (
	errTooLarge = &problem{status: http.StatusRequestEntityTooLarge, reason: ReasonRequestTooLarge,
		message: "The request body is too large."}
	errMediaType = &problem{status: http.StatusUnsupportedMediaType, reason: ReasonUnsupportedMediaType,
		message: "Send the request as " + contentTypeJSON + " or " + contentTypeForm + "."}
)

// wellFormed refuses, before any route sees it, a request whose body no
// route takes: one declared larger than maxBodyBytes, and a POST whose body
// is neither JSON nor a form. Every body is bounded too, for the bodies that
// declare no length (chunked): reading past the limit fails, and the route
// answers 413.
func wellFormed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			refuseBody(w, r)
			return
		}
		if r.Method == http.MethodPost && !postMediaTypeOK(r) {
			_ = writeProblemJSON(w, errMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if isFormPost(r) {
			bufferForm(r)
		}
		next.ServeHTTP(w, r)
	})
}

// refuseBody answers 413 without reading the body, and over HTTP/1 closes
// the connection. HTTP/2 ends the stream alone.
func refuseBody(w http.ResponseWriter, r *http.Request) {
	body, _ := json.Marshal(problemBody{Reason: errTooLarge.reason, Message: errTooLarge.message}) // strings always marshal
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	// The length is told so that the answer is whole without the end of
	// a chunked encoding, which a closed connection never writes.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.ProtoMajor == 1 {
		h.Set("Connection", "close")
	}
	w.WriteHeader(errTooLarge.status)
	if _, err := w.Write(body); err != nil || r.ProtoMajor != 1 {
		return
	}
	closeUnread(w)
}

// closeUnread closes an HTTP/1 connection once the answer is out, without
// reading what the client still sends. Left to itself the server would read
// up to 256 KiB of the body to keep the connection, and wait for the client
// to send it. The connection stays open for writing a moment after the
// answer, as the server does for a request it cut short itself: a close
// while the client's bytes still arrive could reset the connection before
// the client has read why.
func closeUnread(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		return // not a connection of its own (a test's recorder): nothing to close
	}
	if half, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = half.CloseWrite()
	}
	time.AfterFunc(closeDelay, func() { _ = conn.Close() })
}

// closeDelay is how long a refused connection stays open for the client
// to read the answer, as long as net/http waits in the same case.
const closeDelay = 500 * time.Millisecond

// postMediaTypeOK reports whether a POST says its body is JSON or a form.
// A POST without a body may say nothing (curl -X POST does), but a body
// must say what it is: a body read as the wrong kind, or one a
// cross-site page could send as text/plain, is refused.
func postMediaTypeOK(r *http.Request) bool {
	values := r.Header.Values("Content-Type")
	if len(values) > 1 {
		return false
	}
	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		return r.ContentLength == 0
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == contentTypeJSON || mediaType == contentTypeForm)
}
