package credentials

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckPasswordStrength(t *testing.T) {
	tests := []struct {
		name     string
		password string
		ok       bool
	}{
		{"long and mixed", "Corr3ct-Horse-Battery", true},
		{"three classes are enough", "correct-horse-7", true},
		{"too short", "Ab1-", false},
		{"only lower case", "correcthorsebattery", false},
		{"two classes", "correcthorse77", false},
		{"past bcrypt's limit", strings.Repeat("Ab1-", 19), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPasswordStrength(tt.password)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPasswordStrength() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrWeakPassword) {
					t.Errorf("error %v does not wrap ErrWeakPassword", err)
				}
				if strings.Contains(err.Error(), tt.password) {
					t.Errorf("error repeats the password: %v", err)
				}
			}
		})
	}
}

func TestHashPassword(t *testing.T) {
	hash, err := HashPassword("Corr3ct-Horse-Battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(hash), "Corr3ct") {
		t.Fatal("hash contains the password")
	}
	if !CheckPassword(hash, "Corr3ct-Horse-Battery") {
		t.Error("the password does not match its hash")
	}
	if CheckPassword(hash, "Corr3ct-Horse-Battery!") {
		t.Error("another password matches the hash")
	}
	if _, err := HashPassword("weak"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("a weak password was hashed: %v", err)
	}
}

func TestNewToken(t *testing.T) {
	token, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 { // 32 bytes, unpadded base64url
		t.Errorf("token length %d, want 43", len(token))
	}
	if hash != HashToken(token) || len(hash) != 64 {
		t.Errorf("hash %q is not the SHA-256 of the token", hash)
	}
	other, _, _ := NewToken()
	if other == token {
		t.Error("two tokens are equal")
	}
}

func TestInvitationRoundTrip(t *testing.T) {
	secret := &corev1.Secret{}
	if got := ReadInvitation(secret); !reflect.DeepEqual(got, Invitation{}) {
		t.Fatalf("empty secret reads as %+v", got)
	}
	want := Invitation{
		Number: 3, Attempt: 2, TokenHash: HashToken("t"), EarlierTokenHashes: []string{HashToken("t0"), HashToken("t1")},
		Expiry: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), AcceptedTime: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
	}
	WriteInvitation(secret, want)
	if got := ReadInvitation(secret); !reflect.DeepEqual(got, want) {
		t.Errorf("read %+v, wrote %+v", got, want)
	}
	if got, wantHashes := ReadInvitation(secret).TokenHashes(), []string{HashToken("t"), HashToken("t0"), HashToken("t1")}; !reflect.DeepEqual(got, wantHashes) {
		t.Errorf("TokenHashes() = %q, want %q", got, wantHashes)
	}
	want.AcceptedTime = time.Time{}
	want.EarlierTokenHashes = nil
	WriteInvitation(secret, want)
	if _, ok := secret.Data[KeyInvitationAcceptedTime]; ok {
		t.Error("a cleared accepted time stays in the secret")
	}
	if _, ok := secret.Data[KeyInvitationEarlierTokenHashes]; ok {
		t.Error("cleared earlier token hashes stay in the secret")
	}
	if HasPassword(secret) {
		t.Error("a secret without a password hash has a password")
	}
}

func TestScopedToken(t *testing.T) {
	token, hash, err := NewScopedToken("account-1", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if hash != HashToken(token) {
		t.Error("the hash is not the token's")
	}
	ns, user, ok := ParseScopedToken(token)
	if !ok || ns != "account-1" || user != "alice" {
		t.Errorf("ParseScopedToken(%q) = %q, %q, %v", token, ns, user, ok)
	}
	random, _, _ := NewToken()
	for _, bad := range []string{"", random, "a_b_short", "_alice_" + random, "a__" + random, "a_b_c_" + random} {
		if _, _, ok := ParseScopedToken(bad); ok {
			t.Errorf("ParseScopedToken(%q) accepted it", bad)
		}
	}
}
