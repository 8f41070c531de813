//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

const (
	// startTimeout bounds a manager's start until it is ready.
	startTimeout = 60 * time.Second
	// stopTimeout bounds a graceful stop: the manager finishes sends in
	// flight (at most --smtp-timeout) first.
	stopTimeout = 60 * time.Second
	// unconfirmedGrace is the manager's --invitation-unconfirmed-grace:
	// short, so that interrupted invitations are retried within the run.
	unconfirmedGrace = "2s"
)

// managers runs the manager binary, one process at a time, on the same
// addresses every time, as a Deployment's replacement pod would come up
// under the same Service. Every process logs into one file.
type managers struct {
	t               testing.TB
	args            []string
	probeAddr       string
	selfServiceAddr string
	log             *os.File

	mu      sync.Mutex
	current *process
	started int
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	// metricsAddr is set when the process serves /metrics.
	metricsAddr string
}

func newManagers(t testing.TB, smtp *smtpcatcher.Server) *managers {
	t.Helper()
	addr := func() string {
		a, err := testsupport.FreeLoopbackAddr()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	log, err := os.Create(workDir + "/manager.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	m := &managers{t: t, probeAddr: addr(), selfServiceAddr: addr(), log: log}
	m.args = managerArgs(smtp, m.probeAddr, m.selfServiceAddr, env.WebhookInstallOptions.LocalServingPort)
	t.Cleanup(func() {
		if err := m.stop(); err != nil {
			t.Errorf("stop the manager: %v", err)
		}
	})
	return m
}

// managerArgs are the flags of a manager process of the chaos runs: its
// own addresses, the run's mail server, short retries so that interrupted
// work is retried within the run, and envtest's webhook certificate.
func managerArgs(smtp *smtpcatcher.Server, probeAddr, selfServiceAddr string, webhookPort int) []string {
	webhooks := env.WebhookInstallOptions
	return []string{
		"--kubeconfig=" + kubeconfigPath,
		"--health-probe-bind-address=" + probeAddr,
		"--selfservice-bind-address=" + selfServiceAddr,
		"--accept-url=http://" + selfServiceAddr + "/v1/invitations/accept",
		"--smtp-host=" + smtp.Host(),
		"--smtp-port=" + strconv.Itoa(smtp.Port()),
		"--smtp-tls=none",
		"--smtp-from=Tenantry <no-reply@chaos.tenantry.test>",
		"--smtp-timeout=5s",
		"--smtp-rate-limit=1000", "--smtp-rate-burst=1000",
		"--smtp-retry-base=500ms", "--smtp-retry-max=2s",
		"--invitation-unconfirmed-grace=" + unconfirmedGrace,
		"--webhook-certs=files",
		"--webhook-host=" + webhooks.LocalServingHost,
		"--webhook-port=" + strconv.Itoa(webhookPort),
		"--webhook-cert-dir=" + webhooks.LocalServingCertDir,
		"--max-concurrent-users=4",
		"--credentials-namespace=" + testsupport.CredentialsNamespace,
	}
}

// start starts a new manager process; it does not wait until it is ready.
// withMetrics serves /metrics on a free port, for the run that counts
// reconciles.
func (m *managers) start(withMetrics bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current != nil {
		return errors.New("a manager is already running")
	}
	p := &process{done: make(chan struct{})}
	metrics := []string{"--metrics-bind-address=0"}
	if withMetrics {
		addr, err := testsupport.FreeLoopbackAddr()
		if err != nil {
			return err
		}
		p.metricsAddr = addr
		// Plain http: the test reads the metrics without a token.
		metrics = []string{"--metrics-bind-address=" + addr, "--metrics-secure=false"}
	}
	m.started++
	_, _ = fmt.Fprintf(m.log, "=== manager process %d ===\n", m.started)
	p.cmd = exec.Command(managerBinary, append(m.args, metrics...)...)
	p.cmd.Stdout, p.cmd.Stderr = m.log, m.log
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start the manager: %w", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	m.current = p
	return nil
}

// kill SIGKILLs the running manager and waits until it is gone: nothing
// it had in flight gets to finish.
func (m *managers) kill() error {
	p := m.take()
	if p == nil {
		return errors.New("no manager to kill")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill the manager: %w", err)
	}
	<-p.done
	return nil
}

// stop stops the running manager as Kubernetes does, with SIGTERM, and
// waits until it has exited.
func (m *managers) stop() error {
	p := m.take()
	if p == nil {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop the manager: %w", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("the manager exited with %w after SIGTERM", p.err)
		}
		return nil
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("the manager did not stop within %s of SIGTERM", stopTimeout)
	}
}

func (m *managers) take() *process {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.current
	m.current = nil
	return p
}

func (m *managers) running() *process {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// waitReady polls the running manager's /readyz (its cache has synced)
// until it answers 200, and fails if the process exits first.
func (m *managers) waitReady(ctx context.Context) error {
	p := m.running()
	if p == nil {
		return errors.New("no manager running")
	}
	url := "http://" + m.probeAddr + "/readyz"
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-p.done:
			return false, fmt.Errorf("the manager exited while starting: %v", p.err)
		default:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, nil // not listening yet
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// stopAll stops the running manager, if any.
func (m *managers) stopAll() error { return m.stop() }

// processes is how many manager processes were started.
func (m *managers) processes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.started
}

// logText is everything every manager process logged so far.
func (m *managers) logText() (string, error) {
	data, err := os.ReadFile(m.log.Name())
	return string(data), err
}
