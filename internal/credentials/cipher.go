package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// sealedPrefix starts every sealed value. A legacy TOTP secret is plain
// base32 (upper case letters, 2-7, "="), which never starts so, so the two
// are told apart without a flag beside them.
const sealedPrefix = "sealed:"

// ErrNoKey means the cipher has no key yet, or not the one a value names.
var ErrNoKey = errors.New("the credentials key is not loaded")

// Cipher seals the TOTP secrets kept in credential Secrets with AES-256-GCM,
// under keys only the operator holds (a Secret of its own, see KeyStore):
// whoever reads a credential Secret, a backup or etcd alone gets no second
// factor. A sealed value names the key that sealed it, so a new key can seal
// while the old ones still open. The zero value has no keys.
type Cipher struct {
	mu     sync.RWMutex
	active string
	aeads  map[string]cipher.AEAD
}

// NewCipher is a cipher with keys (by id) that seals with the active one.
func NewCipher(keys map[string][]byte, active string) (*Cipher, error) {
	c := &Cipher{}
	if err := c.SetKeys(keys, active); err != nil {
		return nil, err
	}
	return c, nil
}

// SetKeys replaces the keys; active must be one of them.
func (c *Cipher) SetKeys(keys map[string][]byte, active string) error {
	aeads := make(map[string]cipher.AEAD, len(keys))
	for id, key := range keys {
		if id == "" || strings.Contains(id, ":") {
			return fmt.Errorf("credentials key id %q: must be non-empty and hold no \":\"", id)
		}
		if len(key) != KeySize {
			return fmt.Errorf("credentials key %s: %d bytes, want %d", id, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return fmt.Errorf("credentials key %s: %w", id, err)
		}
		if aeads[id], err = cipher.NewGCM(block); err != nil {
			return fmt.Errorf("credentials key %s: %w", id, err)
		}
	}
	if _, ok := aeads[active]; !ok {
		return fmt.Errorf("active credentials key %q: %w", active, ErrNoKey)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active, c.aeads = active, aeads
	return nil
}

// Seal encrypts plaintext under the active key, bound to place (where the
// value is kept: moved elsewhere it does not open). The result is
// "sealed:<key id>:<base64url of nonce and ciphertext>".
func (c *Cipher) Seal(plaintext, place string) (string, error) {
	if c == nil {
		return "", ErrNoKey
	}
	c.mu.RLock()
	id, aead := c.active, c.aeads[c.active]
	c.mu.RUnlock()
	if aead == nil {
		return "", ErrNoKey
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, []byte(plaintext), []byte(place))
	return sealedPrefix + id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open returns the plaintext of a value Seal made with the same place. A
// value without the sealed prefix was written before values were sealed
// and is returned as it is; the next write seals it.
func (c *Cipher) Open(value, place string) (string, error) {
	rest, sealed := strings.CutPrefix(value, sealedPrefix)
	if !sealed {
		return value, nil
	}
	id, encoded, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("open: malformed sealed value")
	}
	if c == nil {
		return "", ErrNoKey
	}
	c.mu.RLock()
	aead := c.aeads[id]
	c.mu.RUnlock()
	if aead == nil {
		return "", fmt.Errorf("open with key %s: %w", id, ErrNoKey)
	}
	data, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || len(data) < aead.NonceSize() {
		return "", errors.New("open: malformed sealed value")
	}
	plaintext, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(place))
	if err != nil {
		return "", fmt.Errorf("open with key %s: %w", id, err)
	}
	return string(plaintext), nil
}

// IsSealed reports whether a stored value was sealed (and not legacy
// plaintext).
func IsSealed(value string) bool { return strings.HasPrefix(value, sealedPrefix) }
