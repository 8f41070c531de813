package testsupport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

// StartSMTP starts a recording SMTP server on loopback for one test.
func StartSMTP(t testing.TB) *smtpcatcher.Server {
	t.Helper()
	srv, err := smtpcatcher.Start("127.0.0.1:0", smtpcatcher.Options{})
	if err != nil {
		t.Fatalf("start SMTP server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// ManagerOptions are the manager's options for tests: everything on
// loopback, mail to smtp, short retry delays so backoff is observable
// within a test, and no webhook server (the suite serves admission for
// every test, see ServeWebhooks).
func ManagerOptions(t testing.TB, smtp *smtpcatcher.Server) operator.Options {
	t.Helper()
	opts := operator.DefaultOptions()
	opts.MetricsAddr = "0"
	opts.ProbeAddr = "0"
	opts.SelfServiceAddr = FreeAddr(t)
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
	opts.SignIn.ResetURL = "http://" + opts.SelfServiceAddr + "/v1/password-resets/confirm"
	// Tests log in from one address many times in a row.
	opts.SignIn.LoginRate, opts.SignIn.LoginBurst = 1000, 1000
	opts.SignIn.ClientRate, opts.SignIn.ClientBurst = 1000, 1000
	// Tests hash many passwords in a row; the CPU bound has tests of its own.
	opts.SignIn.MaxConcurrentHashes, opts.SignIn.HashCPUShare = 4, 0
	opts.Webhook.Disabled = true
	// The operator's namespace, as config/default deploys it, whatever
	// the machine running the tests says.
	opts.CredentialsNamespace = CredentialsNamespace
	return opts
}

// Manager is one running manager of a test.
type Manager struct {
	cancel context.CancelFunc
	done   chan error
}

// StartManager runs a manager until the test ends or Stop is called, and
// returns once its cache has synced.
func StartManager(t testing.TB, cfg *rest.Config, opts operator.Options) *Manager {
	t.Helper()
	if err := EnsureNamespace(context.Background(), cfg, opts.CredentialsNamespace); err != nil {
		t.Fatalf("create the credentials namespace: %v", err)
	}
	mgr, err := operator.New(cfg, opts)
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- mgr.Start(ctx) }()
	syncCtx, cancelSync := context.WithTimeout(ctx, 30*time.Second)
	defer cancelSync()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		t.Fatal("manager cache did not sync")
	}
	// The self-service API starts beside the controllers; tests call it
	// right away.
	healthz, probe := "http://"+opts.SelfServiceAddr+"/healthz", http.DefaultClient
	if opts.SelfServiceTLS.CertFile != "" {
		// Only whether it answers matters here; tests check the
		// certificate with their own clients.
		healthz = "https://" + opts.SelfServiceAddr + "/healthz"
		probe = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	}
	err = wait.PollUntilContextTimeout(syncCtx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		select {
		case err := <-m.done:
			// It will not answer: say why (its address taken, say).
			cancel()
			return false, fmt.Errorf("the manager stopped: %w", err)
		default:
		}
		resp, err := probe.Get(healthz)
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("the self-service API did not answer on %s: %v", opts.SelfServiceAddr, err)
	}
	t.Cleanup(func() { m.Stop(t) })
	return m
}

// Stop stops the manager and waits until it has; stopping twice is fine.
func (m *Manager) Stop(t testing.TB) {
	t.Helper()
	if m.cancel == nil {
		return
	}
	m.cancel()
	m.cancel = nil
	select {
	case err := <-m.done:
		if err != nil {
			t.Errorf("manager stopped with an error: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("manager did not stop within 30s")
	}
}
