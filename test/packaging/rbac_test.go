package packaging

import (
	"encoding/json"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// grant is what an RBAC object of a rendering grants, to whom, by name:
// labels, annotations and comments are left out.
type grant struct {
	Kind        string                  `json:"kind"`
	Name        string                  `json:"name"`
	Namespace   string                  `json:"namespace,omitempty"`
	Rules       []rbacv1.PolicyRule     `json:"rules,omitempty"`
	Aggregation *rbacv1.AggregationRule `json:"aggregationRule,omitempty"`
	RoleRef     *rbacv1.RoleRef         `json:"roleRef,omitempty"`
	Subjects    []rbacv1.Subject        `json:"subjects,omitempty"`
	Labels      map[string]string       `json:"aggregationLabels,omitempty"`
}

// aggregationLabels are the labels that change what an RBAC object grants:
// those that aggregate it into another ClusterRole.
var aggregationLabels = []string{
	"iam.tenantry.io/aggregate-to-manager", "iam.tenantry.io/aggregate-to-grantable",
	"rbac.authorization.k8s.io/aggregate-to-admin", "rbac.authorization.k8s.io/aggregate-to-edit",
	"rbac.authorization.k8s.io/aggregate-to-view",
}

// grants returns what the rendering's RBAC objects grant, keyed by kind,
// namespace and name.
func grants(t *testing.T, docs []document) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range docs {
		switch d.Kind {
		case "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
		default:
			continue
		}
		var obj struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Rules       []rbacv1.PolicyRule     `json:"rules"`
			Aggregation *rbacv1.AggregationRule `json:"aggregationRule"`
			RoleRef     *rbacv1.RoleRef         `json:"roleRef"`
			Subjects    []rbacv1.Subject        `json:"subjects"`
		}
		if err := yaml.Unmarshal(d.raw, &obj); err != nil {
			t.Fatalf("read %s %s: %v", d.Kind, d.Metadata.Name, err)
		}
		g := grant{Kind: d.Kind, Name: d.Metadata.Name, Namespace: d.Metadata.Namespace,
			Rules: obj.Rules, Aggregation: obj.Aggregation, RoleRef: obj.RoleRef, Subjects: obj.Subjects}
		for _, l := range aggregationLabels {
			if v, ok := obj.Metadata.Labels[l]; ok {
				if g.Labels == nil {
					g.Labels = map[string]string{}
				}
				g.Labels[l] = v
			}
		}
		text, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		out[d.Kind+" "+d.Metadata.Namespace+"/"+d.Metadata.Name] = string(text)
	}
	return out
}

// TestChartGrantsWhatTheInstallerGrants holds the Helm chart and
// dist/install.yaml to the same RBAC, object by object: the end-to-end
// tests run the manager with the installer's and prove that it can do its
// work and cannot escalate, which then holds for the chart too.
func TestChartGrantsWhatTheInstallerGrants(t *testing.T) {
	installer := grants(t, renderInstaller(t))
	chart := grants(t, renderChart(t))

	var keys []string
	for k := range installer {
		keys = append(keys, k)
	}
	for k := range chart {
		if _, ok := installer[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case chart[k] == "":
			t.Errorf("%s is in the installer, not in the chart:\n%s", k, installer[k])
		case installer[k] == "":
			t.Errorf("%s is in the chart, not in the installer:\n%s", k, chart[k])
		case chart[k] != installer[k]:
			t.Errorf("%s differs:\ninstaller: %s\nchart:     %s", k, installer[k], chart[k])
		}
	}
	for _, name := range []string{"tenantry-grant-ceiling", "tenantry-manager-role"} {
		if _, ok := installer["ClusterRole /"+name]; !ok {
			t.Errorf("the installer has no ClusterRole %s", name)
		}
	}
}

// TestShippedManagerRoleCannotEscalate reads the ClusterRoles the installer
// ships: none grants escalate, bind, impersonate, any verb on RBAC or every
// API group, ClusterRoleBindings, or Secrets cluster-wide.
func TestShippedManagerRoleCannotEscalate(t *testing.T) {
	for _, d := range renderInstaller(t) {
		if d.Kind != "ClusterRole" {
			continue
		}
		var role rbacv1.ClusterRole
		if err := yaml.Unmarshal(d.raw, &role); err != nil {
			t.Fatal(err)
		}
		for _, r := range role.Rules {
			for _, verb := range r.Verbs {
				if verb == "escalate" || verb == "bind" || verb == "impersonate" {
					t.Errorf("ClusterRole %s grants %s on %v", role.Name, verb, r.Resources)
				}
			}
			if slices.Contains(r.APIGroups, "*") || (slices.Contains(r.APIGroups, "rbac.authorization.k8s.io") && slices.Contains(r.Verbs, "*")) {
				t.Errorf("ClusterRole %s grants %v on every RBAC verb or group", role.Name, r.Verbs)
			}
			for _, res := range r.Resources {
				if res == "clusterrolebindings" || res == "secrets" {
					t.Errorf("ClusterRole %s grants %v on %s cluster-wide", role.Name, r.Verbs, res)
				}
			}
		}
	}
}
