package selfservice

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/utils/clock"
)

// TestMalformedRequests covers answers decided before any lookup, so the
// Server needs no clients.
func TestMalformedRequests(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
		reason      string
	}{
		{"malformed JSON", http.MethodPost, "application/json", `{"token": "abc", "password":`, http.StatusBadRequest, ReasonBadRequest},
		{"JSON array", http.MethodPost, "application/json", `["abc", "Quartz-Lantern-77-Meadow"]`, http.StatusBadRequest, ReasonBadRequest},
		{"wrong JSON type", http.MethodPost, "application/json", `{"token": 42, "password": "Quartz-Lantern-77-Meadow"}`, http.StatusBadRequest, ReasonBadRequest},
		{"data after the object", http.MethodPost, "application/json", `{"token": "abc", "password": "Quartz-Lantern-77-Meadow"} {}`, http.StatusBadRequest, ReasonBadRequest},
		{"JSON without token", http.MethodPost, "application/json", `{"password": "Quartz-Lantern-77-Meadow"}`, http.StatusBadRequest, ReasonBadRequest},
		{"JSON without password", http.MethodPost, "application/json", `{"token": "abc"}`, http.StatusBadRequest, ReasonBadRequest},
		{"JSON with charset", http.MethodPost, "application/json; charset=utf-8", `{"token": "abc"}`, http.StatusBadRequest, ReasonBadRequest},
		{"empty body", http.MethodPost, "application/json", ``, http.StatusBadRequest, ReasonBadRequest},
		{"body too large", http.MethodPost, "application/json", `{"token": "` + strings.Repeat("a", maxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, ReasonRequestTooLarge},
		{"plain text", http.MethodPost, "text/plain", `token=abc&password=Quartz-Lantern-77-Meadow`, http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"no content type", http.MethodPost, "", `{"token": "abc", "password": "Quartz-Lantern-77-Meadow"}`, http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"multipart form", http.MethodPost, "multipart/form-data; boundary=x", `--x--`, http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType},
		{"PUT", http.MethodPut, "application/json", `{}`, http.StatusMethodNotAllowed, ReasonMethodNotAllowed},
		{"DELETE", http.MethodDelete, "", ``, http.StatusMethodNotAllowed, ReasonMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/v1/invitations/accept", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}

			ex := serve(&Server{Clock: clock.RealClock{}}, r)

			expectProblem(t, ex, tt.status, tt.reason)
			expectNoSecrets(t, ex, "abc", strongPassword)
			if tt.status == http.StatusMethodNotAllowed {
				if got, want := ex.Header().Get("Allow"), "GET, HEAD, POST"; got != want {
					t.Errorf("Allow = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestMalformedFormPostsGetPages(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		status   int
		showForm bool
	}{
		{"bad encoding", "token=abc&password=%zz", http.StatusBadRequest, false},
		{"no token", "password=Quartz-Lantern-77-Meadow&confirm=Quartz-Lantern-77-Meadow", http.StatusBadRequest, false},
		{"no password", "token=abc&password=&confirm=", http.StatusBadRequest, true},
		{"passwords differ", "token=abc&password=Quartz-Lantern-77-Meadow&confirm=Quartz-Lantern-77-Meado", http.StatusBadRequest, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/invitations/accept", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")

			ex := serve(&Server{Clock: clock.RealClock{}}, r)

			if ex.Code != tt.status {
				t.Errorf("status = %d, want %d", ex.Code, tt.status)
			}
			expectHTML(t, ex.ResponseRecorder)
			if got := strings.Contains(ex.Body.String(), "<form"); got != tt.showForm {
				t.Errorf("form shown = %v, want %v", got, tt.showForm)
			}
			expectNoSecrets(t, ex, "", strongPassword)
		})
	}
}

func TestHealthz(t *testing.T) {
	ex := serve(&Server{Clock: clock.RealClock{}}, httptest.NewRequest(http.MethodGet, "/healthz", nil))

	if ex.Code != http.StatusOK || ex.Body.String() != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\"", ex.Code, ex.Body)
	}
}

func TestUnknownPath(t *testing.T) {
	ex := serve(&Server{Clock: clock.RealClock{}}, httptest.NewRequest(http.MethodGet, "/v1/nothing", nil))

	expectProblem(t, ex, http.StatusNotFound, ReasonNotFound)
}
