package credentials

import (
	"bytes"
	"encoding/base32"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func testCipher(t *testing.T, active string, ids ...string) *Cipher {
	t.Helper()
	keys := map[string][]byte{}
	for i, id := range ids {
		keys[id] = bytes.Repeat([]byte{byte(i + 1)}, KeySize)
	}
	c, err := NewCipher(keys, active)
	if err != nil {
		t.Fatalf("NewCipher: %v", err)
	}
	return c
}

const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func TestCipherOpen(t *testing.T) {
	old := testCipher(t, "k1", "k1")
	sealedByOld, err := old.Seal(totpSecret, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(sealedByOld)
	tampered[len(tampered)-2] ^= 1

	rotated := testCipher(t, "k2", "k1", "k2")
	otherKey := testCipher(t, "k1", "k0", "k1") // another key under the same id

	tests := []struct {
		name    string
		cipher  *Cipher
		value   string
		context string
		want    string
		wantErr bool
	}{
		{"legacy plain text reads as it is", old, totpSecret, "ctx", totpSecret, false},
		{"legacy plain text reads without a key", nil, totpSecret, "ctx", totpSecret, false},
		{"sealed value opens", old, sealedByOld, "ctx", totpSecret, false},
		{"an older key still opens after a rotation", rotated, sealedByOld, "ctx", totpSecret, false},
		{"another context does not open", old, sealedByOld, "elsewhere", "", true},
		{"a tampered value does not open", old, string(tampered), "ctx", "", true},
		{"another key of the same id does not open", otherKey, sealedByOld, "ctx", "", true},
		{"without a key nothing opens", nil, sealedByOld, "ctx", "", true},
		{"an unknown key id does not open", testCipher(t, "k9", "k9"), sealedByOld, "ctx", "", true},
		{"malformed", old, "sealed:k1", "ctx", "", true},
		{"malformed encoding", old, "sealed:k1:***", "ctx", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cipher.Open(tt.value, tt.context)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Open() = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCipherSealNamesTheActiveKeyAndHidesTheSecret(t *testing.T) {
	c := testCipher(t, "k2", "k1", "k2")
	sealed, err := c.Seal(totpSecret, "ctx")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "sealed:k2:") {
		t.Errorf("sealed value %q does not name the active key k2", sealed)
	}
	if strings.Contains(sealed, totpSecret) {
		t.Error("the sealed value contains the secret")
	}
	again, _ := c.Seal(totpSecret, "ctx")
	if again == sealed {
		t.Error("two seals of one secret are equal: the nonce is not fresh")
	}
	if _, err := (&Cipher{}).Seal(totpSecret, "ctx"); !errors.Is(err, ErrNoKey) {
		t.Errorf("Seal without keys = %v, want ErrNoKey", err)
	}
}

func TestNewCipherRefusesBadKeys(t *testing.T) {
	tests := map[string]struct {
		keys   map[string][]byte
		active string
	}{
		"short key":         {map[string][]byte{"k1": make([]byte, 16)}, "k1"},
		"active is missing": {map[string][]byte{"k1": make([]byte, KeySize)}, "k2"},
		"id with a colon":   {map[string][]byte{"k:1": make([]byte, KeySize)}, "k:1"},
		"no keys":           {nil, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewCipher(tt.keys, tt.active); err == nil {
				t.Fatal("NewCipher accepted it")
			}
		})
	}
}

func TestTwoFactorIsSealedAtRest(t *testing.T) {
	c := testCipher(t, "k1", "k1")
	secret := NewSecret("tenantry-system", "acme", "alice", "")
	tf := TwoFactor{Secret: totpSecret, PendingSecret: "KRSXG5CTMVRXEZLU", LastStep: 7, RecoveryCodes: []string{"h1", "h2"}}
	if err := WriteTwoFactor(secret, tf, c); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{KeyTOTPSecret, KeyTOTPPendingSecret} {
		stored := string(secret.Data[key])
		if !IsSealed(stored) || strings.Contains(stored, tf.Secret) || strings.Contains(stored, tf.PendingSecret) {
			t.Errorf("%s is kept as %q, not sealed", key, stored)
		}
		if _, err := base32.StdEncoding.DecodeString(stored); err == nil {
			t.Errorf("%s is valid base32: an authenticator could use it", key)
		}
	}
	got, err := ReadTwoFactor(secret, c)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != tf.Secret || got.PendingSecret != tf.PendingSecret || got.LastStep != 7 || len(got.RecoveryCodes) != 2 {
		t.Errorf("ReadTwoFactor() = %+v, want %+v", got, tf)
	}
	if !TwoFactorEnabled(secret) || !HasTwoFactor(secret) {
		t.Error("an enrolled secret does not read as enabled")
	}

	// Writing the same state again changes nothing: no write for nothing.
	before := secret.DeepCopy()
	if err := WriteTwoFactor(secret, got, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Data[KeyTOTPSecret], secret.Data[KeyTOTPSecret]) {
		t.Error("writing the same secret sealed it again")
	}

	// Copied to another user, it does not open.
	other := NewSecret("tenantry-system", "acme", "bob", "")
	other.Data = secret.Data
	if _, err := ReadTwoFactor(other, c); err == nil {
		t.Error("a sealed secret copied to another user opened")
	}
	// Without the key, reading fails rather than reading as "no two-factor".
	if _, err := ReadTwoFactor(secret, nil); err == nil {
		t.Error("ReadTwoFactor without the key succeeded")
	}

	if err := WriteTwoFactor(secret, TwoFactor{}, nil); err != nil {
		t.Fatalf("clearing two-factor needs no key: %v", err)
	}
	if HasTwoFactor(secret) {
		t.Errorf("cleared two-factor left data: %v", secret.Data)
	}
}

func TestLegacyPlainTwoFactorIsSealedAtTheNextWrite(t *testing.T) {
	c := testCipher(t, "k1", "k1")
	secret := NewSecret("tenantry-system", "acme", "alice", "")
	secret.Data = map[string][]byte{KeyTOTPSecret: []byte(totpSecret), KeyTOTPLastStep: []byte("3")}

	tf, err := ReadTwoFactor(secret, c)
	if err != nil || tf.Secret != totpSecret {
		t.Fatalf("legacy secret reads as %q, %v; want %q", tf.Secret, err, totpSecret)
	}
	tf.LastStep = 4
	if err := WriteTwoFactor(secret, tf, c); err != nil {
		t.Fatal(err)
	}
	if stored := string(secret.Data[KeyTOTPSecret]); !IsSealed(stored) {
		t.Fatalf("after a write the legacy secret is still kept as %q", stored)
	}
	if again, err := ReadTwoFactor(secret, c); err != nil || again.Secret != totpSecret {
		t.Errorf("after sealing it reads as %q, %v", again.Secret, err)
	}
}

func TestSecretLocation(t *testing.T) {
	key := SecretKey("tenantry-system", "acme", "alice")
	if key.Namespace != "tenantry-system" || key.Name != "acme.alice" {
		t.Errorf("SecretKey() = %v", key)
	}
	// Accounts cannot collide: "a.b" + "c" would need a dot in a namespace.
	if SecretKey("ns", "acme", "alice") == SecretKey("ns", "globex", "alice") {
		t.Error("users of two accounts share a Secret")
	}
	secret := NewSecret("tenantry-system", "acme", "alice", "")
	if owner, ok := SecretOwner(secret); !ok || owner.Namespace != "acme" || owner.Name != "alice" {
		t.Errorf("SecretOwner() = %v, %v", owner, ok)
	}
	user := func(account, name string, uid types.UID) *metav1.PartialObjectMetadata {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: account, Name: name, UID: uid}}
	}
	if !IsSecretOf(secret, user("acme", "alice", "u1")) || IsSecretOf(secret, user("globex", "alice", "u1")) {
		t.Error("IsSecretOf does not tell the owner")
	}
	// Made for one User, the Secret is not the next one's of the same name.
	made := NewSecret("tenantry-system", "acme", "alice", "u1")
	if !IsSecretOf(made, user("acme", "alice", "u1")) || IsSecretOf(made, user("acme", "alice", "u2")) {
		t.Error("IsSecretOf does not tell a User from a former one of the same name")
	}
	if _, ok := SecretOwner(&corev1.Secret{}); ok {
		t.Error("an unlabelled Secret has an owner")
	}
}
