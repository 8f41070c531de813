package credentials

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// tokenBytes is the entropy of a one-time token: 256 bits.
const tokenBytes = 32

// NewToken returns a random URL-safe token and its hash. The caller puts the
// token in the link and stores only the hash.
func NewToken() (token, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// NewScopedToken returns a random token that names the credential Secret
// it belongs to, and its hash. Session and password reset tokens are scoped:
// the server finds the Secret from the token itself and reads it again from
// the API server when the cache has not caught up yet, which no index can
// do. The account and user names it carries are the holder's own.
func NewScopedToken(namespace, userName string) (token, hash string, err error) {
	random, _, err := NewToken()
	if err != nil {
		return "", "", err
	}
	token = namespace + "." + userName + "." + random
	return token, HashToken(token), nil
}

// ParseScopedToken returns the account and user a scoped token names.
// Namespaces and user names are DNS labels, so they hold no dot.
func ParseScopedToken(token string) (namespace, userName string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || len(parts[2]) != 43 {
		return "", "", false
	}
	return parts[0], parts[1], true
}
