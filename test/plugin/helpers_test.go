package plugin

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// result is what one run of the plugin printed and how it exited.
type result struct {
	stdout, stderr string
	err            error
}

// run runs the built plugin with the suite's kubeconfig and no terminal on
// stdin, as a script would.
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runEnv(t, nil, args...)
}

// runEnv is run with env added to the plugin's environment.
func runEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(pluginPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("kubectl tenantry %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustRun is run for a command that must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, args...)
	if r.err != nil {
		t.Fatalf("kubectl tenantry %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// createAccount creates a namespace for one test.
func createAccount(t *testing.T, name string) {
	t.Helper()
	if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}
