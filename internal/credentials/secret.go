// Package credentials holds the layout of a user's credential Secret and the
// hashing of the secrets kept in it. Nothing in this package stores or logs a
// plain token or password: only their hashes reach the API server, and the
// one secret that must be kept whole, a TOTP secret, is sealed with a key
// only the operator holds (see Cipher).
package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Keys of the credential Secret's data.
const (
	// KeyInvitationNumber is the invitation the token below belongs to (1, 2, …).
	KeyInvitationNumber = "invitation-number"
	// KeyInvitationAttempt counts send attempts of that invitation. It is
	// written before each attempt: the intent that keeps a restart from
	// sending the same invitation twice.
	KeyInvitationAttempt = "invitation-attempt"
	// KeyInvitationTokenHash is the SHA-256 of the one-time token in the link.
	KeyInvitationTokenHash = "invitation-token-hash"
	// KeyInvitationEarlierTokenHashes are the comma-separated hashes of the
	// tokens of earlier attempts of the same invitation whose outcome was
	// never recorded: the email may have arrived, so its link must keep
	// working next to the retry's. A new invitation clears them.
	KeyInvitationEarlierTokenHashes = "invitation-earlier-token-hashes"
	// KeyInvitationExpiry is when the token stops working (RFC 3339).
	KeyInvitationExpiry = "invitation-expiry"
	// KeyInvitationAcceptedTime is set when the token was used (RFC 3339).
	KeyInvitationAcceptedTime = "invitation-accepted-time"
	// KeyPasswordHash is the bcrypt hash of the person's password.
	KeyPasswordHash = "password-hash"
	// KeyPasswordSetTime is when the password was last set (RFC 3339).
	KeyPasswordSetTime = "password-set-time"
)

// HashToken returns the hex SHA-256 of a token. Tokens carry 256 random bits,
// so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Invitation is the invitation state kept in a credential Secret.
type Invitation struct {
	Number    int32
	Attempt   int32
	TokenHash string
	// EarlierTokenHashes belong to earlier attempts of this invitation that
	// may have been delivered; they are accepted like TokenHash.
	EarlierTokenHashes []string
	// Expiry ends every token of the invitation, earlier ones included.
	Expiry       time.Time
	AcceptedTime time.Time
}

// TokenHashes lists every hash that accepts this invitation: the current
// attempt's first, then the earlier ones.
func (inv Invitation) TokenHashes() []string {
	hashes := make([]string, 0, 1+len(inv.EarlierTokenHashes))
	if inv.TokenHash != "" {
		hashes = append(hashes, inv.TokenHash)
	}
	for _, h := range inv.EarlierTokenHashes {
		if h != "" {
			hashes = append(hashes, h)
		}
	}
	return hashes
}

// ReadInvitation decodes the invitation part of a credential Secret. Missing
// or malformed values read as zero: the controller then treats the invitation
// as never sent, which is the safe direction only because it also compares
// with the User's status before sending again.
func ReadInvitation(secret *corev1.Secret) Invitation {
	if secret == nil {
		return Invitation{}
	}
	data := secret.Data
	return Invitation{
		Number:             parseInt32(data[KeyInvitationNumber]),
		Attempt:            parseInt32(data[KeyInvitationAttempt]),
		TokenHash:          string(data[KeyInvitationTokenHash]),
		EarlierTokenHashes: parseList(data[KeyInvitationEarlierTokenHashes]),
		Expiry:             parseTime(data[KeyInvitationExpiry]),
		AcceptedTime:       parseTime(data[KeyInvitationAcceptedTime]),
	}
}

// WriteInvitation stores an invitation in a credential Secret's data.
func WriteInvitation(secret *corev1.Secret, inv Invitation) {
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[KeyInvitationNumber] = []byte(strconv.FormatInt(int64(inv.Number), 10))
	secret.Data[KeyInvitationAttempt] = []byte(strconv.FormatInt(int64(inv.Attempt), 10))
	secret.Data[KeyInvitationTokenHash] = []byte(inv.TokenHash)
	if len(inv.EarlierTokenHashes) == 0 {
		delete(secret.Data, KeyInvitationEarlierTokenHashes)
	} else {
		secret.Data[KeyInvitationEarlierTokenHashes] = []byte(strings.Join(inv.EarlierTokenHashes, ","))
	}
	secret.Data[KeyInvitationExpiry] = formatTime(inv.Expiry)
	if inv.AcceptedTime.IsZero() {
		delete(secret.Data, KeyInvitationAcceptedTime)
	} else {
		secret.Data[KeyInvitationAcceptedTime] = formatTime(inv.AcceptedTime)
	}
}

// RFC 3339 has four-digit years, and a time read with an offset can leave
// them once turned to UTC ("9999-12-31T23:59:59-01:00"). Such a time would be
// written as text that reads back as zero: an accepted invitation would
// look unaccepted and its token usable again. It is clamped to the nearest
// time that can be written instead.
var (
	earliestTime = time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)
)

func formatTime(t time.Time) []byte {
	t = t.UTC()
	switch {
	case t.Before(earliestTime):
		t = earliestTime
	case t.After(latestTime):
		t = latestTime
	}
	return []byte(t.Format(time.RFC3339))
}

// HasPassword reports whether the person has set a password.
func HasPassword(secret *corev1.Secret) bool {
	return secret != nil && len(secret.Data[KeyPasswordHash]) > 0
}

func parseInt32(b []byte) int32 {
	n, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// parseList splits a comma-separated value; empty reads as nil.
func parseList(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), ",")
}

func parseTime(b []byte) time.Time {
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		return time.Time{}
	}
	return t
}
