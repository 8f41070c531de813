package selfservice

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tenantry-io/tenantry/internal/webui"
)

// problemBody is the JSON of every error answer.
type problemBody struct {
	Reason      string     `json:"reason"`
	Message     string     `json:"message"`
	LockedUntil *time.Time `json:"lockedUntil,omitempty"`
	// EnrollmentToken and ExpiryTime answer TwoFactorEnrollmentRequired.
	EnrollmentToken string     `json:"enrollmentToken,omitempty"`
	ExpiryTime      *time.Time `json:"expiryTime,omitempty"`
}

// acceptedBody is the JSON of an accepted invitation.
type acceptedBody struct {
	Status    string `json:"status"`
	Namespace string `json:"namespace"`
	User      string `json:"user"`
}

func writeJSON(w http.ResponseWriter, status int, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(data, '\n'))
	return err
}

func writeProblemJSON(w http.ResponseWriter, p *problem) error {
	return writeJSON(w, p.status, problemBody{Reason: p.reason, Message: p.message, LockedUntil: p.lockedUntil,
		EnrollmentToken: p.enrollmentToken, ExpiryTime: p.expiryTime})
}

// securityHeaders sets the headers every answer carries. Pages hold a token
// in a hidden field or their address, so nothing may cache them, send them
// as a referrer to another site, sniff them into another type or frame
// them. The referrer stays on for this origin: with none at all, browsers
// send their form posts with the origin "null", which the csrf check
// cannot tell from a sandboxed frame's. The assets, which hold no
// secret, set a long cache of their own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", webui.ContentSecurityPolicy)
		next.ServeHTTP(w, r)
	})
}
