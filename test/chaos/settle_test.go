//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// state is everything the workload's accounts hold, read from the API
// server.
type state struct {
	users []iamv1alpha1.User
	txs   []iamv1alpha1.BalanceTransaction
}

func readState(ctx context.Context, accounts []string) (state, error) {
	var st state
	for _, ns := range accounts {
		users := &iamv1alpha1.UserList{}
		if err := admin.List(ctx, users, client.InNamespace(ns)); err != nil {
			return st, fmt.Errorf("list users of %s: %w", ns, err)
		}
		txs := &iamv1alpha1.BalanceTransactionList{}
		if err := admin.List(ctx, txs, client.InNamespace(ns)); err != nil {
			return st, fmt.Errorf("list transactions of %s: %w", ns, err)
		}
		st.users = append(st.users, users.Items...)
		st.txs = append(st.txs, txs.Items...)
	}
	return st, nil
}

// unsettled lists what is still moving: transactions pending or being
// deleted, users whose invitation is not delivered or whose status lags
// behind their spec or who are still reconciling.
func unsettled(st state, wantUsers int) []string {
	var out []string
	if len(st.users) != wantUsers {
		out = append(out, fmt.Sprintf("%d users exist, %d were created", len(st.users), wantUsers))
	}
	for _, tx := range st.txs {
		switch {
		case !tx.DeletionTimestamp.IsZero():
			out = append(out, fmt.Sprintf("transaction %s/%s is Terminating (finalizers %v)", tx.Namespace, tx.Name, tx.Finalizers))
		case tx.Status.Phase != iamv1alpha1.TransactionApplied && tx.Status.Phase != iamv1alpha1.TransactionRejected:
			out = append(out, fmt.Sprintf("transaction %s/%s is %q", tx.Namespace, tx.Name, tx.Status.Phase))
		}
	}
	for _, u := range st.users {
		name := u.Namespace + "/" + u.Name
		delivered := meta.FindStatusCondition(u.Status.Conditions, iamv1alpha1.InvitationDeliveredCondition)
		switch {
		case !u.DeletionTimestamp.IsZero():
			out = append(out, fmt.Sprintf("user %s is Terminating", name))
		case u.Status.ObservedGeneration != u.Generation:
			out = append(out, fmt.Sprintf("user %s: observedGeneration %d of %d", name, u.Status.ObservedGeneration, u.Generation))
		case !u.Status.EmailVerified && (delivered == nil || delivered.Status != metav1.ConditionTrue):
			out = append(out, fmt.Sprintf("user %s: invitation not delivered: %v", name, conditionText(delivered)))
		case meta.IsStatusConditionTrue(u.Status.Conditions, iamv1alpha1.ReconcilingCondition):
			out = append(out, fmt.Sprintf("user %s is still reconciling", name))
		}
	}
	sort.Strings(out)
	return out
}

// waitSettled polls until nothing moves, or reports what still does.
func waitSettled(ctx context.Context, accounts []string, wantUsers int, timeout time.Duration) (state, error) {
	var st state
	var left []string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if st, err = readState(ctx, accounts); err != nil {
			return false, err
		}
		left = unsettled(st, wantUsers)
		return len(left) == 0, nil
	})
	if err != nil {
		if len(left) > 20 {
			left = append(left[:20], fmt.Sprintf("… and %d more", len(left)-20))
		}
		return st, fmt.Errorf("not settled after %s: %w:\n  %s", timeout, err, strings.Join(left, "\n  "))
	}
	return st, nil
}

func conditionText(c *metav1.Condition) string {
	if c == nil {
		return "no condition"
	}
	return fmt.Sprintf("%s %s: %s", c.Status, c.Reason, c.Message)
}
