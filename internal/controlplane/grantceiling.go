package controlplane

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// namePrefix is what config/default puts before the names of config/rbac.
const namePrefix = "tenantry-"

// InstallGrantCeiling creates the grant ceiling of config/rbac, with the
// rules of the built-in grantable ClusterRole already in it, as an
// installation of the operator has it once kube-controller-manager has
// aggregated them: the tests and `make dev` that run the manager with the
// administrator's credentials still have their Roles checked against the
// ceiling a cluster would have. Objects that exist are left alone. root is
// the repository's root.
func InstallGrantCeiling(ctx context.Context, c client.Client, root string) error {
	ceiling, err := readClusterRole(filepath.Join(root, "config", "rbac", "grant_ceiling.yaml"))
	if err != nil {
		return err
	}
	grantable, err := readClusterRole(filepath.Join(root, "config", "rbac", "grantable_builtin_roles.yaml"))
	if err != nil {
		return err
	}
	ceiling.Rules = append(ceiling.Rules, grantable.Rules...)
	for _, role := range []*rbacv1.ClusterRole{grantable, ceiling} {
		role.Name = namePrefix + role.Name
		if err := c.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create cluster role %s: %w", role.Name, err)
		}
	}
	return nil
}

// readClusterRole reads the first document of file, a ClusterRole.
func readClusterRole(file string) (*rbacv1.ClusterRole, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	// The ceiling's file goes on with its binding; only the role is read.
	first, _, _ := bytes.Cut(data, []byte("\n---\n"))
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(first, role); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if role.Kind != "ClusterRole" {
		return nil, fmt.Errorf("%s: the first document is a %s, not a ClusterRole", file, role.Kind)
	}
	return role, nil
}
