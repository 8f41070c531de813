package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// accountLeaving reports whether the account (namespace) is being deleted
// or already gone. Deleting an account deletes everything in it, so the
// rules that protect one object from a single deletion step aside.
func accountLeaving(ctx context.Context, reader client.Reader, name string) (bool, error) {
	ns := &corev1.Namespace{}
	if err := reader.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("read namespace %s: %w", name, err)
	}
	return !ns.DeletionTimestamp.IsZero(), nil
}
