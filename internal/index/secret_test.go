package index

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
)

func TestSecretTokenHashes(t *testing.T) {
	labelled := credentials.SecretLabels("acme", "alice")
	withHash := map[string][]byte{credentials.KeyInvitationTokenHash: []byte("4f1c")}
	tests := []struct {
		name string
		obj  client.Object
		want []string
	}{
		{"credential Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: labelled}, Data: withHash}, []string{"4f1c"}},
		{"earlier attempts' hashes too", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: labelled}, Data: map[string][]byte{
			credentials.KeyInvitationTokenHash:          []byte("4f1c"),
			credentials.KeyInvitationEarlierTokenHashes: []byte("9a2b,77e0"),
		}}, []string{"4f1c", "9a2b", "77e0"}},
		{"no label", &corev1.Secret{Data: withHash}, nil},
		{"no account label", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{iamv1alpha1.UserLabel: "alice"}}, Data: withHash}, nil},
		{"empty label", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{iamv1alpha1.UserLabel: ""}}, Data: withHash}, nil},
		{"no token hash", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: labelled}}, nil},
		{"not a Secret", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Labels: labelled}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SecretTokenHashes(tt.obj); !slices.Equal(got, tt.want) {
				t.Errorf("SecretTokenHashes() = %q, want %q", got, tt.want)
			}
		})
	}
}
