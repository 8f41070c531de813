package credentials

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
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
