package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	// Registers controller-runtime's reconcile metrics, which the
	// dashboard shows too.
	_ "sigs.k8s.io/controller-runtime/pkg/controller"
)

// registeredNames are the names of every metric on controller-runtime's
// registry, series of histograms included.
func registeredNames(t *testing.T) map[string]bool {
	t.Helper()
	descs := make(chan *prometheus.Desc)
	go func() {
		metrics.Registry.(prometheus.Collector).Describe(descs)
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for d := range descs {
		m := fqName.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			names[m[1]+suffix] = true
		}
	}
	return names
}

var metricName = regexp.MustCompile(`\b(?:(?:tenantry|controller_runtime)_[a-z_]+|leader_election_master_status)\b`)

// checkExpressions fails for each metric an expression uses that no code
// registers: a renamed metric would leave a blank panel or an alert that
// never fires.
func checkExpressions(t *testing.T, file string, exprs []string) {
	t.Helper()
	if len(exprs) == 0 {
		t.Fatalf("%s: no expressions found", file)
	}
	names := registeredNames(t)
	for _, expr := range exprs {
		used := metricName.FindAllString(expr, -1)
		if len(used) == 0 {
			t.Errorf("%s: expression uses none of Tenantry's metrics: %s", file, expr)
		}
		for _, name := range used {
			if !names[name] {
				t.Errorf("%s: %s is not a registered metric (in %s)", file, name, expr)
			}
		}
	}
}

// collectExprs gathers every "expr" and "query" string of a decoded
// JSON document, wherever it is.
func collectExprs(v any, into *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for key, child := range v {
			if s, ok := child.(string); ok && (key == "expr" || key == "query" && strings.Contains(s, "(")) {
				*into = append(*into, s)
			}
			collectExprs(child, into)
		}
	case []any:
		for _, child := range v {
			collectExprs(child, into)
		}
	}
}

func TestDashboardUsesRegisteredMetrics(t *testing.T) {
	const file = "../../config/grafana/tenantry-dashboard.json"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var dashboard map[string]any
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		t.Fatalf("%s is not JSON: %v", file, err)
	}
	var exprs []string
	collectExprs(dashboard, &exprs)
	checkExpressions(t, file, exprs)
}

type prometheusRule struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

func TestAlertsUseRegisteredMetrics(t *testing.T) {
	const file = "../../config/prometheus/alerts.yaml"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rule prometheusRule
	if err := yaml.Unmarshal(raw, &rule); err != nil {
		t.Fatalf("%s does not parse: %v", file, err)
	}
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Kind != "PrometheusRule" {
		t.Fatalf("%s is a %s %s, not a monitoring.coreos.com/v1 PrometheusRule", file, rule.APIVersion, rule.Kind)
	}
	var exprs, alerts []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: every rule needs an alert name and a summary: %+v", file, r)
			}
			exprs = append(exprs, r.Expr)
			alerts = append(alerts, r.Alert)
		}
	}
	for _, want := range []string{"TenantryInvitationsFailing", "TenantryUsersStalled", "TenantryLedgerStuck", "TenantryQuotaNearlyExhausted", "TenantryNoLeader"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("%s: no alert %s", file, want)
		}
	}
	checkExpressions(t, file, exprs)
}

// TestReferenceListsEveryMetric keeps the metrics reference whole.
func TestReferenceListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile("../../docs/reference/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	descs := make(chan *prometheus.Desc)
	go func() {
		for _, c := range collectors {
			c.Describe(descs)
		}
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		name := fqName.FindStringSubmatch(d.String())[1]
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("docs/reference/metrics.md does not list %s", name)
		}
	}
}
