package selfservice

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// answerTimeout bounds the wait for an answer that must come at once; a
// server that waits for the body never gives one, as the client never
// sends it.
const answerTimeout = 10 * time.Second

// TestDeclaredBodyTooLargeRefusedAtOnce declares a body over the limit,
// sends only the headers, and gets 413 at once, with the connection
// closed: the server reads none of the body and does not wait for it.
func TestDeclaredBodyTooLargeRefusedAtOnce(t *testing.T) {
	srv := startHTTPS(t, newServer())
	for _, tt := range []struct {
		path   string
		length int64
	}{
		{"/v1/sessions", maxBodyBytes + 1},
		{"/v1/invitations/accept", maxBodyBytes + 1},
		{"/v1/password-resets", 1 << 30},
		{"/v1/totp/confirm", 1 << 20},
	} {
		t.Run(fmt.Sprintf("%s %d bytes", tt.path, tt.length), func(t *testing.T) {
			conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), srv.Client().Transport.(*http.Transport).TLSClientConfig)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			if err := conn.SetDeadline(time.Now().Add(answerTimeout)); err != nil {
				t.Fatal(err)
			}
			_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: tenantry.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", tt.path, tt.length)
			if err != nil {
				t.Fatal(err)
			}
			reader := bufio.NewReader(conn)
			res, err := http.ReadResponse(reader, nil)
			if err != nil {
				t.Fatalf("no answer before the body was sent: %v", err)
			}
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatalf("read the answer: %v", err)
			}
			a := answer{status: res.StatusCode, header: res.Header, body: string(raw)}
			if a.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413; body %s", a.status, a.body)
			}
			if p := a.problem(t); p.Reason != ReasonRequestTooLarge {
				t.Errorf("reason %q, want %s", p.Reason, ReasonRequestTooLarge)
			}
			// ReadResponse takes "Connection: close" out of the header
			// into Close.
			if !res.Close {
				t.Error("the answer does not say Connection: close")
			}
			// The server closed its side: the next read ends, no request more.
			if _, err := reader.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("after the answer the connection gave %v, want EOF", err)
			}
		})
	}
}

// TestLargeBodySentAnyway: a client that sends its large body without
// waiting still reads the 413, not a reset connection.
func TestLargeBodySentAnyway(t *testing.T) {
	srv := startHTTPS(t, newServer())
	body := `{"account":"` + strings.Repeat("a", 1<<20) + `"}`
	a := srv.do(t, http.MethodPost, "/v1/sessions", contentTypeJSON, body, nil)
	if a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; body %s", a.status, a.body)
	}
	if p := a.problem(t); p.Reason != ReasonRequestTooLarge {
		t.Errorf("reason %q, want %s", p.Reason, ReasonRequestTooLarge)
	}
}

// TestChunkedBodyTooLarge: a body that declares no length is read up to the
// limit and no further, and answered 413 with a reason.
func TestChunkedBodyTooLarge(t *testing.T) {
	srv := startHTTPS(t, newServer())
	for _, path := range []string{"/v1/sessions", "/v1/invitations/accept", "/v1/password-resets"} {
		body := `{"account":"` + strings.Repeat("a", 2*maxBodyBytes) + `"}`
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentTypeJSON)
		if req.ContentLength != 0 {
			t.Fatalf("the request declares a length %d; it must be chunked", req.ContentLength)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		a := answer{status: res.StatusCode, header: res.Header, body: string(raw)}
		if a.status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: status %d, want 413; body %s", path, a.status, a.body)
			continue
		}
		if p := a.problem(t); p.Reason != ReasonRequestTooLarge {
			t.Errorf("%s: reason %q, want %s", path, p.Reason, ReasonRequestTooLarge)
		}
	}
}

