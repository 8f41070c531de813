package issuer

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/utils/clock"
)

// Algorithm is the one signature algorithm the issuer uses.
const Algorithm = jose.ES256

// Issuer signs the ID tokens of Tenantry's users.
type Issuer struct {
	// URL is the issuer identifier ("iss"), where the self-service API is
	// reached over https; discovery and the JWKS are found under it.
	URL string
	// Audience is the "aud" of every token: the API server's audience.
	Audience string
	// TTL is how long a token lasts.
	TTL  time.Duration
	Keys *Store
	// Clock tells the time; tests move it.
	Clock clock.PassiveClock
}

// Actor is who acts as the subject of a token, as RFC 8693 names it in
// the "act" claim.
type Actor struct {
	Subject string `json:"sub"`
	Email   string `json:"email"`
}

// Claims are the claims of an ID token.
type Claims struct {
	jwt.Claims
	// Email is the identity RBAC names the person by, without the prefix
	// the API server adds.
	Email string `json:"email"`
	// EmailVerified is always true: a user signs in only after accepting
	// the invitation sent to that address.
	EmailVerified bool   `json:"email_verified"`
	Act           *Actor `json:"act,omitempty"`
}

// Subject is who a token is for.
type Subject struct {
	// UID is the User's UID: unlike its name or email, never reused.
	UID   string
	Email string
	// Actor is set when someone else acts as the user.
	Actor *Actor
	// NotAfter caps the expiry: a token never outlives the session it was
	// made from.
	NotAfter time.Time
}

// Sign returns a signed ID token for sub and when it expires.
func (i *Issuer) Sign(sub Subject) (string, time.Time, error) {
	now := i.Clock.Now()
	key, ok := signingKey(i.Keys.Keys(), now)
	if !ok {
		return "", time.Time{}, ErrNoKeys
	}
	expiry := now.Add(i.TTL)
	if !sub.NotAfter.IsZero() && sub.NotAfter.Before(expiry) {
		expiry = sub.NotAfter
	}
	jti, err := tokenID()
	if err != nil {
		return "", time.Time{}, err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: Algorithm, Key: jose.JSONWebKey{Key: key.private, KeyID: key.ID, Algorithm: string(Algorithm)}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("make signer: %w", err)
	}
	claims := Claims{
		Claims: jwt.Claims{
			Issuer: i.URL, Subject: sub.UID, Audience: jwt.Audience{i.Audience}, ID: jti,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(expiry),
		},
		Email: sub.Email, EmailVerified: true, Act: sub.Actor,
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return token, time.Unix(int64(*claims.Expiry), 0).UTC(), nil
}

func tokenID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
