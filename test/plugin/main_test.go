package plugin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"testing"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/tenantry-io/tenantry/internal/controlplane"
	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// What the tests share: the plugin they run, the kubeconfig it reads, the
// kubectl login-as runs, a client for arranging and checking, the mail
// the operator sent, and where the self-service API (the cluster's token
// issuer) listens with which certificate.
var (
	pluginPath     string
	kubeconfigPath string
	kubectlPath    string
	k8s            client.Client
	catcher        *smtpcatcher.Server
	selfService    issuer
	// managerLog is what the manager logged.
	managerLog *testsupport.LogBuffer
)

// issuer is the manager's self-service API as a token issuer the API
// server trusts.
type issuer struct {
	addr, url string
	cert      controlplane.ServingCert
	// dir holds the certificate and the API server's authentication config.
	dir string
}

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuiteWith(filepath.Join("..", ".."), trustIssuer, func(s *testsupport.Suite) int {
		k8s, managerLog = s.Client, s.Log
		kubectlPath = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
		dir, err := os.MkdirTemp("", "tenantry-plugin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = os.RemoveAll(dir) }()
		defer func() { _ = os.RemoveAll(selfService.dir) }()
		if pluginPath, err = buildPlugin(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if kubeconfigPath, err = testsupport.WriteAdminKubeconfig(s.Env, dir, "plugin-admin"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if catcher, err = smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = catcher.Close() }()
		stop, err := startManager(s.Cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		code := m.Run()
		if err := stop(); err != nil {
			fmt.Fprintf(os.Stderr, "the manager stopped with an error: %v\n", err)
			code = 1
		}
		return code
	}))
}

// The version and commit the tests stamp on the plugin, as the release
// does, so that `version` has something known to print.
const (
	stampedVersion  = "v0.0.0-plugintest"
	stampedRevision = "0123abcd"
)

// buildPlugin builds cmd/kubectl-tenantry as `go install` would, stamped
// as the release stamps it.
func buildPlugin(dir string) (string, error) {
	path := filepath.Join(dir, "kubectl-tenantry")
	const pkg = "github.com/tenantry-io/tenantry/internal/version"
	build := exec.Command("go", "build", "-o", path,
		"-ldflags", fmt.Sprintf("-X %s.version=%s -X %s.revision=%s", pkg, stampedVersion, pkg, stampedRevision),
		"github.com/tenantry-io/tenantry/cmd/kubectl-tenantry")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the plugin: %v\n%s", err, out)
	}
	return path, nil
}

// startManager runs the operator in-process, mail going to the catcher and
// admission served by the suite. The returned function stops it.
func startManager(cfg *rest.Config) (func() error, error) {
	// The manager keeps its signing keys and the credential Secrets in its
	// own namespace, which the suite may have created already.
	if err := testsupport.EnsureNamespace(context.Background(), cfg, testsupport.CredentialsNamespace); err != nil {
		return nil, err
	}
	addr := selfService.addr
	opts := operator.DefaultOptions()
	opts.SkipNameValidation = true
	opts.MetricsAddr, opts.ProbeAddr, opts.SelfServiceAddr = "0", "0", addr
	opts.SMTP.Host, opts.SMTP.Port, opts.SMTP.TLS = catcher.Host(), catcher.Port(), "none"
	opts.SMTP.Rate, opts.SMTP.Burst = 1000, 1000
	opts.Invitation.AcceptURL = selfService.url + "/v1/invitations/accept"
	opts.SignIn.ResetURL = selfService.url + "/v1/password-resets/confirm"
	opts.SelfServiceTLS = operator.TLSFiles{CertFile: selfService.cert.CertFile, KeyFile: selfService.cert.KeyFile}
	opts.Tokens.IssuerURL = selfService.url
	opts.Webhook.Disabled = true
	mgr, err := operator.New(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("set up the manager: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	syncCtx, cancelSync := context.WithTimeout(ctx, 30*time.Second)
	defer cancelSync()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		cancel()
		return nil, fmt.Errorf("the manager's cache did not sync: %v", <-done)
	}
	return func() error { cancel(); return <-done }, nil
}

// trustIssuer reserves the self-service API's address and starts the API
// server trusting the tokens it will issue there, as `make dev` does, so
// `kubectl-tenantry login` is tested with the real kubectl.
func trustIssuer(env *envtest.Environment) error {
	dir, err := os.MkdirTemp("", "tenantry-plugin-issuer-")
	if err != nil {
		return err
	}
	selfService.dir = dir
	if selfService.cert, err = controlplane.WriteServingCert(dir); err != nil {
		return err
	}
	if selfService.addr, err = testsupport.ReservedLoopbackAddr(); err != nil {
		return err
	}
	selfService.url = "https://" + selfService.addr
	config := controlplane.AuthenticationConfig(controlplane.JWTIssuer{URL: selfService.url, Audience: "kubernetes", CAPEM: selfService.cert.CAPEM})
	path := filepath.Join(dir, "authentication-config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	env.ControlPlane.GetAPIServer().Configure().Set("authentication-config", path)
	return nil
}
