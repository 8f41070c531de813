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

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// What the tests share: the plugin they run, the kubeconfig it reads, the
// kubectl login-as runs, and a client for arranging and checking.
var (
	pluginPath     string
	kubeconfigPath string
	kubectlPath    string
	k8s            client.Client
)

func TestMain(m *testing.M) {
	os.Exit(testsupport.RunSuite(filepath.Join("..", ".."), func(s *testsupport.Suite) int {
		k8s = s.Client
		kubectlPath = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
		dir, err := os.MkdirTemp("", "tenantry-plugin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = os.RemoveAll(dir) }()
		if pluginPath, err = buildPlugin(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if kubeconfigPath, err = writeKubeconfig(s.Env, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		catcher, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = catcher.Close() }()
		stop, err := startManager(s.Cfg, catcher)
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

// buildPlugin builds cmd/kubectl-tenantry as `go install` would.
func buildPlugin(dir string) (string, error) {
	path := filepath.Join(dir, "kubectl-tenantry")
	build := exec.Command("go", "build", "-o", path, "github.com/tenantry-io/tenantry/cmd/kubectl-tenantry")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the plugin: %v\n%s", err, out)
	}
	return path, nil
}

// writeKubeconfig writes a kubeconfig for an admin of its own, who may also
// impersonate, as a cluster admin's does.
func writeKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "plugin-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("add the plugin-admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("render the kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write the kubeconfig: %w", err)
	}
	return path, nil
}

// startManager runs the operator in-process, mail going to the catcher and
// admission served by the suite. The returned function stops it.
func startManager(cfg *rest.Config, catcher *smtpcatcher.Server) (func() error, error) {
	addr, err := testsupport.FreeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	opts := operator.DefaultOptions()
	opts.SkipNameValidation = true
	opts.MetricsAddr, opts.ProbeAddr, opts.SelfServiceAddr = "0", "0", addr
	opts.SMTP.Host, opts.SMTP.Port, opts.SMTP.TLS = catcher.Host(), catcher.Port(), "none"
	opts.SMTP.Rate, opts.SMTP.Burst = 1000, 1000
	opts.Invitation.AcceptURL = "http://" + addr + "/v1/invitations/accept"
	opts.SignIn.ResetURL = "http://" + addr + "/v1/password-resets/confirm"
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
