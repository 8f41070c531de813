package packaging

import (
	"strings"
	"testing"
)

// renderInstaller renders what `make build-installer` writes into
// dist/install.yaml (hack/build-installer.sh): config/default, then the
// built-in roles of config/roles. kubectl's built-in kustomize renders it
// here, so the test needs no kustomize binary.
func renderInstaller(t *testing.T) []document {
	t.Helper()
	manager := kubectl(t, nil, "kustomize", "config/default")
	roles := kubectl(t, nil, "kustomize", "config/roles")
	return split(t, append(append(manager, []byte("\n---\n")...), roles...))
}

func TestInstallerPassesServerDryRun(t *testing.T) {
	docs := renderInstaller(t)

	// What the installer must hold, by kind.
	for _, kind := range []string{
		"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Deployment", "Service", "Secret",
		"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
	} {
		if !has(docs, kind) {
			t.Errorf("the installer has no %s", kind)
		}
	}
	// The built-in roles are Tenantry Roles, not RBAC ones.
	for _, name := range []string{"owner", "manager"} {
		role := find(t, docs, "Role", name)
		if !strings.Contains(string(role.raw), "apiVersion: iam.tenantry.io/v1alpha1") {
			t.Errorf("the built-in role %s is not an iam.tenantry.io Role:\n%s", name, role.raw)
		}
	}

	applyServerDryRun(t, docs)
}
