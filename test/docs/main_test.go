package docs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// k8s talks to the test API server, which has the CRDs installed.
var k8s client.Client

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set. These tests need kube-apiserver and etcd: "+
			"run them with `make test` (TEST_FLAGS='-run ...' narrows them), which builds both and sets it.")
		return 1
	}
	// No manager and no webhooks: what is checked is what the API server
	// itself enforces, the OpenAPI schema and the CEL rules of the CRDs.
	env := testsupport.Environment(filepath.Join("..", ".."))
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{}
	cfg, stopEnv, err := testsupport.StartEnvironment(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopEnv()
	if k8s, err = client.New(cfg, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The examples live in the account acme; a dry run in a namespace that
	// does not exist is refused for that reason alone.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: exampleNamespace}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		fmt.Fprintf(os.Stderr, "create namespace %s: %v\n", exampleNamespace, err)
		return 1
	}
	return m.Run()
}
