package selfservice

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
)

// httpsServer is the Server's handler behind a real https listener, as the
// manager serves it with a certificate, with what it logs.
type httpsServer struct {
	*httptest.Server
	logs *logBuffer
}

func startHTTPS(t *testing.T, s *Server) *httpsServer {
	t.Helper()
	logs := &logBuffer{}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.BaseContext = func(net.Listener) context.Context {
		return logr.NewContext(context.Background(), logs.logger())
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &httpsServer{Server: srv, logs: logs}
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request and reads the answer whole; edit sets its headers.
func (h *httpsServer) do(t *testing.T, method, path, contentType, body string, edit func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if edit != nil {
		edit(req)
	}
	res, err := h.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the answer to %s %s: %v", method, path, err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// problem decodes a JSON error answer, failing when it is not one.
func (a answer) problem(t *testing.T) problemBody {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status %d, Content-Type %q, want a JSON error; body: %s", a.status, ct, a.body)
	}
	var p problemBody
	if err := json.Unmarshal([]byte(a.body), &p); err != nil {
		t.Fatalf("decode the error answer %q: %v", a.body, err)
	}
	if p.Reason == "" || p.Message == "" {
		t.Errorf("the error answer has no reason or message: %s", a.body)
	}
	return p
}
