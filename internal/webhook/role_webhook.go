package webhook

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/rbac"
)

// The Role webhook only warns: whether a Role fits the grant ceiling can
// change when the cluster administrator changes the ceiling, so a Role
// beyond it is admitted, and reported by the Role controller until it fits.
// It fails open for the same reason: a warning is not a rule.
//
// +kubebuilder:webhook:path=/validate-iam-tenantry-io-v1alpha1-role,mutating=false,failurePolicy=ignore,sideEffects=None,groups=iam.tenantry.io,resources=roles,verbs=create;update,versions=v1alpha1,name=vrole.iam.tenantry.io,admissionReviewVersions=v1

// RoleWarner warns, when a Role is applied, about the rules it grants
// beyond the grant ceiling.
type RoleWarner struct {
	// Reader reads the ceiling ClusterRole; the manager's cache holds it.
	Reader client.Reader
	// GrantCeiling names the ceiling ClusterRole (--grant-ceiling).
	GrantCeiling string
}

var _ admission.Validator[*iamv1alpha1.Role] = &RoleWarner{}

// ValidateCreate warns about the rules beyond the ceiling.
func (w *RoleWarner) ValidateCreate(ctx context.Context, role *iamv1alpha1.Role) (admission.Warnings, error) {
	return w.warn(ctx, role), nil
}

// ValidateUpdate warns about the rules beyond the ceiling.
func (w *RoleWarner) ValidateUpdate(ctx context.Context, _, role *iamv1alpha1.Role) (admission.Warnings, error) {
	return w.warn(ctx, role), nil
}

// ValidateDelete has nothing to say.
func (w *RoleWarner) ValidateDelete(context.Context, *iamv1alpha1.Role) (admission.Warnings, error) {
	return nil, nil
}

func (w *RoleWarner) warn(ctx context.Context, role *iamv1alpha1.Role) admission.Warnings {
	ceiling := &rbacv1.ClusterRole{}
	err := w.Reader.Get(ctx, client.ObjectKey{Name: w.GrantCeiling}, ceiling)
	switch {
	case apierrors.IsNotFound(err):
		return admission.Warnings{fmt.Sprintf(
			"the grant ceiling %s does not exist: the operator grants no Role until it does", w.GrantCeiling)}
	case err != nil:
		// Only a warning is at stake; the Role controller will say.
		return nil
	}
	missing := rbac.BeyondCeiling(ceiling.Rules, rbac.ClusterRole(role).Rules)
	if len(missing) == 0 {
		return nil
	}
	return admission.Warnings{rbac.BeyondCeilingMessage(w.GrantCeiling, missing)}
}
