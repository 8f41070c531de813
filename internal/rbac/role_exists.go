package rbac

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// RoleExists reads the Role from the cache, for a user's own binding and a
// team's alike. A Role being deleted counts as gone: its holders lose access
// as soon as the deletion is asked for. No name is no role.
func RoleExists(ctx context.Context, c client.Reader, name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	role := &iamv1alpha1.Role{}
	err := c.Get(ctx, client.ObjectKey{Name: name}, role)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get role %s: %w", name, err)
	}
	return role.DeletionTimestamp.IsZero(), nil
}
