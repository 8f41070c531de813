package packaging

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	chartDir       = "dist/chart"
	chartNamespace = "tenantry-system"
	// leaderElectionNamespace is where haValues has the Lease held.
	leaderElectionNamespace = "tenantry-leader-election"
)

var (
	haValues = filepath.Join("test", "packaging", "testdata", "values-ha-certmanager.yaml")
	// foreignCRDs are cert-manager's and the Prometheus operator's types, as
	// on a cluster that runs them.
	foreignCRDs = filepath.Join("test", "packaging", "testdata", "foreign-crds.yaml")
)

func TestChartLints(t *testing.T) {
	run(t, nil, helmPath, "lint", "--strict", chartDir)
	run(t, nil, helmPath, "lint", "--strict", chartDir, "--values", haValues)
}

// renderChart renders the chart as `helm install tenantry dist/chart -n
// tenantry-system` would install it, CRDs included.
func renderChart(t *testing.T, args ...string) []document {
	t.Helper()
	return renderRelease(t, "tenantry", chartNamespace, args...)
}

// renderRelease renders the chart as `helm install <release> dist/chart -n
// <namespace>` would install it, CRDs included.
func renderRelease(t *testing.T, release, namespace string, args ...string) []document {
	t.Helper()
	args = append([]string{"template", release, chartDir, "--namespace", namespace, "--include-crds"}, args...)
	return split(t, run(t, nil, helmPath, args...))
}

// createNamespace does what `helm install --create-namespace` does.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	kubectl(t, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+name+"\n"), "apply", "-f", "-")
}

func TestChartWithDefaultsPassesServerDryRun(t *testing.T) {
	docs := renderChart(t)

	manager := string(find(t, docs, "Deployment", "tenantry-controller-manager").raw)
	for _, want := range []string{
		`image: "ghcr.io/tenantry-io/tenantry:latest"`,
		"--webhook-certs=self",
		"--webhook-cert-secret=tenantry-system/tenantry-webhook-server-cert",
		"--webhook-service=tenantry-system/tenantry-webhook-service",
		"--grant-ceiling=tenantry-grant-ceiling",
		"--leader-election-namespace=tenantry-system",
	} {
		if !strings.Contains(manager, want) {
			t.Errorf("the Deployment lacks %q:\n%s", want, manager)
		}
	}
	// A rolling update runs the new pod beside the old one.
	if !strings.Contains(manager, "--leader-elect") {
		t.Errorf("a single replica does not elect a leader:\n%s", manager)
	}
	find(t, docs, "Secret", "tenantry-webhook-server-cert")
	find(t, docs, "MutatingWebhookConfiguration", "tenantry-mutating-webhook-configuration")
	find(t, docs, "ValidatingWebhookConfiguration", "tenantry-validating-webhook-configuration")
	find(t, docs, "Role", "owner")
	find(t, docs, "Role", "manager")
	for _, kind := range []string{"PodDisruptionBudget", "Certificate", "ServiceMonitor", "PrometheusRule"} {
		if has(docs, kind) {
			t.Errorf("the defaults render a %s", kind)
		}
	}
	if strings.Contains(manager, "podAntiAffinity") {
		t.Errorf("one replica is given an anti-affinity:\n%s", manager)
	}

	createNamespace(t, chartNamespace)
	applyServerDryRun(t, docs)
}

func TestChartWithEverythingOnPassesServerDryRun(t *testing.T) {
	docs := renderChart(t, "--values", haValues)

	manager := string(find(t, docs, "Deployment", "tenantry-controller-manager").raw)
	for _, want := range []string{
		`image: "registry.example.com/tenantry:v0.1.0"`,
		"replicas: 2",
		"--leader-elect",
		"--webhook-certs=files",
		"--grant-ceiling=tenantry-grant-ceiling",
		"--smtp-credentials-secret=tenantry-system/smtp-credentials",
		"--issuer-url=https://id.example.com",
		"--selfservice-tls-cert-file=",
		"--identity-prefix=tenantry:",
		"--default-currency=EUR",
		"--leader-elect-lease-duration=15s",
		"--leader-elect-renew-deadline=10s",
		"--leader-elect-retry-period=2s",
		"--leader-election-namespace=" + leaderElectionNamespace,
		"podAntiAffinity:",
		"topologyKey: kubernetes.io/hostname",
	} {
		if !strings.Contains(manager, want) {
			t.Errorf("the Deployment lacks %q:\n%s", want, manager)
		}
	}
	find(t, docs, "PodDisruptionBudget", "tenantry-controller-manager")
	// The manager may hold its Lease where it is, and only there.
	for kind, name := range map[string]string{
		"Role": "tenantry-leader-election-role", "RoleBinding": "tenantry-leader-election-rolebinding",
	} {
		if ns := find(t, docs, kind, name).Metadata.Namespace; ns != leaderElectionNamespace {
			t.Errorf("%s %s is in %q, not in leaderElection.namespace %q", kind, name, ns, leaderElectionNamespace)
		}
	}
	find(t, docs, "Certificate", "tenantry-serving-cert")
	find(t, docs, "Issuer", "tenantry-selfsigned-issuer")
	find(t, docs, "ServiceMonitor", "tenantry-controller-manager-metrics")
	checkAlerts(t, find(t, docs, "PrometheusRule", "tenantry-alerts"))
	webhooks := string(find(t, docs, "ValidatingWebhookConfiguration", "tenantry-validating-webhook-configuration").raw)
	if !strings.Contains(webhooks, "cert-manager.io/inject-ca-from: tenantry-system/tenantry-serving-cert") {
		t.Errorf("cert-manager is not asked to inject the CA:\n%s", webhooks)
	}
	for _, d := range docs {
		if d.Kind == "Secret" {
			t.Errorf("cert-manager creates the webhook Secret, yet the chart renders %s", d.Metadata.Name)
		}
		if d.Kind == "Role" && strings.Contains(string(d.raw), "iam.tenantry.io") {
			t.Errorf("builtinRoles.enabled=false still renders the role %s", d.Metadata.Name)
		}
	}

	kubectl(t, nil, "apply", "-f", foreignCRDs)
	createNamespace(t, chartNamespace)
	createNamespace(t, leaderElectionNamespace)
	applyServerDryRun(t, docs)
}

// checkAlerts holds the chart's PrometheusRule to the rules of
// config/prometheus/alerts.yaml, which internal/metrics checks against the
// metrics the manager registers, and to the labels of haValues.
func checkAlerts(t *testing.T, rendered document) {
	t.Helper()
	type prometheusRule struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	var chart, config prometheusRule
	if err := yaml.Unmarshal(rendered.raw, &chart); err != nil {
		t.Fatalf("read the chart's PrometheusRule: %v", err)
	}
	source, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(source, &config); err != nil {
		t.Fatalf("read config/prometheus/alerts.yaml: %v", err)
	}
	if len(config.Spec) == 0 || !reflect.DeepEqual(chart.Spec, config.Spec) {
		t.Errorf("the chart's alerts are not those of config/prometheus/alerts.yaml (run make manifests):\n%s", rendered.raw)
	}
	if got := chart.Metadata.Labels["release"]; got != "prometheus" {
		t.Errorf("the PrometheusRule's label release is %q, want metrics.prometheusRule.labels' prometheus", got)
	}
	if got := chart.Metadata.Labels["app.kubernetes.io/instance"]; got != "tenantry" {
		t.Errorf("the PrometheusRule's label app.kubernetes.io/instance is %q, want the release tenantry", got)
	}
}
