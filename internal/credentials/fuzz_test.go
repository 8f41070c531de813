package credentials

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	corev1 "k8s.io/api/core/v1"
)

// FuzzHashToken checks that a token's stored form is always 64 lower-case
// hex digits of its SHA-256, never the token itself.
func FuzzHashToken(f *testing.F) {
	for _, seed := range []string{"", "n4bQgHbqY1l7zK3cJ9xW0pLm2vR8sT5uE6aD1fG7hIk", "\x00", "é", strings.Repeat("a", 1000)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		got := HashToken(token)
		sum := sha256.Sum256([]byte(token))
		if got != hex.EncodeToString(sum[:]) || len(got) != 64 || strings.ToLower(got) != got {
			t.Fatalf("HashToken(%q) = %q", token, got)
		}
		if len(token) >= 8 && strings.Contains(got, token) {
			t.Fatalf("the hash of %q contains the token", token)
		}
	})
}

// FuzzCheckPasswordStrength compares the strength rules with a plain
// reading of them, and checks that no refusal quotes the password.
func FuzzCheckPasswordStrength(f *testing.F) {
	for _, seed := range []string{
		"Quartz-Lantern-77-Meadow", "short1A!", "alllowercaseletters", "ALLUPPER123", "Ünïcödé-Pässwörd",
		strings.Repeat("aA1", 24), strings.Repeat("aA1", 25), "ℕ𝔸𝕄𝔼 123 abc", "\x00\x01\x02aaaaaaaaaA",
	} {
		f.Add(seed)
	}
	// A refusal is one of a few fixed sentences, whatever the password.
	refusals := map[string]bool{}
	for _, weak := range []string{"short", strings.Repeat("aA1", 25), "alllowercaseletters"} {
		refusals[CheckPasswordStrength(weak).Error()] = true
	}
	f.Fuzz(func(t *testing.T, password string) {
		err := CheckPasswordStrength(password)
		classes := 0
		for _, in := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit, isOther} {
			if strings.ContainsFunc(password, in) {
				classes++
			}
		}
		want := len(password) >= MinPasswordLength && len(password) <= MaxPasswordLength && classes >= minCharacterClasses
		if (err == nil) != want {
			t.Fatalf("CheckPasswordStrength(%q) = %v; %d bytes, %d classes", password, err, len(password), classes)
		}
		if err != nil {
			if !errors.Is(err, ErrWeakPassword) {
				t.Fatalf("error %v does not wrap ErrWeakPassword", err)
			}
			if !refusals[err.Error()] {
				t.Fatalf("the error %q depends on the password", err)
			}
		}
	})
}

// isOther is a symbol in the sense of characterClasses: none of the others.
func isOther(r rune) bool { return !unicode.IsLower(r) && !unicode.IsUpper(r) && !unicode.IsDigit(r) }

// FuzzReadInvitation reads invitation data as anyone who can edit the
// Secret might leave it. Values that do not parse read as zero, so an
// unreadable expiry is an expired invitation, never an endless one; what
// WriteInvitation stores reads back unchanged.
func FuzzReadInvitation(f *testing.F) {
	f.Add([]byte("2"), []byte("1"), []byte("abc"), []byte("2030-01-02T15:04:05Z"), []byte(""))
	f.Add([]byte("99999999999"), []byte("-1"), []byte(""), []byte("10000-01-01T00:00:00Z"), []byte("garbage"))
	f.Add([]byte(" 1"), []byte("0x10"), []byte("\x00"), []byte("2030-01-02T15:04:05+01:00"), []byte("2030-01-02"))
	f.Add([]byte("1"), []byte("1"), []byte("abc"), []byte("0000-01-01T00:00:00+01:00"), []byte("9999-12-31T23:59:59-01:00"))
	f.Fuzz(func(t *testing.T, number, attempt, tokenHash, expiry, accepted []byte) {
		secret := &corev1.Secret{Data: map[string][]byte{
			KeyInvitationNumber: number, KeyInvitationAttempt: attempt, KeyInvitationTokenHash: tokenHash,
			KeyInvitationExpiry: expiry, KeyInvitationAcceptedTime: accepted,
		}}
		inv := ReadInvitation(secret)
		if want, err := time.Parse(time.RFC3339, string(expiry)); (err == nil && !inv.Expiry.Equal(want)) || (err != nil && !inv.Expiry.IsZero()) {
			t.Fatalf("expiry %q read as %v", expiry, inv.Expiry)
		}
		if inv.TokenHash != string(tokenHash) {
			t.Fatalf("token hash %q read as %q", tokenHash, inv.TokenHash)
		}

		// Written back, it reads the same. A time RFC 3339 cannot hold in
		// UTC may move to the nearest one it can, but an accepted invitation
		// stays accepted and an expired one expired.
		out := &corev1.Secret{}
		WriteInvitation(out, inv)
		again := ReadInvitation(out)
		if again.Number != inv.Number || again.Attempt != inv.Attempt || again.TokenHash != inv.TokenHash {
			t.Fatalf("%+v was written and read back as %+v", inv, again)
		}
		if again.AcceptedTime.IsZero() != inv.AcceptedTime.IsZero() ||
			(writable(inv.AcceptedTime) && !sameSecond(again.AcceptedTime, inv.AcceptedTime)) {
			t.Fatalf("accepted time %v was written and read back as %v", inv.AcceptedTime, again.AcceptedTime)
		}
		now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
		if again.Expiry.Before(now) != inv.Expiry.Before(now) ||
			(writable(inv.Expiry) && !sameSecond(again.Expiry, inv.Expiry)) {
			t.Fatalf("expiry %v was written and read back as %v", inv.Expiry, again.Expiry)
		}
	})
}

// writable reports whether RFC 3339 can hold t in UTC.
func writable(t time.Time) bool { return t.UTC().Year() >= 0 && t.UTC().Year() <= 9999 }

func sameSecond(a, b time.Time) bool { return a.Truncate(time.Second).Equal(b.Truncate(time.Second)) }
