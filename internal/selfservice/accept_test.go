package selfservice

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestAcceptSetsPasswordAndMarksAccepted(t *testing.T) {
	inv := newInvitation(t)
	now := time.Now().Truncate(time.Second)
	s := newServer()
	s.Clock = clocktesting.NewFakePassiveClock(now)

	ex := acceptJSON(s, inv.token, strongPassword)

	if ex.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body: %s", ex.Code, ex.Body)
	}
	var got acceptedBody
	if err := json.Unmarshal(ex.Body.Bytes(), &got); err != nil {
		t.Fatalf("decode answer %q: %v", ex.Body, err)
	}
	want := acceptedBody{Status: "Accepted", Namespace: inv.user.Namespace, User: inv.user.Name}
	if got != want {
		t.Errorf("answer = %+v, want %+v", got, want)
	}
	expectNoSecrets(t, ex, inv.token, strongPassword)
	if !strings.Contains(ex.logs, "Invitation accepted") {
		t.Errorf("the acceptance was not logged:\n%s", ex.logs)
	}

	secret := inv.currentSecret(t)
	if !credentials.CheckPassword(secret.Data[credentials.KeyPasswordHash], strongPassword) {
		t.Error("the stored password hash does not match the password")
	}
	if got := credentials.ReadInvitation(secret); !got.AcceptedTime.Equal(now) {
		t.Errorf("accepted time = %v, want %v", got.AcceptedTime, now)
	}
	stamp := now.UTC().Format(time.RFC3339)
	if got := string(secret.Data[credentials.KeyPasswordSetTime]); got != stamp {
		t.Errorf("password set time = %q, want %q", got, stamp)
	}
	// The hash stays so the same link later answers TokenUsed.
	if got, want := string(secret.Data[credentials.KeyInvitationTokenHash]), credentials.HashToken(inv.token); got != want {
		t.Errorf("token hash = %q, want it kept as %q", got, want)
	}
}

func TestAcceptRefusesWithoutChangingTheSecret(t *testing.T) {
	tests := []struct {
		name     string
		options  []invitationOption
		token    func(inv *invitation) string
		password string
		now      func(inv *invitation) time.Time
		status   int
		reason   string
	}{{
		name:     "expired token",
		password: strongPassword,
		now:      func(inv *invitation) time.Time { return inv.expiry.Add(time.Second) },
		status:   http.StatusGone,
		reason:   ReasonTokenExpired,
	}, {
		name:     "token at its expiry",
		password: strongPassword,
		now:      func(inv *invitation) time.Time { return inv.expiry },
		status:   http.StatusGone,
		reason:   ReasonTokenExpired,
	}, {
		name: "unknown token",
		token: func(*invitation) string {
			token, _, err := credentials.NewToken()
			if err != nil {
				panic(err)
			}
			return token
		},
		password: strongPassword,
		status:   http.StatusNotFound,
		reason:   ReasonTokenInvalid,
	}, {
		name:     "weak password",
		password: "onlylowercaseletters",
		status:   http.StatusUnprocessableEntity,
		reason:   ReasonPasswordTooWeak,
	}, {
		name:     "disabled user",
		options:  []invitationOption{disabled},
		password: strongPassword,
		status:   http.StatusForbidden,
		reason:   ReasonUserDisabled,
	}, {
		// A dead link is worth more to the person than advice on passwords.
		name:     "expired token and weak password",
		password: "short",
		now:      func(inv *invitation) time.Time { return inv.expiry.Add(time.Hour) },
		status:   http.StatusGone,
		reason:   ReasonTokenExpired,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newInvitation(t, tt.options...)
			before := inv.currentSecret(t)
			s := newServer()
			if tt.now != nil {
				now := tt.now(inv)
				s.Clock = clocktesting.NewFakePassiveClock(now)
			}
			token := inv.token
			if tt.token != nil {
				token = tt.token(inv)
			}

			ex := acceptJSON(s, token, tt.password)

			p := expectProblem(t, ex, tt.status, tt.reason)
			if tt.reason == ReasonPasswordTooWeak {
				if want := credentials.CheckPasswordStrength(tt.password).Error(); p.Message != want {
					t.Errorf("message = %q, want the strength error %q", p.Message, want)
				}
			}
			expectNoSecrets(t, ex, token, tt.password)
			expectUnchanged(t, inv, before)
		})
	}
}

func TestAcceptSameTokenTwice(t *testing.T) {
	inv := newInvitation(t)
	s := newServer()
	if ex := acceptJSON(s, inv.token, strongPassword); ex.Code != http.StatusOK {
		t.Fatalf("first accept: status = %d; body: %s", ex.Code, ex.Body)
	}
	accepted := inv.currentSecret(t)
	waitForCache(t, accepted, nil)

	ex := acceptJSON(s, inv.token, "Another-Strong-Pass-99")

	expectProblem(t, ex, http.StatusGone, ReasonTokenUsed)
	expectNoSecrets(t, ex, inv.token, "Another-Strong-Pass-99")
	expectUnchanged(t, inv, accepted)
}

