package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
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
	// What config/rbac/grant_ceiling.yaml ships as grantable must cover the
	// built-in roles, manageUsers included, or a new installation would
	// start with both roles stalled.
	ceiling := []rbacv1.PolicyRule{
		rule([]string{"iam.tenantry.io"}, []string{"users", "balancetransactions", "teams"}, []string{"get", "list", "watch", "create", "update", "patch", "delete"}),
		rule([]string{"iam.tenantry.io"}, []string{"userchanges"}, []string{"get", "list", "watch"}),
		rule([]string{""}, []string{"configmaps", "services", "pods", "pods/log", "persistentvolumeclaims", "events"}, []string{"*"}),
		rule([]string{"apps", "batch"}, []string{"*"}, []string{"*"}),
	}
	owner := []rbacv1.PolicyRule{
		rule([]string{"iam.tenantry.io"}, []string{"users", "balancetransactions", "userchanges", "teams"}, []string{"get", "list", "watch"}),
		rule([]string{""}, []string{"configmaps", "services", "pods", "pods/log", "persistentvolumeclaims", "events"}, []string{"*"}),
		rule([]string{"apps", "batch"}, []string{"*"}, []string{"*"}),
		manageUsersRule,
	}
	if missing := BeyondCeiling(ceiling, owner); len(missing) > 0 {
		t.Errorf("the owner role goes beyond the shipped ceiling: %s", DescribeRules(missing))
	}
}

func TestDescribeRulesIsBounded(t *testing.T) {
	var rules []rbacv1.PolicyRule
	for _, r := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		rules = append(rules, rule([]string{""}, []string{r}, []string{"get"}))
	}
	want := "get a, get b, get c, get d, get e, get f, get g, get h, and 2 more"
	if got := DescribeRules(rules); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
