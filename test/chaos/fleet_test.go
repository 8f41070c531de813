//go:build chaos

package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/tenantry-io/tenantry/internal/operator"
	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
	"github.com/tenantry-io/tenantry/internal/testsupport"
)

// leaseName is the manager's leader election lease.
const leaseName = "tenantry-manager.iam.tenantry.io"

// fleet runs several manager processes at once with leader election on, as
// a Deployment with replicas does: each replica has addresses of its own
// (a pod's), kept when its process is replaced. The admission webhooks
// reach them through one address, as the API server reaches a Service.
type fleet struct {
	t        testing.TB
	replicas []*replica
	lease    leaseTimes
	log      *os.File

	mu      sync.Mutex
	started int
}

// replica is one slot of the fleet: its addresses and its current process.
type replica struct {
	id              int
	args            []string
	probeAddr       string
	selfServiceAddr string
	metricsAddr     string
	webhookAddr     string
	current         *process
}

// leaseTimes are the fleet's leader election flags.
type leaseTimes struct {
	duration, renewDeadline, retryPeriod time.Duration
}

// failoverTime is the longest a killed leader can go unreplaced, as
// operator.LeaderElectionOptions.FailoverTime reckons it.
func (l leaseTimes) failoverTime() time.Duration {
	return operator.LeaderElectionOptions{LeaseDuration: l.duration, RenewDeadline: l.renewDeadline, RetryPeriod: l.retryPeriod}.FailoverTime()
}

func newFleet(t testing.TB, smtp *smtpcatcher.Server, n int, lease leaseTimes) *fleet {
	t.Helper()
	log, err := os.Create(workDir + "/fleet.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	f := &fleet{t: t, lease: lease, log: log}
	addr := func() string {
		a, err := testsupport.FreeLoopbackAddr()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	backends := make([]string, 0, n)
	for i := range n {
		r := &replica{id: i + 1, probeAddr: addr(), selfServiceAddr: addr(), metricsAddr: addr(), webhookAddr: addr()}
		_, port, _ := net.SplitHostPort(r.webhookAddr)
		webhookPort, _ := strconv.Atoi(port)
		r.args = append(managerArgs(smtp, r.probeAddr, r.selfServiceAddr, webhookPort),
			"--leader-elect",
			"--leader-election-namespace="+testsupport.CredentialsNamespace,
			"--leader-elect-lease-duration="+lease.duration.String(),
			"--leader-elect-renew-deadline="+lease.renewDeadline.String(),
			"--leader-elect-retry-period="+lease.retryPeriod.String(),
			// Plain http: the test reads who leads without a token.
			"--metrics-bind-address="+r.metricsAddr, "--metrics-secure=false",
			// Every request of the run comes from one address; behind a
			// Service they come from many.
			"--login-client-rate-limit=1000", "--login-client-rate-burst=1000",
		)
		f.replicas = append(f.replicas, r)
		backends = append(backends, r.webhookAddr)
	}
	// The API server calls the webhooks at envtest's address; a proxy there
	// passes each connection to a replica that takes it, as a Service does.
	webhooks := env.WebhookInstallOptions
	proxy, err := startProxy(net.JoinHostPort(webhooks.LocalServingHost, strconv.Itoa(webhooks.LocalServingPort)), backends)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.stopAll(); err != nil {
			t.Errorf("stop the replicas: %v", err)
		}
		proxy.close()
	})
	return f
}

// start starts a new process in the replica's slot.
func (f *fleet) start(r *replica) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.current != nil {
		return fmt.Errorf("replica %d is running already", r.id)
	}
	f.started++
	_, _ = fmt.Fprintf(f.log, "=== replica %d, manager process %d ===\n", r.id, f.started)
	p := &process{done: make(chan struct{}), cmd: exec.Command(managerBinary, r.args...)}
	p.cmd.Stdout, p.cmd.Stderr = f.log, f.log
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start replica %d: %w", r.id, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	r.current = p
	return nil
}

