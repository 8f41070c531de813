package issuer

import (
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

func testIssuer(t *testing.T, now time.Time, keys ...Key) *Issuer {
	t.Helper()
	store := &Store{Clock: clock.RealClock{}}
	store.keys = keys
	return &Issuer{URL: "https://tenantry.example", Audience: "kubernetes", TTL: 10 * time.Minute, Keys: store, Clock: clocktesting.NewFakePassiveClock(now)}
}

// verify checks a token against the issuer's JWKS, as the API server does.
func verify(t *testing.T, i *Issuer, token string) (Claims, string) {
	t.Helper()
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{Algorithm})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	kid := parsed.Headers[0].KeyID
	jwks := i.JWKS()
	found := jwks.Key(kid)
	if len(found) != 1 {
		t.Fatalf("key %q is not in the JWKS", kid)
	}
	var claims Claims
	if err := parsed.Claims(found[0].Key, &claims); err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return claims, kid
}

func TestSignedTokensVerifyAgainstTheJWKS(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	old, _ := newKey(now.Add(-48 * time.Hour))
	current, _ := newKey(now.Add(-time.Hour))
	next, _ := newKey(now.Add(time.Hour))
	i := testIssuer(t, now, old, current, next)

	token, expiry, err := i.Sign(Subject{UID: "uid-1", Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	claims, kid := verify(t, i, token)
	if kid != current.ID {
		t.Errorf("signed with %q, want the active key %q", kid, current.ID)
	}
	err = claims.ValidateWithLeeway(jwt.Expected{Issuer: i.URL, AnyAudience: jwt.Audience{"kubernetes"}, Subject: "uid-1", Time: now}, 0)
	if err != nil {
		t.Errorf("claims: %v", err)
	}
	if claims.Email != "alice@example.com" || !claims.EmailVerified || claims.ID == "" || claims.Act != nil {
		t.Errorf("claims = %+v", claims)
	}
	if want := now.Add(10 * time.Minute); !expiry.Equal(want) || !claims.Expiry.Time().Equal(want) {
		t.Errorf("expiry = %v (claim %v), want %v", expiry, claims.Expiry.Time(), want)
	}
}

func TestSignCarriesTheActorAndKeepsWithinTheSession(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	k, _ := newKey(now)
	i := testIssuer(t, now, k)
	sessionEnd := now.Add(3 * time.Minute)
	token, expiry, err := i.Sign(Subject{UID: "uid-bob", Email: "bob@example.com", NotAfter: sessionEnd,
		Actor: &Actor{Subject: "uid-alice", Email: "alice@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := verify(t, i, token)
	if claims.Act == nil || *claims.Act != (Actor{Subject: "uid-alice", Email: "alice@example.com"}) {
		t.Errorf("act = %+v", claims.Act)
	}
	if !expiry.Equal(sessionEnd) {
		t.Errorf("expiry = %v, want the session's end %v", expiry, sessionEnd)
	}
}

func TestSignWithoutKeys(t *testing.T) {
	now := time.Now()
	future, _ := newKey(now.Add(time.Hour))
	for name, i := range map[string]*Issuer{"no keys": testIssuer(t, now), "only a key not active yet": testIssuer(t, now, future)} {
		if _, _, err := i.Sign(Subject{UID: "u", Email: "e"}); err != ErrNoKeys {
			t.Errorf("%s: err = %v, want ErrNoKeys", name, err)
		}
	}
}
