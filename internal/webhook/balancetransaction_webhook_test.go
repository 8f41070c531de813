package webhook

import (
	"context"
	"strings"
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

// The validator only reads, so a fake client serves these table tests; the
// webhook served for real is tested through the API server in the
// *_integration_test.go files beside this one and in controllers/.
func TestValidateDeleteOfTransactions(t *testing.T) {
	now := metav1.Now()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = iamv1alpha1.AddToScheme(scheme)
	account := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}
	leaving := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gone", DeletionTimestamp: &now, Finalizers: []string{"kubernetes"}}}
	alice := &iamv1alpha1.User{
		ObjectMeta: metav1.ObjectMeta{Namespace: "acme", Name: "alice"},
		Status: iamv1alpha1.UserStatus{Balance: &iamv1alpha1.BalanceStatus{
			Amount: "12.50", Currency: "USD", Count: 2, LatestSequence: 2, LatestTransaction: "refill-2", LatestUID: "uid-2",
		}},
	}
	tx := func(ns, name, uid, user string, phase iamv1alpha1.TransactionPhase) *iamv1alpha1.BalanceTransaction {
		return &iamv1alpha1.BalanceTransaction{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + uid)},
			Spec:       iamv1alpha1.BalanceTransactionSpec{User: user},
			Status:     iamv1alpha1.BalanceTransactionStatus{Phase: phase},
		}
	}
	tests := []struct {
		name    string
		tx      *iamv1alpha1.BalanceTransaction
		wantErr string
	}{
		{"the latest applied can be cancelled", tx("acme", "refill-2", "2", "alice", iamv1alpha1.TransactionApplied), ""},
		{"an older applied one is refused, naming the latest", tx("acme", "refill-1", "1", "alice", iamv1alpha1.TransactionApplied),
			"only the most recent applied transaction of user alice can be cancelled: that is refill-2 (sequence 2)"},
		{"pending always goes", tx("acme", "refill-3", "3", "alice", iamv1alpha1.TransactionPending), ""},
		{"rejected always goes", tx("acme", "charge", "4", "alice", iamv1alpha1.TransactionRejected), ""},
		{"a missing user's transactions go", tx("acme", "old", "5", "bob", iamv1alpha1.TransactionApplied), ""},
		{"an account being deleted takes everything", tx("gone", "x", "6", "alice", iamv1alpha1.TransactionApplied), ""},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(account, leaving, alice).Build()
	v := &BalanceTransactionValidator{Reader: c, Clock: clock.RealClock{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.cancelTarget(context.Background(), tt.tx)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
