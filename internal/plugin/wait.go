package plugin

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// pollInterval is how often --wait reads the object again. A get every
// quarter second for a minute at most is cheaper to reason about than a
// watch that may need re-establishing, and needs only the "get" right the
// command already used.
const pollInterval = 250 * time.Millisecond

// waitForUser reads the user until done says the operator has acted, and
// returns it as it was then.
func (o *options) waitForUser(ctx context.Context, c *kubeClient, key types.NamespacedName, what string, done func(*iamv1alpha1.User) bool) (*iamv1alpha1.User, error) {
	user := &iamv1alpha1.User{}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.get(ctx, key, user); err != nil {
			return false, explain(err, access{verbGet, usersResource, key.Namespace})
		}
		return done(user), nil
	})
	if wait.Interrupted(err) {
		return user, fmt.Errorf("the operator did not %s user %s within %s (phase %s)", what, key.Name, o.timeout, orDash(string(user.Status.Phase)))
	}
	return user, err
}

// waitForGone reads obj until it is deleted.
func (o *options) waitForGone(ctx context.Context, c *kubeClient, obj object, a access) error {
	key := keyOf(obj)
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.timeout, true, func(ctx context.Context) (bool, error) {
		err := c.get(ctx, key, obj)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, explain(err, a)
	})
	if wait.Interrupted(err) {
		return fmt.Errorf("%s was still there after %s (finalizers: %v)", key.Name, o.timeout, obj.GetFinalizers())
	}
	return err
}

// waitForTransaction reads tx until the ledger has applied or rejected it.
func (o *options) waitForTransaction(ctx context.Context, c *kubeClient, tx *iamv1alpha1.BalanceTransaction) error {
	key := keyOf(tx)
	err := wait.PollUntilContextTimeout(ctx, pollInterval, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := c.get(ctx, key, tx); err != nil {
			return false, explain(err, access{verbGet, transactionsResource, key.Namespace})
		}
		return tx.Status.Phase == iamv1alpha1.TransactionApplied || tx.Status.Phase == iamv1alpha1.TransactionRejected, nil
	})
	if wait.Interrupted(err) {
		return fmt.Errorf("the ledger did not apply balancetransaction/%s within %s (phase %s)", key.Name, o.timeout, orDash(string(tx.Status.Phase)))
	}
	return err
}
