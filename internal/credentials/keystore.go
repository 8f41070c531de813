package credentials

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// KeySecretName is the Secret, in the credentials namespace, that holds the
// keys TOTP secrets are sealed with.
const KeySecretName = "tenantry-credentials-key"

// Data of the key Secret: keyActive names the key that seals, and each key
// is kept under keyPrefix plus its id. Keys stay after a rotation for as
// long as values they sealed may remain.
const (
	keyActive = "active"
	keyPrefix = "key."
)

// maxLoadAttempts bounds "create, find it created by another replica, read".
const maxLoadAttempts = 3

// LoadKeys reads the key Secret at key into c, creating it with a new
// random key when it does not exist yet (the first start of the operator).
// Replicas starting together race to create it; the losers read the
// winner's. A Secret that does not decode is never overwritten: values
// sealed with its keys would no longer open.
func LoadKeys(ctx context.Context, reader client.Reader, writer client.Writer, key client.ObjectKey, c *Cipher) error {
	for attempt := 1; ; attempt++ {
		secret := &corev1.Secret{}
		err := reader.Get(ctx, key, secret)
		if apierrors.IsNotFound(err) {
			secret, err = newKeySecret(key)
			if err == nil {
				err = writer.Create(ctx, secret)
			}
			if apierrors.IsAlreadyExists(err) && attempt < maxLoadAttempts {
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("credentials key Secret %s: %w", key, err)
		}
		keys, active := decodeKeys(secret.Data)
		if err := c.SetKeys(keys, active); err != nil {
			return fmt.Errorf("credentials key Secret %s: %w", key, err)
		}
		return nil
	}
}

func newKeySecret(key client.ObjectKey) (*corev1.Secret, error) {
	material := make([]byte, KeySize)
	idBytes := make([]byte, 4)
	if _, err := rand.Read(material); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if _, err := rand.Read(idBytes); err != nil {
		return nil, fmt.Errorf("generate key id: %w", err)
	}
	id := hex.EncodeToString(idBytes)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: key.Namespace, Name: key.Name,
			Labels: map[string]string{iamv1alpha1.ManagedByLabel: iamv1alpha1.ManagedBy},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{keyActive: []byte(id), keyPrefix + id: material},
	}, nil
}

func decodeKeys(data map[string][]byte) (keys map[string][]byte, active string) {
	keys = map[string][]byte{}
	for name, value := range data {
		if id, ok := strings.CutPrefix(name, keyPrefix); ok {
			keys[id] = value
		}
	}
	return keys, string(data[keyActive])
}
