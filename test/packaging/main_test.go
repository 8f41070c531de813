package packaging

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// root is the repository's root, where the Makefile runs the tools from.
var root = filepath.Join("..", "..")

// What the tests share: the real kubectl pointed at the test API server,
// and helm built from hack/tools/helm.
var (
	kubectlPath    string
	kubeconfigPath string
	helmPath       string
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if err := testsupport.RequireAssets(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	kubectlPath = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")

	helm, err := buildHelm()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	helmPath = helm

	// No CRDs and no webhooks of envtest's own: the manifests under test
	// bring the CRDs, and a dry run never calls a webhook.
	env := &envtest.Environment{}
	_, stopEnv, err := testsupport.StartEnvironment(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopEnv()

	dir, err := os.MkdirTemp("", "tenantry-packaging-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if kubeconfigPath, err = testsupport.WriteAdminKubeconfig(env, dir, "installer"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// buildHelm returns the path of the pinned helm, building it the first time
// on this machine (a few minutes).
func buildHelm() (string, error) {
	cmd := exec.Command(filepath.Join(root, "hack", "build-helm.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build helm with hack/build-helm.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
