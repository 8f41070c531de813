package testsupport

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CredentialsNamespace is the operator's namespace in tests, where the
// manager keeps the credential Secrets, as config/default names it.
const CredentialsNamespace = "tenantry-system"

// EnsureNamespace creates a namespace unless it exists: the operator's
// namespace exists before the operator starts, as installing it does.
func EnsureNamespace(ctx context.Context, cfg *rest.Config, name string) error {
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	// A read first: the benchmarks count every write the process sends,
	// and a manager started again must not be charged a create that the
	// API server refuses as already done.
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, ns); err == nil {
		return nil
	}
	err = c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