// startAll starts every replica and waits until each is ready.
func (f *fleet) startAll(ctx context.Context) error {
	for _, r := range f.replicas {
		if err := f.start(r); err != nil {
			return err
		}
	}
	for _, r := range f.replicas {
		if err := f.waitReady(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fleet) process(r *replica) *process {
	f.mu.Lock()
	defer f.mu.Unlock()
	return r.current
}

// waitReady polls the replica's /readyz until it answers 200: its cache
// has synced and its self-service API and webhooks listen.
func (f *fleet) waitReady(ctx context.Context, r *replica) error {
	p := f.process(r)
	if p == nil {
		return fmt.Errorf("replica %d is not running", r.id)
	}
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, startTimeout, true, func(ctx context.Context) (bool, error) {
		select {
		case <-p.done:
			return false, fmt.Errorf("replica %d exited while starting: %v", r.id, p.err)
		default:
		}
		code, err := get(ctx, "http://"+r.probeAddr+"/readyz")
		return err == nil && code == http.StatusOK, nil
	})
}

// leader is the replica whose manager says it holds the lease (client-go's
// leader_election_master_status), or nil.
func (f *fleet) leader(ctx context.Context) *replica {
	for _, r := range f.replicas {
		p := f.process(r)
		if p == nil {
			continue
		}
		m, err := scrape(ctx, "http://"+r.metricsAddr+"/metrics")
		if err == nil && sum(m, "leader_election_master_status", `name="`+leaseName+`"`) == 1 {
			return r
		}
	}
	return nil
}

// waitLeader polls until one replica leads, and tells which and when.
func (f *fleet) waitLeader(ctx context.Context, timeout time.Duration) (*replica, time.Time, error) {
	var found *replica
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		found = f.leader(ctx)
		return found != nil, nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("no replica leads after %s: %w", timeout, err)
	}
	return found, time.Now(), nil
}

// kill SIGKILLs the replica's process and waits until it is gone.
func (f *fleet) kill(r *replica) error {
	f.mu.Lock()
	p := r.current
	r.current = nil
	f.mu.Unlock()
	if p == nil {
		return fmt.Errorf("replica %d is not running", r.id)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill replica %d: %w", r.id, err)
	}
	<-p.done
	return nil
}

// stopAll stops every replica with SIGTERM, as Kubernetes does, and reports
// the first that did not exit cleanly.
func (f *fleet) stopAll() error {
	var errs []error
	for _, r := range f.replicas {
		f.mu.Lock()
		p := r.current
		r.current = nil
		f.mu.Unlock()
		if p == nil {
			continue
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			if p.err != nil {
				errs = append(errs, fmt.Errorf("replica %d exited with %w after SIGTERM", r.id, p.err))
			}
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.done
			errs = append(errs, fmt.Errorf("replica %d did not stop within %s of SIGTERM", r.id, stopTimeout))
		}
	}
	return errors.Join(errs...)
}

// exitedOnItsOwn names replicas whose process ended without the test
// killing or stopping it: a leader that lost its lease exits, and that
// must not happen while it is healthy.
func (f *fleet) exitedOnItsOwn() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.replicas {
		if r.current == nil {
			continue
		}
		select {
		case <-r.current.done:
			out = append(out, fmt.Sprintf("replica %d exited: %v", r.id, r.current.err))
		default:
		}
	}
	return out
}

func (f *fleet) logText() (string, error) {
	data, err := os.ReadFile(f.log.Name())
	return string(data), err
}

func (f *fleet) processes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started
}

func get(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// proxy passes TCP connections to the first backend, in turn, that takes
// them: a Service whose endpoints are the replicas that listen.
type proxy struct {
	listener net.Listener
	backends []string
	mu       sync.Mutex
	next     int
	wg       sync.WaitGroup
}

func startProxy(addr string, backends []string) (*proxy, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the webhooks on %s: %w", addr, err)
	}
	p := &proxy{listener: l, backends: backends}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		conn, err := p.listener.Accept()
		if err != nil {
			return
		}
		go p.pass(conn)
	}
}

func (p *proxy) pass(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	p.mu.Lock()
	first := p.next
	p.next = (p.next + 1) % len(p.backends)
	p.mu.Unlock()
	var backend net.Conn
	for i := range p.backends {
		c, err := net.DialTimeout("tcp", p.backends[(first+i)%len(p.backends)], time.Second)
		if err == nil {
			backend = c
			break
		}
	}
	if backend == nil {
		return // no replica listens: the API server sees the call fail
	}
	defer func() { _ = backend.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(backend, conn); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, backend); done <- struct{}{} }()
	<-done
}

func (p *proxy) close() {
	_ = p.listener.Close()
	p.wg.Wait()
}
