package webhook

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func TestTransactionWarnings(t *testing.T) {
	now := metav1.Now()
	tx := &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "refill"},
		Spec:       iamv1alpha1.BalanceTransactionSpec{User: "bob", Type: iamv1alpha1.TransactionRefill, Amount: "1.00", Currency: "USD"},
	}
	bob := &iamv1alpha1.User{ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "bob"}}
	leaving := bob.DeepCopy()
	leaving.DeletionTimestamp = &now
	tests := []struct {
		name  string
		user  *iamv1alpha1.User
		grace time.Duration
		want  []string
	}{
		{"a missing user is warned about, with the wait", nil, time.Minute,
			[]string{"user bob does not exist in account acme (yet); the transaction waits 1m0s for it and is then rejected"}},
		{"the wait is the manager's", nil, 5 * time.Minute,
			[]string{"user bob does not exist in account acme (yet); the transaction waits 5m0s for it and is then rejected"}},
		{"a user being deleted takes the transaction along", leaving, time.Minute,
			[]string{"user bob of account acme is being deleted; the transaction is deleted with it"}},
		{"an existing user: no warning", bob, time.Minute, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := transactionWarnings(tx, tt.user, tt.grace)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("warning %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
