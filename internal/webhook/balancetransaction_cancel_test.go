package webhook

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// cancelTarget only reads, so a fake client serves this table test; the
// record it leads to is written and tested against a real API server in
// controllers/ledger_race_test.go.
func TestCancelTargetIsTheUserOnlyForTheLatest(t *testing.T) {
	now := metav1.Now()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = iamv1alpha1.AddToScheme(scheme)
	alice := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice"},
		Status: iamv1alpha1.UserStatus{Balance: &iamv1alpha1.BalanceStatus{
			Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "refill-2", LatestUID: "uid-2",
		}},
	}
	tx := func(uid string, phase iamv1alpha1.TransactionPhase) *iamv1alpha1.BalanceTransaction {
		return &iamv1alpha1.BalanceTransaction{
			ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "refill-" + uid, UID: types.UID("uid-" + uid)},
			Spec:       iamv1alpha1.BalanceTransactionSpec{User: "alice"},
			Status:     iamv1alpha1.BalanceTransactionStatus{Phase: phase},
		}
	}
	deleting := func(t *iamv1alpha1.BalanceTransaction) *iamv1alpha1.BalanceTransaction {
		t.DeletionTimestamp = &now
		return t
	}
	tests := []struct {
		name       string
		tx         *iamv1alpha1.BalanceTransaction
		wantRecord bool
	}{
		{"the latest applied: recorded", tx("2", iamv1alpha1.TransactionApplied), true},
		{"the latest, committed but not marked applied yet: recorded", tx("2", iamv1alpha1.TransactionPending), true},
		{"a pending one not committed: goes unrecorded", tx("3", iamv1alpha1.TransactionPending), false},
		{"a rejected one: goes unrecorded", tx("4", iamv1alpha1.TransactionRejected), false},
		{"the latest again, already being deleted: recorded the first time", deleting(tx("2", iamv1alpha1.TransactionApplied)), false},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, alice).Build()
	v := &BalanceTransactionValidator{Reader: c, Clock: clock.RealClock{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := v.cancelTarget(context.Background(), tt.tx)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if (user != nil) != tt.wantRecord {
				t.Fatalf("record on user = %v, want %v", user != nil, tt.wantRecord)
			}
			if user != nil && user.ResourceVersion == "" {
				t.Errorf("the user to record on has no resourceVersion to guard the write with")
			}
		})
	}
}
