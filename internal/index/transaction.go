package index

import (
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func newTransaction() client.Object { return &iamv1alpha1.BalanceTransaction{} }

// TransactionUserField indexes balance transactions by the user they move,
// so the ledger lists one user's transactions, not the account's.
const TransactionUserField = "spec.user"

// TransactionUser is the index function of TransactionUserField.
func TransactionUser(obj client.Object) []string {
	tx, ok := obj.(*iamv1alpha1.BalanceTransaction)
	if !ok {
		return nil
	}
	return []string{tx.Spec.User}
}
