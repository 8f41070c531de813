package webhook_test

import (
	"os"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The integration tests of this package go through the admission webhooks
// as a cluster calls them: a real kube-apiserver and etcd (envtest) whose
// webhook configurations point at the webhooks served in-process, with the
// same registration as the manager's. The unit tests beside them decide
// the rules without a server.
var (
	cfg *rest.Config
	// k8s reads and writes past any cache, so assertions see the truth.
	k8s client.WithWatch
)

func TestMain(m *testing.M) {
	// The repository's root, seen from this package.
	os.Exit(testsupport.RunSuite("../..", func(s *testsupport.Suite) int {
		cfg, k8s = s.Cfg, s.Client
		return m.Run()
	}))
}
