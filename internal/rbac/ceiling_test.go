package rbac

import (
	"os"
	"path/filepath"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func TestBeyondCeiling(t *testing.T) {
	core := []string{""}
	ceiling := []rbacv1.PolicyRule{
		rule(core, []string{"pods", "configmaps"}, []string{"*"}),
		rule([]string{"apps"}, []string{"*"}, []string{"get", "list"}),
	}
	tests := []struct {
		name  string
		rules []rbacv1.PolicyRule
		want  string
	}{
		{"nothing asked", nil, ""},
		{"within", []rbacv1.PolicyRule{rule(core, []string{"pods"}, []string{"get", "delete"})}, ""},
		{"a wildcard verb is covered by a wildcard", []rbacv1.PolicyRule{rule(core, []string{"configmaps"}, []string{"*"})}, ""},
		{"a verb beyond", []rbacv1.PolicyRule{rule([]string{"apps"}, []string{"deployments"}, []string{"get", "create"})},
			"create deployments in apps"},
		{"the verbs of one resource together", []rbacv1.PolicyRule{rule(core, []string{"secrets"}, []string{"list", "get", "watch"})},
			"get,list,watch secrets"},
		{"a resource beyond", []rbacv1.PolicyRule{rule(core, []string{"secrets", "pods"}, []string{"get"})},
			"get secrets"},
		{"a wildcard resource is more than named ones", []rbacv1.PolicyRule{rule(core, []string{"*"}, []string{"get"})},
			"get *"},
		{"a non-resource URL", []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}},
			"get /metrics"},
		{"bind on cluster roles", []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"clusterroles"}, []string{"bind"})},
			"bind clusterroles in rbac.authorization.k8s.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DescribeRules(BeyondCeiling(ceiling, tt.rules))
			if got != tt.want {
				t.Errorf("beyond the ceiling: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuiltInRolesFitTheShippedCeiling(t *testing.T) {
	// What config/rbac ships as grantable must cover the built-in roles of
	// config/roles, manageUsers included, or a new installation would start
	// with both roles held back.
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "rbac", "grantable_builtin_roles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	grantable := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(data, grantable); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "roles", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	roles := 0
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		role := &iamv1alpha1.Role{}
		if err := yaml.UnmarshalStrict(data, role); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		roles++
		if missing := BeyondCeiling(grantable.Rules, ClusterRole(role).Rules); len(missing) > 0 {
			t.Errorf("the built-in role %s goes beyond the shipped ceiling: %s", role.Name, DescribeRules(missing))
		}
	}
	if roles < 2 {
		t.Fatalf("found %d built-in roles in config/roles, want owner and manager", roles)
	}
}

func TestDescribeRulesIsBounded(t *testing.T) {
	rules := make([]rbacv1.PolicyRule, 0, 10)
	for _, r := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		rules = append(rules, rule([]string{""}, []string{r}, []string{"get"}))
	}
	want := "get a, get b, get c, get d, get e, get f, get g, get h, and 2 more"
	if got := DescribeRules(rules); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
