package packaging

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
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
