package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/mail"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// What the tests share: the kubectl they drive, the mail the operator sent
// and where the self-service API listens.
var (
	kubectlPath    string
	kubeconfigPath string
	catcher        *smtpcatcher.Server
	selfServiceURL string
)

const acceptPath = "/v1/invitations/accept"

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set. These tests need kube-apiserver, kube-controller-manager, etcd and kubectl: "+
			"run them with `make test` (TEST_FLAGS='-run ...' narrows them), which builds all four and sets it.")
		return 1
	}
	kubectlPath = filepath.Join(assets, "kubectl")

	// The operator's log is kept and shown only when a test fails: it is
	// what explains a phase that never came.
	logs := &testsupport.LogBuffer{}
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logs)))

	// The webhooks of config/webhook are served by the in-process manager
	// with envtest's certificate.
	env := testsupport.Environment(filepath.Join("..", ".."))
	dir, err := os.MkdirTemp("", "tenantry-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	// The API server trusts the manager's token issuer from the start; it
	// fetches the keys once the manager serves them.
	if err := trustIssuer(env, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg, stopEnv, err := testsupport.StartEnvironment(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopEnv()

	// kube-controller-manager deletes what a deleted namespace held and what
	// a deleted owner owned, as on a cluster. Its log, like the operator's,
	// is shown only when a test fails.
	controllerLogs := &testsupport.LogBuffer{}
	controllers, err := controlplane.StartControllerManager(context.Background(), env, controllerLogs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n--- kube-controller-manager log ---\n%s", err, controllerLogs.String())
		return 1
	}
	// Stopped once: after the tests, where a failure to stop (or an exit
	// before it) fails the run, or by this defer on the way out of a failed
	// start. Deferred after env.Stop, it runs first: the controllers stop
	// before the API server they talk to.
	stopControllers := sync.OnceValue(controllers.Stop)
	defer func() { _ = stopControllers() }()

	if kubeconfigPath, err = testsupport.WriteAdminKubeconfig(env, dir, "e2e-admin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if tokenKubeconfigPath, err = writeTokenKubeconfig(kubeconfigPath, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	if catcher, err = smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = catcher.Close() }()

	stopManager, err := startManager(cfg, env.WebhookInstallOptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := stopManager(); err != nil {
		fmt.Fprintf(os.Stderr, "the manager stopped with an error: %v\n", err)
		code = 1
	}
	// Everything the tests made the manager do, it did with the installer's
	// RBAC: not one request was refused for want of a right.
	if lines := forbiddenLines(logs.String()); len(lines) > 0 {
		fmt.Fprintf(os.Stderr, "the manager was refused %d requests with the installer's RBAC:\n%s\n",
			len(lines), strings.Join(lines, "\n"))
		code = 1
	}
	if err := stopControllers(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- operator log ---\n%s", logs.String())
		fmt.Fprintf(os.Stderr, "--- kube-controller-manager log ---\n%s", controllerLogs.String())
	}
	return code
}

// startManager runs the operator in-process with the wiring cmd/manager
// uses, mail going to the catcher, as the installer's ServiceAccount with
// the installer's RBAC. The returned function stops it and waits until it
// has, so the control plane never goes away under it.
func startManager(admin *rest.Config, webhooks envtest.WebhookInstallOptions) (func() error, error) {
	if err := createSystemNamespace(admin); err != nil {
		return nil, err
	}
	if err := installManagerRBAC(); err != nil {
		return nil, err
	}
	cfg, err := managerConfig(admin)
	if err != nil {
		return nil, err
	}
	opts := operator.DefaultOptions()
	opts.SkipNameValidation = true
	opts.MetricsAddr = "0"
	opts.ProbeAddr = "0"
	opts.SelfServiceAddr = selfServiceAddr
	opts.SMTP.Host = catcher.Host()
	opts.SMTP.Port = catcher.Port()
	opts.SMTP.TLS = string(mail.TLSNone)
	opts.Invitation.AcceptURL = selfServiceURL + acceptPath
	opts.SelfServiceTLS = operator.TLSFiles{CertFile: selfServiceCert.CertFile, KeyFile: selfServiceCert.KeyFile}
	opts.Tokens.IssuerURL = selfServiceURL
	opts.Webhook.Host = webhooks.LocalServingHost
	opts.Webhook.Port = webhooks.LocalServingPort
	opts.Webhook.CertDir = webhooks.LocalServingCertDir
	opts.Webhook.Certs = operator.WebhookCertsFiles
	mgr, err := operator.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("set up the manager: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stop := func() error {
		cancel()
		return <-done
	}
	// The tests start by applying YAML; a controller still filling its
	// cache would only see it later, which is correct but slower to debug.
	synced := make(chan bool, 1)
	go func() { synced <- mgr.GetCache().WaitForCacheSync(ctx) }()
	select {
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("the manager stopped while starting: %w", err)
	case <-synced:
	}
	return stop, nil
}