// TestAcceptWithStaleCache replays what an informer that has not yet seen the
// latest write would answer. The write must conflict, and the checks on the
// fresh read must refuse.
func TestAcceptWithStaleCache(t *testing.T) {
	tests := []struct {
		name string
		// change is what happened to the Secret after the cache's snapshot.
		change func(t *testing.T, inv *invitation)
		status int
		reason string
	}{{
		name: "accepted in the meantime",
		change: func(t *testing.T, inv *invitation) {
			if ex := acceptJSON(newServer(), inv.token, strongPassword); ex.Code != http.StatusOK {
				t.Fatalf("first accept: status = %d; body: %s", ex.Code, ex.Body)
			}
		},
		status: http.StatusGone,
		reason: ReasonTokenUsed,
	}, {
		name: "re-invited with a new token in the meantime",
		change: func(t *testing.T, inv *invitation) {
			secret := inv.currentSecret(t)
			_, hash, err := credentials.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			credentials.WriteInvitation(secret, credentials.Invitation{Number: 2, Attempt: 1, TokenHash: hash, Expiry: inv.expiry})
			if err := direct.Update(context.Background(), secret); err != nil {
				t.Fatalf("re-invite: %v", err)
			}
		},
		status: http.StatusNotFound,
		reason: ReasonTokenInvalid,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newInvitation(t)
			stale := snapshotSecrets(t, inv)
			tt.change(t, inv)
			before := inv.currentSecret(t)
			s := &Server{Clock: clock.RealClock{}, Client: &staleSecrets{Client: cached, snapshot: stale}, APIReader: direct}

			ex := acceptJSON(s, inv.token, "Another-Strong-Pass-99")

			expectProblem(t, ex, tt.status, tt.reason)
			expectNoSecrets(t, ex, inv.token, "Another-Strong-Pass-99")
			expectUnchanged(t, inv, before)
		})
	}
}

// TestAcceptGivesUpAfterRepeatedConflicts: a Secret that conflicts on every
// write is a fault to report, not a loop to spin in.
func TestAcceptGivesUpAfterRepeatedConflicts(t *testing.T) {
	inv := newInvitation(t)
	before := inv.currentSecret(t)
	conflicting := &conflictingPatches{Client: cached}
	s := &Server{Clock: clock.RealClock{}, Client: conflicting, APIReader: direct}

	ex := acceptJSON(s, inv.token, strongPassword)

	p := expectProblem(t, ex, http.StatusInternalServerError, ReasonInternalError)
	if strings.Contains(p.Message, "conflict") {
		t.Errorf("the message leaks the internal error: %q", p.Message)
	}
	if conflicting.patches != maxAcceptAttempts {
		t.Errorf("patches = %d, want %d", conflicting.patches, maxAcceptAttempts)
	}
	if !strings.Contains(ex.logs, "Accepting an invitation failed") {
		t.Errorf("the failure was not logged:\n%s", ex.logs)
	}
	expectNoSecrets(t, ex, inv.token, strongPassword)
	expectUnchanged(t, inv, before)
}

// TestAcceptConcurrently: two requests with the same token, racing through
// the same cache; exactly one wins whatever the interleaving.
func TestAcceptConcurrently(t *testing.T) {
	inv := newInvitation(t)
	s := newServer()
	passwords := []string{"First-Racer-Pass-11", "Second-Racer-Pass-22"}
	codes := make([]int, len(passwords))
	var wg sync.WaitGroup
	for i, password := range passwords {
		wg.Go(func() {
			codes[i] = acceptJSON(s, inv.token, password).Code
		})
	}
	wg.Wait()

	winner := -1
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			if winner >= 0 {
				t.Fatalf("both requests were accepted: %v", codes)
			}
			winner = i
		case http.StatusGone:
		default:
			t.Errorf("request %d: status = %d, want 200 or 410", i, code)
		}
	}
	if winner < 0 {
		t.Fatalf("no request was accepted: %v", codes)
	}
	hash := inv.currentSecret(t).Data[credentials.KeyPasswordHash]
	if !credentials.CheckPassword(hash, passwords[winner]) {
		t.Error("the stored password is not the winner's")
	}
}

func TestAcceptRefusesUsersThatAreGone(t *testing.T) {
	tests := []struct {
		name string
		// setup leaves an invitation whose User is gone or going.
		setup func(t *testing.T) *invitation
	}{{
		name: "user being deleted",
		setup: func(t *testing.T) *invitation {
			inv := newInvitation(t, withFinalizer)
			if err := direct.Delete(context.Background(), inv.user); err != nil {
				t.Fatalf("delete user: %v", err)
			}
			// The finalizer keeps the User; wait for the cache to see the
			// deletion timestamp.
			user := inv.user.DeepCopy()
			if err := direct.Get(context.Background(), client.ObjectKeyFromObject(user), user); err != nil {
				t.Fatal(err)
			}
			waitForCache(t, inv.secret, user)
			return inv
		},
	}, {
		name: "user never existed",
		setup: func(t *testing.T) *invitation {
			ns := newNamespace(t)
			token, hash, err := credentials.NewToken()
			if err != nil {
				t.Fatal(err)
			}
			nobody := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bob"}}
			orphan := credentialSecret(t, nobody, hash, time.Now().Add(invitationValidity))
			if err := direct.Create(context.Background(), orphan); err != nil {
				t.Fatalf("create credential Secret: %v", err)
			}
			waitForCache(t, orphan, nil)
			return &invitation{secret: orphan, token: token}
		},
	}, {
		name: "user deleted and created again",
		setup: func(t *testing.T) *invitation {
			inv := newInvitation(t)
			// Garbage collection does not run in envtest: the old Secret
			// stays, owned by a User that is gone, like in the moments
			// before the garbage collector gets to it.
			if err := direct.Delete(context.Background(), inv.user); err != nil {
				t.Fatalf("delete user: %v", err)
			}
			again := inv.user.DeepCopy()
			again.ResourceVersion, again.UID = "", ""
			if err := direct.Create(context.Background(), again); err != nil {
				t.Fatalf("create the user again: %v", err)
			}
			waitForCache(t, inv.secret, again)
			return inv
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.setup(t)
			before := inv.currentSecret(t)

			ex := acceptJSON(newServer(), inv.token, strongPassword)

			expectProblem(t, ex, http.StatusNotFound, ReasonTokenInvalid)
			expectNoSecrets(t, ex, inv.token, strongPassword)
			expectUnchanged(t, inv, before)
		})
	}
}
