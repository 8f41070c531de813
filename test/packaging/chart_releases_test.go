package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestChartWithTheLongestReleaseNamePassesServerDryRun installs under the
// longest name Helm allows (53 characters): every name the chart derives
// from it must still be valid, the Services' within the 63 characters of a
// DNS label. Two such names that start alike must not give the same
// cluster-wide names.
func TestChartWithTheLongestReleaseNamePassesServerDryRun(t *testing.T) {
	const (
		release   = "tenantry-for-the-accounts-of-the-eu-west-region-first"
		namespace = "tenantry-eu-west"
	)
	if len(release) != 53 {
		t.Fatalf("the release name has %d characters, want Helm's maximum 53", len(release))
	}
	docs := renderRelease(t, release, namespace, "--values", haValues)
	for _, d := range docs {
		if d.Kind == "Service" && len(d.Metadata.Name) > 63 {
			t.Errorf("Service %s has %d characters, more than a DNS label's 63", d.Metadata.Name, len(d.Metadata.Name))
		}
	}

	other := renderRelease(t, strings.TrimSuffix(release, "first")+"other", namespace, "--values", haValues)
	names := map[string]bool{}
	for _, d := range docs {
		names[d.Kind+" "+d.Metadata.Name] = true
	}
	for _, d := range other {
		if d.Kind != "CustomResourceDefinition" && names[d.Kind+" "+d.Metadata.Name] {
			t.Errorf("releases whose names differ only at the end both render %s %s", d.Kind, d.Metadata.Name)
		}
	}

	kubectl(t, nil, "apply", "-f", foreignCRDs)
	createNamespace(t, namespace)
	createNamespace(t, leaderElectionNamespace)
	applyServerDryRun(t, docs)
}

// builtinRoles are the chart's cluster-scoped objects whose names do not
// follow the release: users name them in spec.role, the manager in
// --first-user-role and --default-role.
var builtinRoles = []string{"iam.tenantry.io/v1alpha1 Role manager", "iam.tenantry.io/v1alpha1 Role owner"}

// clusterScoped returns the "apiVersion kind" of every cluster-scoped type
// the test API server serves, once the chart's CRDs and the foreign ones
// are established.
func clusterScoped(t *testing.T) map[string]bool {
	t.Helper()
	kubectl(t, nil, "apply", "-f", filepath.Join(chartDir, "crds"), "-f", foreignCRDs)
	kubectl(t, nil, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
	// NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
	out := kubectl(t, nil, "api-resources", "--namespaced=false", "--no-headers")
	kinds := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 4 {
			t.Fatalf("kubectl api-resources printed %q", line)
		}
		kinds[fields[len(fields)-3]+" "+fields[len(fields)-1]] = true
	}
	return kinds
}

// clusterScopedNames returns the "apiVersion kind name" of the rendering's
// cluster-scoped objects, but for the CRDs: Helm creates those of crds/ only
// when they are missing and never owns them, so releases share them.
func clusterScopedNames(t *testing.T, scoped map[string]bool, docs []document) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, d := range docs {
		var typ struct {
			APIVersion string `json:"apiVersion"`
		}
		if err := yaml.Unmarshal(d.raw, &typ); err != nil {
			t.Fatal(err)
		}
		key := typ.APIVersion + " " + d.Kind
		if scoped[key] && d.Kind != "CustomResourceDefinition" {
			names[key+" "+d.Metadata.Name] = true
		}
	}
	return names
}

