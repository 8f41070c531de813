package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// kubectlTimeout bounds one kubectl run. The waits pass their own shorter
// --timeout, so this only catches a kubectl that hangs.
const kubectlTimeout = 90 * time.Second

// kubectl runs the real kubectl against the test control plane and returns
// its combined output, as a person at a terminal would see it.
func kubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	return runKubectl(t, stdin, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
}

// kubectlWithToken runs kubectl as the holder of a token, with a
// kubeconfig that names the cluster and no user: the token is all it has.
func kubectlWithToken(t *testing.T, token, stdin string, args ...string) (string, error) {
	t.Helper()
	return runKubectl(t, stdin, append([]string{"--kubeconfig", tokenKubeconfigPath, "--token", token}, args...)...)
}

// mustKubectlIn runs kubectl as the admin with stdin.
func mustKubectlIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := kubectl(t, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runKubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), kubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlPath, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustKubectl runs kubectl and fails the test, showing what kubectl said,
// when it does not succeed.
func mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := kubectl(t, "", args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// kubectlFails runs kubectl expecting it to fail, and returns what it said.
func kubectlFails(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := kubectl(t, stdin, args...)
	if err == nil {
		t.Fatalf("kubectl %s succeeded, want it to fail:\n%s", strings.Join(args, " "), out)
	}
	return out
}
