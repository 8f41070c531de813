package integration

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// The suite runs the real manager against a real kube-apiserver and etcd
// (envtest), with the admission webhooks served in-process, and a real SMTP
// server on loopback per test.
var (
	env *envtest.Environment
	cfg *rest.Config
	// k8s reads and writes past any cache, so assertions see the truth.
	k8s client.WithWatch
	// managerLog collects everything every manager of the suite logs, so a
	// test can prove that no secret reached it.
	managerLog *testsupport.LogBuffer
)

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuite(filepath.Join("..", ".."), func(s *testsupport.Suite) int {
		env, cfg, k8s, managerLog = s.Env, s.Cfg, s.Client, s.Log
		return m.Run()
	}))
}

// testManager is one running manager with its own SMTP server.
type testManager struct {
	*testsupport.Manager
	smtp           *smtpcatcher.Server
	selfServiceURL string
}

// startSMTP starts a recording SMTP server for one test.
func startSMTP(t testing.TB) *smtpcatcher.Server { return testsupport.StartSMTP(t) }

// testOptions are the manager's options for tests: everything on loopback,
// short retry delays so backoff is observable within a test.
func testOptions(t testing.TB, smtp *smtpcatcher.Server) operator.Options {
	return testsupport.ManagerOptions(t, smtp)
}

// startManager runs a manager until the test ends or stop is called.
func startManager(t testing.TB, opts operator.Options) *testManager {
	t.Helper()
	return &testManager{Manager: testsupport.StartManager(t, cfg, opts), selfServiceURL: "http://" + opts.SelfServiceAddr}
}

// stop stops the manager and waits until it has.
func (tm *testManager) stop(t testing.TB) { tm.Stop(t) }
