package testsupport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/yaml"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/operator"
	tenantrywebhook "github.com/tenantry-io/tenantry/internal/webhook"
)

// Environment is a control plane with the project's CRDs installed and the
// webhook configurations of config/webhook pointed at a local port with a
// certificate of envtest's own, so that every test goes through admission
// as on a cluster. root is the repository's root, relative to the test.
func Environment(root string) *envtest.Environment {
	return &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(root, "config", "webhook", "manifests.yaml")},
		},
	}
}

// RequireAssets explains, and fails the run, when the control plane's
// binaries are not there.
func RequireAssets() error {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: run `make test`, which builds the control plane and points at it")
	}
	return nil
}

// InstallBuiltinRoles creates the roles config/roles ships, as installing
// the operator does, so tests use the same owner and manager as a cluster.
func InstallBuiltinRoles(ctx context.Context, c client.Client, root string) error {
	files, err := filepath.Glob(filepath.Join(root, "config", "roles", "*.yaml"))
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
		if err := c.Create(ctx, role); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	return nil
}

// ServeWebhooks serves the User and BalanceTransaction webhooks, registered
// exactly as the manager registers them, on the port envtest pointed the
// API server's webhook configurations at, until stop is called. Tests stop
// and start managers; users must still be admitted in between, as on a
// cluster with several replicas.
func ServeWebhooks(env *envtest.Environment, cfg *rest.Config) (stop func(), err error) {
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
		&tenantrywebhook.UserWebhook{Reader: mgr.GetAPIReader(), Cache: mgr.GetClient(), Writer: mgr.GetClient(), FirstUserRole: opts.Roles.FirstUser, DefaultRole: opts.Roles.Default, Clock: opts.Clock},
		&tenantrywebhook.BalanceTransactionValidator{Reader: mgr.GetAPIReader(), Clock: opts.Clock},
		&tenantrywebhook.RoleWarner{Reader: mgr.GetAPIReader(), GrantCeiling: opts.Roles.GrantCeiling})
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

// NewNamespace creates a customer account of the test's own.
func NewNamespace(t testing.TB, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "account-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// StartEnvironment starts the control plane; when that fails it stops
// whatever had started (etcd may run already). stop stops it and says on
// stderr if it could not.
func StartEnvironment(env *envtest.Environment) (cfg *rest.Config, stop func(), err error) {
	if cfg, err = env.Start(); err != nil {
		_ = env.Stop()
		return nil, nil, fmt.Errorf("start the test control plane: %w", err)
	}
	return cfg, func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the test control plane: %v\n", err)
		}
	}, nil
}