// TestTwoReleasesShareOnlyTheBuiltinRoles renders a second release beside
// the first, everything on: of their cluster-scoped objects only the
// built-in roles have the same names, and the second release's others are
// named after it. With builtinRoles.enabled=false, as docs/operations/
// install.md asks of a second release, nothing is the same.
func TestTwoReleasesShareOnlyTheBuiltinRoles(t *testing.T) {
	scoped := clusterScoped(t)
	everything := []string{"--values", haValues, "--set", "builtinRoles.enabled=true"}
	first := clusterScopedNames(t, scoped, renderRelease(t, "tenantry", chartNamespace, everything...))
	second := clusterScopedNames(t, scoped, renderRelease(t, "acme", "acme-system", everything...))
	for _, name := range []string{
		"rbac.authorization.k8s.io/v1 ClusterRole acme-tenantry-grant-ceiling",
		"rbac.authorization.k8s.io/v1 ClusterRoleBinding acme-tenantry-manager-rolebinding",
		"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration acme-tenantry-validating-webhook-configuration",
	} {
		if !second[name] {
			t.Fatalf("%s is not among the cluster-scoped objects found: %v", name, second)
		}
	}

	var same []string
	for name := range second {
		if first[name] {
			same = append(same, name)
		} else if !strings.Contains(name, " acme-tenantry-") {
			t.Errorf("%s is not named after the release acme", name)
		}
	}
	slices.Sort(same)
	if !slices.Equal(same, builtinRoles) {
		t.Errorf("two releases both render %v, want only the built-in roles %v", same, builtinRoles)
	}

	sharing := renderRelease(t, "acme", "acme-system", "--values", haValues, "--set", "builtinRoles.enabled=false")
	for name := range clusterScopedNames(t, scoped, sharing) {
		if first[name] {
			t.Errorf("with builtinRoles.enabled=false a second release still renders %s", name)
		}
	}
}

// helmAgainstServer runs helm against the test API server, with a home of
// its own, and returns what it printed and how it ended.
func helmAgainstServer(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(helmPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSecondReleaseMustLeaveTheBuiltinRolesToTheFirst installs two releases
// for real, as docs/operations/install.md tells: Helm refuses the second
// with the defaults, before it creates anything, since the first owns the
// built-in roles; with builtinRoles.enabled=false it installs and the roles
// stay the first's. Both are uninstalled again, so that no webhook
// configuration outlives the test.
func TestSecondReleaseMustLeaveTheBuiltinRolesToTheFirst(t *testing.T) {
	home := t.TempDir()
	install := func(release string, args ...string) (string, error) {
		args = append([]string{"install", release, chartDir, "--namespace", release, "--create-namespace"}, args...)
		out, err := helmAgainstServer(t, home, args...)
		if err == nil {
			t.Cleanup(func() {
				if out, err := helmAgainstServer(t, home, "uninstall", release, "--namespace", release); err != nil {
					t.Errorf("helm uninstall %s: %v\n%s", release, err, out)
				}
			})
		}
		return out, err
	}

	out, err := install("tenantry-one")
	if err != nil {
		t.Fatalf("helm install tenantry-one: %v\n%s", err, out)
	}
	if !strings.Contains(out, "A second release of Tenantry in\nthis cluster must set builtinRoles.enabled=false") {
		t.Errorf("the release notes do not tell how to install a second release:\n%s", out)
	}

	out, err = install("tenantry-two")
	if err == nil {
		t.Fatalf("helm installed a second release with the built-in roles:\n%s", out)
	}
	for _, want := range []string{"in namespace \"\" exists and cannot be imported into the current release: invalid ownership metadata",
		`key "meta.helm.sh/release-name" must equal "tenantry-two": current value is "tenantry-one"`} {
		if !strings.Contains(out, want) {
			t.Errorf("helm does not say %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `Role "owner"`) && !strings.Contains(out, `Role "manager"`) {
		t.Errorf("helm does not name a built-in role:\n%s", out)
	}
	if left := kubectl(t, nil, "get", "clusterroles,clusterrolebindings", "-l", "app.kubernetes.io/instance=tenantry-two", "-o", "name"); len(left) > 0 {
		t.Errorf("the refused release left:\n%s", left)
	}

	out, err = install("tenantry-two", "--set", "builtinRoles.enabled=false")
	if err != nil {
		t.Fatalf("helm install tenantry-two --set builtinRoles.enabled=false: %v\n%s", err, out)
	}
	if !strings.Contains(out, "The built-in roles owner and manager are not part of this release") {
		t.Errorf("the release notes do not say where the built-in roles come from:\n%s", out)
	}
	for _, role := range []string{"owner", "manager"} {
		owner := kubectl(t, nil, "get", "roles.iam.tenantry.io", role, "-o", `jsonpath={.metadata.annotations.meta\.helm\.sh/release-name}`)
		if string(owner) != "tenantry-one" {
			t.Errorf("the built-in role %s belongs to %q, want tenantry-one", role, owner)
		}
	}
}