// TestPostBodyMustSayItsType: a POST with a body says it is JSON or a form,
// on every route, those that take a session included; one without a body
// may say nothing.
func TestPostBodyMustSayItsType(t *testing.T) {
	srv := startHTTPS(t, tokenServer(t, newFakeClock(), true))
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+wellFormedToken) }
	for _, tt := range []struct {
		name, path, contentType, body string
		status                        int
		reason                        string
	}{
		{"enrol, JSON body without a type", "/v1/totp/enroll", "", "{}", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"enrol, text/plain", "/v1/totp/enroll", "text/plain", "{}", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"enrol, text/plain without a body", "/v1/totp/enroll", "text/plain", "", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"enrol, multipart", "/v1/totp/enroll", "multipart/form-data; boundary=x", "--x--", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"enrol, a type that does not parse", "/v1/totp/enroll", "application/json; charset", "{}", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"token, text/plain", "/v1/tokens", "text/plain", "x", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"log out, text/plain", "/v1/sessions/current", "text/plain", "x", http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"confirm, no type", "/v1/totp/confirm", "", `{"code":"123456"}`, http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"log in as, no type", "/v1/sessions/impersonate", "", `{"user":"bob"}`, http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		// Without a body a POST need not say anything: the session decides.
		{"enrol without a body", "/v1/totp/enroll", "", "", http.StatusUnauthorized, ReasonSessionInvalid},
		{"token without a body", "/v1/tokens", "", "", http.StatusUnauthorized, ReasonSessionInvalid},
		{"enrol, JSON", "/v1/totp/enroll", contentTypeJSON, "{}", http.StatusUnauthorized, ReasonSessionInvalid},
	} {
		a := srv.do(t, http.MethodPost, tt.path, tt.contentType, tt.body, bearer)
		if a.status != tt.status {
			t.Errorf("%s: status %d, want %d; body %s", tt.name, a.status, tt.status, a.body)
			continue
		}
		if p := a.problem(t); p.Reason != tt.reason {
			t.Errorf("%s: reason %q, want %s", tt.name, p.Reason, tt.reason)
		}
	}
}

// TestJSONBodiesAreStrict: what encoding/json would let pass unseen (an
// unknown field, the same field twice, data after the object, a value of
// the wrong type) is refused with 400 and a reason, on every route that
// reads a body, before anything is looked up or hashed.
func TestJSONBodiesAreStrict(t *testing.T) {
	s := signInServer(newFakeClock())
	bodies := []struct{ name, body string }{
		{"unknown field", `{"account":"acme","email":"a@example.com","password":"x","token":"t","code":"1","admin":true}`},
		{"a field twice", `{"account":"acme","account":"other","email":"a@example.com","password":"x","token":"t"}`},
		{"a field twice in another case", `{"email":"a@example.com","EMAIL":"b@example.com","account":"acme","password":"x","token":"t"}`},
		{"a field twice, folded", `{"token":"t","to\u212aen":"u","password":"x","account":"acme","email":"a@example.com"}`},
		{"data after the object", `{"account":"acme","email":"a@example.com","password":"x","token":"t"} {}`},
		{"a second object", `{"account":"acme"}{"email":"a@example.com"}`},
		{"a number for a string", `{"account":1,"email":"a@example.com","password":"x","token":"t"}`},
		{"an object for a string", `{"account":{},"email":"a@example.com","password":"x","token":{}}`},
		{"an array", `["acme","a@example.com"]`},
		{"null", `null`},
		{"a string", `"acme"`},
		{"empty", ``},
		{"cut short", `{"account":"acme",`},
	}
	for _, route := range []string{"/v1/sessions", "/v1/password-resets", "/v1/password-resets/confirm", "/v1/invitations/accept", "/v1/totp/confirm"} {
		for _, tt := range bodies {
			r := httptest.NewRequest(http.MethodPost, route, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", contentTypeJSON)
			ex := serve(s, r)
			p := expectProblem(t, ex, http.StatusBadRequest, ReasonBadRequest)
			if t.Failed() {
				t.Fatalf("%s, %s: %d %+v", route, tt.name, ex.Code, p)
			}
		}
	}
	// A wrong type is named by the field, which is the route's own name.
	r := httptest.NewRequest(http.MethodPost, "/v1/sessions", strings.NewReader(`{"account":1,"email":"a","password":"b"}`))
	r.Header.Set("Content-Type", contentTypeJSON)
	var p problemBody
	if err := json.Unmarshal(serve(s, r).Body.Bytes(), &p); err != nil || !strings.Contains(p.Message, "account") {
		t.Errorf("the answer to a number for the account does not name the field: %+v (%v)", p, err)
	}
}
