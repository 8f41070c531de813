package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Key is one signing key as the Secret keeps it. Keys are ES256 (P-256):
// small, fast to make, and accepted by every API server.
type Key struct {
	// ID is the JWK "kid": a hash of the public key, so two replicas that
	// made a key at the same moment can never confuse theirs.
	ID string `json:"kid"`
	// Active is when the key starts to sign. A new key is published in
	// the JWKS a while before that, so that every replica and the API
	// server know it before the first token it signs arrives.
	Active time.Time `json:"active"`
	// PrivateKeyPEM is the PKCS #8 private key.
	PrivateKeyPEM string `json:"privateKey"`

	private *ecdsa.PrivateKey
}

// Policy is the key schedule.
type Policy struct {
	// Rotation is how long a key signs before the next one takes over.
	Rotation time.Duration
	// PublishDelay is how long a new key is published before it signs.
	PublishDelay time.Duration
	// Retention is how long a key stays published after the next one took
	// over: the longest lifetime of a token it signed, plus clock skew.
	Retention time.Duration
}

// planKeys is the schedule applied at now: the keys to keep, in order of
// activation, and whether a new key must be made, active from newActive.
// Every replica computes the same plan from the same Secret, so whoever
// writes first wins and the others agree after re-reading.
func planKeys(keys []Key, now time.Time, p Policy) (kept []Key, needNew bool, newActive time.Time) {
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b Key) int { return a.Active.Compare(b.Active) })
	for i, k := range keys {
		// A key is retired once its successor has signed for Retention:
		// no token it signed can still be valid.
		if i+1 < len(keys) && !now.Before(keys[i+1].Active.Add(p.Retention)) {
			continue
		}
		kept = append(kept, k)
	}
	if len(kept) == 0 {
		return kept, true, now
	}
	newest := kept[len(kept)-1]
	if newest.Active.After(now) {
		// The next key is published and waits for its turn.
		return kept, false, time.Time{}
	}
	due := newest.Active.Add(p.Rotation)
	if now.Add(p.PublishDelay).Before(due) {
		return kept, false, time.Time{}
	}
	return kept, true, latest(due, now.Add(p.PublishDelay))
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// signingKey is the key that signs at now: the last one active. Replicas
// agree on it without talking, because they read the same keys.
func signingKey(keys []Key, now time.Time) (Key, bool) {
	var found Key
	ok := false
	for _, k := range keys {
		if !k.Active.After(now) && (!ok || !k.Active.Before(found.Active)) {
			found, ok = k, true
		}
	}
	return found, ok
}

// newKey makes a key that becomes active at active.
func newKey(active time.Time) (Key, error) {
	private, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(private)
	if err != nil {
		return Key{}, fmt.Errorf("encode signing key: %w", err)
	}
	id, err := keyID(&private.PublicKey)
	if err != nil {
		return Key{}, err
	}
	return Key{
		ID: id, Active: active.UTC().Truncate(time.Second), private: private,
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}, nil
}

func keyID(public *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(public)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:16]), nil
}

// keysDataKey is the key of the Secret's data that holds the JSON list.
const keysDataKey = "keys.json"

// decodeKeys reads the keys of the Secret's data. A key that does not
// parse is an error, not a key to drop: dropping it would make the
// replicas disagree and a valid token fail.
func decodeKeys(data []byte) ([]Key, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var keys []Key
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("decode signing keys: %w", err)
	}
	for i := range keys {
		if err := keys[i].parse(); err != nil {
			return nil, fmt.Errorf("signing key %q: %w", keys[i].ID, err)
		}
	}
	return keys, nil
}

func encodeKeys(keys []Key) []byte {
	data, _ := json.Marshal(keys) // plain structs always marshal
	return data
}

func (k *Key) parse() error {
	block, _ := pem.Decode([]byte(k.PrivateKeyPEM))
	if block == nil {
		return errors.New("no PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return err
	}
	private, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || private.Curve != elliptic.P256() {
		return errors.New("not a P-256 ECDSA key")
	}
	k.private = private
	return nil
}
