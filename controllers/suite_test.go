package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/yaml"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
	tenantrywebhook "github.com/tenantry-io/tenantry/internal/webhook"
)

// The suite runs the real manager against a real kube-apiserver and etcd
// (envtest) and a real SMTP server on loopback.
var (
	env *envtest.Environment
	cfg *rest.Config
	// k8s reads and writes past any cache, so assertions see the truth.
	k8s client.WithWatch
	// managerLog collects everything every manager of the suite logs, so a
	// test can prove that no secret reached it.
	managerLog = &testsupport.LogBuffer{}
)

func TestMain(m *testing.M) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, which builds the control plane and points at it")
		os.Exit(1)
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(managerLog), zap.UseDevMode(true)))

	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		// The webhook configurations of config/webhook, pointed at a local
		// port with a certificate of envtest's own, so that every test
		// goes through admission as on a cluster.
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join("..", "config", "webhook", "manifests.yaml")},
		},
	}
	var err error
	if cfg, err = env.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "start control plane: %v\n", err)
		os.Exit(1)
	}
	if k8s, err = client.NewWithWatch(cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		fmt.Fprintf(os.Stderr, "create client: %v\n", err)
		os.Exit(1)
	}
	if err := installBuiltinRoles(filepath.Join("..", "config", "roles")); err != nil {
		fmt.Fprintf(os.Stderr, "install the built-in roles: %v\n", err)
		os.Exit(1)
	}
	stopWebhooks, err := serveWebhooks()
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve the webhooks: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stopWebhooks()
	if code != 0 {
		// The managers' log explains most failures; it is kept quiet otherwise.
		lines := strings.Split(managerLog.String(), "\n")
		fmt.Fprintf(os.Stderr, "--- manager log (last 150 lines) ---\n%s\n", strings.Join(lines[max(0, len(lines)-150):], "\n"))
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stop control plane: %v\n", err)
	}
	os.Exit(code)
}

// installBuiltinRoles creates the roles config/roles ships, as installing
// the operator does, so tests use the same owner and manager as a cluster.
func installBuiltinRoles(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		role := &iamv1alpha1.Role{}
		if err := yaml.UnmarshalStrict(data, role); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := k8s.Create(context.Background(), role); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	return nil
}

// serveWebhooks serves the User and BalanceTransaction webhooks, registered exactly as the
// manager registers them, on the port envtest pointed the API server's
// webhook configurations at, for the whole run.
func serveWebhooks() (stop func(), err error) {
	opts := operator.DefaultOptions()
	webhooks := env.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 operator.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: webhooks.LocalServingHost, Port: webhooks.LocalServingPort, CertDir: webhooks.LocalServingCertDir,
		}),
	})
	if err != nil {
		return nil, err
	}
	err = tenantrywebhook.SetupWithManager(mgr,
		&tenantrywebhook.UserWebhook{Reader: mgr.GetAPIReader(), Writer: mgr.GetClient(), FirstUserRole: opts.Roles.FirstUser, DefaultRole: opts.Roles.Default},
		&tenantrywebhook.BalanceTransactionValidator{Reader: mgr.GetAPIReader()})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	// Admission works once the server answers TLS on its port.
	started := mgr.GetWebhookServer().StartedChecker()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("webhook server did not start: %w", errors.Join(err, <-done))
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintf(os.Stderr, "webhook server stopped with an error: %v\n", err)
		}
	}, nil
}

// testManager is one running manager with its own SMTP server.
type testManager struct {
	smtp           *smtpcatcher.Server
	selfServiceURL string
	cancel         context.CancelFunc
	done           chan error
}

// startSMTP starts a recording SMTP server for one test.
func startSMTP(t testing.TB) *smtpcatcher.Server {
	t.Helper()
	srv, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
	if err != nil {
		t.Fatalf("start SMTP server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// testOptions are the manager's options for tests: everything on loopback,
// short retry delays so backoff is observable within a test.
func testOptions(t testing.TB, smtp *smtpcatcher.Server) operator.Options {
	t.Helper()
	opts := operator.DefaultOptions()
	opts.MetricsAddr = "0"
	opts.ProbeAddr = "0"
	opts.SelfServiceAddr = freeAddr(t)
	opts.SkipNameValidation = true
	opts.SMTP.Host = smtp.Host()
	opts.SMTP.Port = smtp.Port()
	opts.SMTP.TLS = "none"
	opts.SMTP.From = "Tenantry <no-reply@tenantry.test>"
	opts.SMTP.Timeout = 5 * time.Second
	opts.SMTP.Rate, opts.SMTP.Burst = 1000, 1000
	opts.Invitation.AcceptURL = "http://" + opts.SelfServiceAddr + "/v1/invitations/accept"
	opts.Invitation.RetryBase = 200 * time.Millisecond
	opts.Invitation.RetryMax = time.Second
	// The suite's webhook server answers admission for every test (see
	// serveWebhooks): tests stop and start managers, and users must still
	// be admitted in between, as on a cluster with several replicas.
	opts.Webhook.Disabled = true
	return opts
}

// startManager runs a manager until the test ends or stop is called.
func startManager(t testing.TB, opts operator.Options) *testManager {
	t.Helper()
	mgr, err := operator.New(cfg, opts)
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tm := &testManager{
		selfServiceURL: "http://" + opts.SelfServiceAddr,
		cancel:         cancel,
		done:           make(chan error, 1),
	}
	go func() { tm.done <- mgr.Start(ctx) }()
	syncCtx, cancelSync := context.WithTimeout(ctx, 30*time.Second)
	defer cancelSync()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		t.Fatal("manager cache did not sync")
	}
	t.Cleanup(func() { tm.stop(t) })
	return tm
}

// stop stops the manager and waits until it has.
func (tm *testManager) stop(t testing.TB) {
	t.Helper()
	if tm.cancel == nil {
		return
	}
	tm.cancel()
	tm.cancel = nil
	select {
	case err := <-tm.done:
		if err != nil {
			t.Errorf("manager stopped with an error: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("manager did not stop within 30s")
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := testsupport.FreeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
