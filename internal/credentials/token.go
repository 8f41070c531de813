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
// the server finds the Secret from the token itself and can read it from
// the API server when the cache has not caught up yet, which no index can
// do. The account and user names it carries are the holder's own.
//
// The token is "<namespace>_<user>_<random>": namespaces and user names are
// DNS labels, which hold no "_", and the random part has a fixed length, so
// the token parses unambiguously and stays within the URL-safe alphabet of
// the other tokens.
func NewScopedToken(namespace, userName string) (token, hash string, err error) {
	random, _, err := NewToken()
	if err != nil {
		return "", "", err
	}
	token = namespace + "_" + userName + "_" + random
	return token, HashToken(token), nil
}

// ParseScopedToken returns the account and user a scoped token names.
func ParseScopedToken(token string) (namespace, userName string, ok bool) {
	const randomLen = 43 // base64url of tokenBytes
	if len(token) < randomLen+4 || token[len(token)-randomLen-1] != '_' {
		return "", "", false
	}
	namespace, userName, ok = strings.Cut(token[:len(token)-randomLen-1], "_")
	if !ok || namespace == "" || userName == "" || strings.Contains(userName, "_") {
		return "", "", false
	}
	return namespace, userName, true
}
