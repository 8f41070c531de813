package credentials

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestSessionEnds: what stays of a Secret's sessions when some end, and
// which ends are worth telling.
func TestSessionEnds(t *testing.T) {
	now := time.Date(2026, time.December, 7, 3, 0, 0, 0, time.UTC)
	actor := &SessionActor{User: "alice", UID: "u1", Email: "alice@acme.example", SessionHash: ActorSessionHash("a1")}
	own := Session{TokenHash: "own", Expiry: now.Add(time.Hour)}
	ownExpired := Session{TokenHash: "own-expired", Expiry: now.Add(-time.Minute)}
	actedAs := Session{TokenHash: "acted-as", Expiry: now.Add(time.Minute), Actor: actor}
	actedAsExpired := Session{TokenHash: "acted-as-expired", Expiry: now.Add(-time.Minute), Actor: actor}
	all := []Session{own, ownExpired, actedAs, actedAsExpired}
	hashes := func(sessions []Session) []string {
		out := make([]string, 0, len(sessions))
		for _, s := range sessions {
			out = append(out, s.TokenHash)
		}
		return out
	}
	tests := []struct {
		name      string
		change    func(*corev1.Secret) []Session
		wantKept  []string
		wantEnded []string
	}{{
		name:     "a write drops expired sessions but the log-in-as ones",
		change:   func(s *corev1.Secret) []Session { WriteSessions(s, all, now); return nil },
		wantKept: []string{"own", "acted-as", "acted-as-expired"},
	}, {
		name: "ending all tells the live ones and every log-in-as",
		change: func(s *corev1.Secret) []Session {
			return EndSessions(s, func(Session) bool { return true }, now)
		},
		wantEnded: []string{"own", "acted-as", "acted-as-expired"},
	}, {
		name: "ending one keeps the others",
		change: func(s *corev1.Secret) []Session {
			return EndSessions(s, func(s Session) bool { return s.TokenHash == "acted-as" }, now)
		},
		wantKept:  []string{"own", "acted-as-expired"},
		wantEnded: []string{"acted-as"},
	}, {
		name:     "revoking ends the person's at once and marks the log-in-as ones",
		change:   func(s *corev1.Secret) []Session { RevokeSessions(s, "reset", now); return nil },
		wantKept: []string{"acted-as", "acted-as-expired"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := &corev1.Secret{}
			WriteSessions(secret, all, now.Add(-time.Hour)) // all live then
			ended := tt.change(secret)
			if got := hashes(ReadSessions(secret)); !slices.Equal(got, tt.wantKept) {
				t.Errorf("kept %v, want %v", got, tt.wantKept)
			}
			if got := hashes(ended); !slices.Equal(got, tt.wantEnded) {
				t.Errorf("ended %v, want %v", got, tt.wantEnded)
			}
		})
	}
}

// TestRevokedLogInAsIsDead: a revoked "log in as" session is kept only to
// be recorded: it has expired, and says why.
func TestRevokedLogInAsIsDead(t *testing.T) {
	now := time.Date(2026, time.December, 7, 3, 0, 0, 0, time.UTC)
	secret := &corev1.Secret{}
	WriteSessions(secret, []Session{{TokenHash: "h", Expiry: now.Add(time.Hour), Actor: &SessionActor{User: "alice"}}}, now)
	RevokeSessions(secret, "the password was reset", now)
	sessions := ReadSessions(secret)
	if len(sessions) != 1 || !sessions[0].Expired(now) || sessions[0].Ended != "the password was reset" {
		t.Fatalf("revoked session %+v, want expired at %s and marked", sessions, now)
	}
	if ActorSessionHash("a") == ActorSessionHash("b") || ActorSessionHash("a") == HashToken("a") {
		t.Error("ActorSessionHash must name one session and differ from its token hash")
	}
}
