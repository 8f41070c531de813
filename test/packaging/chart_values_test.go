package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// templateFails runs `helm template` with the chart's defaults and these
// arguments, expects it to fail and returns what helm said.
func templateFails(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"template", "tenantry", chartDir, "--namespace", chartNamespace}, args...)
	cmd := exec.Command(helmPath, args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err == nil {
		t.Fatalf("helm %s rendered:\n%s", strings.Join(args, " "), out)
	}
	return stderr.String()
}

func TestChartWithoutLeaderElection(t *testing.T) {
	docs := renderChart(t, "--set", "leaderElection.enabled=false")

	manager := string(find(t, docs, "Deployment", "tenantry-controller-manager").raw)
	for _, want := range []string{"--leader-elect=false", "type: Recreate"} {
		if !strings.Contains(manager, want) {
			t.Errorf("the Deployment lacks %q:\n%s", want, manager)
		}
	}
	for _, d := range docs {
		if strings.Contains(d.Metadata.Name, "leader-election") {
			t.Errorf("without leader election the chart still renders %s %s", d.Kind, d.Metadata.Name)
		}
	}

	// Two replicas without a leader would both reconcile.
	msg := templateFails(t, "--set", "leaderElection.enabled=false", "--set", "replicas=2")
	if !strings.Contains(msg, "replicas: 2 needs leaderElection.enabled=true") {
		t.Errorf("helm does not say why it refuses two replicas without leader election:\n%s", msg)
	}
}

// TestChartRefusesValuesItDoesNotKnow: values.schema.json closes every map
// whose keys the chart defines, so that a misspelt or invented value fails
// the install instead of being ignored, and says which.
func TestChartRefusesValuesItDoesNotKnow(t *testing.T) {
	for _, tc := range []struct {
		name, set, want string
	}{
		{"a secret's content where its name belongs", "smtp.password=x", "at '/smtp': additional properties 'password' not allowed"},
		{"a misspelt top-level value", "replica=2", "at '': additional properties 'replica' not allowed"},
		{"a misspelt nested value", "metrics.serviceMonitor.enable=true", "at '/metrics/serviceMonitor': additional properties 'enable' not allowed"},
		{"an unknown TLS mode", "smtp.tls=ssl", "at '/smtp/tls': value must be one of 'none', 'starttls', 'tls'"},
		{"an unknown identity kind", "identity.kind=ServiceAccount", "at '/identity/kind': value must be one of '', 'User', 'Group'"},
		{"no replica", "replicas=0", "at '/replicas': minimum: got 0, want 1"},
		{"a duration without unit", "leaderElection.retryPeriod=2", "at '/leaderElection/retryPeriod'"},
		{"a flag without dashes", "extraArgs[0]=default-currency=EUR", "at '/extraArgs/0'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := templateFails(t, "--set", tc.set)
			if !strings.Contains(msg, "values don't meet the specifications of the schema") || !strings.Contains(msg, tc.want) {
				t.Errorf("--set %s: helm does not say %q:\n%s", tc.set, tc.want, msg)
			}
		})
	}
}

// TestChartSchemaCoversEveryValue keeps values.schema.json and values.yaml
// in step: every value has a schema, every schema a value, and every map
// of the chart's own keys is closed (additionalProperties: false). Maps
// whose keys are free (resources, podLabels, ...) have no properties in the
// schema and are not looked into.
func TestChartSchemaCoversEveryValue(t *testing.T) {
	var values map[string]any
	var schema map[string]any
	for file, into := range map[string]any{"values.yaml": &values, "values.schema.json": &schema} {
		data, err := os.ReadFile(filepath.Join(root, chartDir, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, into); err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
	}
	definitions, _ := schema["definitions"].(map[string]any)
	resolve := func(node map[string]any) map[string]any {
		if ref, ok := node["$ref"].(string); ok {
			def, _ := definitions[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
			if def == nil {
				t.Fatalf("values.schema.json: %s leads nowhere", ref)
			}
			return def
		}
		return node
	}

	var walk func(path string, values map[string]any, node map[string]any)
	walk = func(path string, values map[string]any, node map[string]any) {
		properties, ok := node["properties"].(map[string]any)
		if !ok {
			return // a free-form map
		}
		if node["additionalProperties"] != false {
			where := strings.TrimSuffix(path, ".")
			if where == "" {
				where = "the top level"
			}
			t.Errorf("values.schema.json: %s is not closed with additionalProperties: false", where)
		}
		for key, value := range values {
			sub, ok := properties[key].(map[string]any)
			if !ok {
				t.Errorf("values.schema.json has no schema for %s%s", path, key)
				continue
			}
			if m, ok := value.(map[string]any); ok {
				walk(path+key+".", m, resolve(sub))
			}
		}
		for key := range properties {
			// A parent chart sets global; values.yaml need not.
			parentsOnly := path == "" && key == "global"
			if _, ok := values[key]; !ok && !parentsOnly {
				t.Errorf("values.schema.json describes %s%s, which values.yaml does not hold", path, key)
			}
		}
	}
	walk("", values, schema)
}
