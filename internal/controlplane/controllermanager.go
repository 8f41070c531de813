// Package controlplane runs the part of a Kubernetes control plane that
// envtest leaves out: kube-controller-manager, beside envtest's etcd and
// kube-apiserver. Without it nothing collects garbage and a deleted
// namespace stays Terminating forever. It also makes what an API server
// needs to trust Tenantry's token issuer: a private CA and serving
// certificate, and the AuthenticationConfiguration. The dev environment and
// the tests use it; a real cluster has its own.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

const (
	// startTimeout bounds the wait for both controllers to show they
	// work. The garbage collector first lists every kind the API server
	// serves, which takes a few seconds on a busy machine.
	startTimeout = 2 * time.Minute
	// stopTimeout is how long kube-controller-manager may take to stop its
	// controllers after SIGTERM before it is killed.
	stopTimeout = 30 * time.Second
)

// controllers are the only ones that matter without nodes or pods: the
// namespace controller empties and removes deleted namespaces, the garbage
// collector removes objects whose owners are gone, and the cluster role
// aggregation controller fills the aggregated ClusterRoles the operator
// ships (the grant ceiling, the manager's services role) from the
// ClusterRoles labelled for them. The token controller, which would need a
// signing key, is left out: tokens come from the TokenRequest API.
var controllers = []string{"namespace-controller", "garbage-collector-controller", "clusterrole-aggregation-controller"}

// ControllerManager is a running kube-controller-manager.
type ControllerManager struct {
	cmd *exec.Cmd
	// dir holds its kubeconfig; Stop removes it.
	dir string
	// exited is closed once the process has exited; err then says how.
	exited chan struct{}
	err    error
}

// StartControllerManager starts the kube-controller-manager that sits beside
// env's kube-apiserver, which must be running, and returns once a probe has
// shown both controllers at work. Its log goes to log, which may be nil.
func StartControllerManager(ctx context.Context, env *envtest.Environment, log io.Writer) (*ControllerManager, error) {
	apiServer := env.ControlPlane.GetAPIServer()
	if apiServer.Path == "" || env.Config == nil {
		return nil, errors.New("start kube-controller-manager: the envtest API server is not running")
	}
	// The binary built with the API server, from the same Kubernetes
	// release, so the two always agree.
	bin := filepath.Join(filepath.Dir(apiServer.Path), "kube-controller-manager")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	dir, err := os.MkdirTemp("", "tenantry-kube-controller-manager-")
	if err != nil {
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	kubeconfig, err := writeKubeconfig(env, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}

	cmd := exec.Command(bin,
		"--kubeconfig="+kubeconfig,
		"--controllers="+strings.Join(controllers, ","),
		// One instance, nothing to elect.
		"--leader-elect=false",
		// Health is shown by the probe below, so nothing needs to be
		// served: no port to pick and no certificate to write.
		"--secure-port=0",
		// Enough to follow what the controllers delete when a test fails.
		"--v=2",
	)
	cmd.Stdout = log
	cmd.Stderr = log
	// A process group of its own, as envtest gives etcd and kube-apiserver:
	// Ctrl-C at the terminal must not stop it before what uses it.
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	cm := &ControllerManager{cmd: cmd, dir: dir, exited: make(chan struct{})}
	go func() {
		cm.err = cmd.Wait()
		close(cm.exited)
	}()

	clients, err := kubernetes.NewForConfig(env.Config)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, startTimeout)
		defer cancel()
		err = cm.probe(ctx, clients)
	}
	if err != nil {
		_ = cm.kill()
		return nil, fmt.Errorf("start kube-controller-manager: %w", err)
	}
	return cm, nil
}

// writeKubeconfig gives kube-controller-manager a user of its own, so that
// what it does shows under its name in the API server. It runs every
// controller with that one identity rather than one service account per
// controller, as a cluster would, so the user needs system:masters: the
// garbage collector and the namespace controller delete objects of any
// kind, the operator's custom resources included.
func writeKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "system:kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("add the kube-controller-manager user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("render the kube-controller-manager kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	// It holds the user's private key.
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write the kube-controller-manager kubeconfig: %w", err)
	}
	return path, nil
}

// Stop asks kube-controller-manager to stop, kills it if it does not within
// stopTimeout, and waits until it has exited. It reports an exit that came
// before Stop was called: the controllers were gone from then on.
func (cm *ControllerManager) Stop() error {
	defer func() { _ = os.RemoveAll(cm.dir) }()
	select {
	case <-cm.exited:
		return fmt.Errorf("kube-controller-manager exited before it was stopped: %w", cm.exitErr())
	default:
	}
	if err := cm.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return errors.Join(fmt.Errorf("stop kube-controller-manager: %w", err), cm.kill())
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-cm.exited:
		if cm.err != nil && !endedBy(cm.err, syscall.SIGTERM) {
			return fmt.Errorf("kube-controller-manager stopped with an error: %w", cm.err)
		}
		return nil
	case <-timer.C:
		return errors.Join(fmt.Errorf("kube-controller-manager did not stop within %s; killed it", stopTimeout), cm.kill())
	}
}

// kill ends the process at once and waits for it, for when it failed to
// start or would not stop.
func (cm *ControllerManager) kill() error {
	defer func() { _ = os.RemoveAll(cm.dir) }()
	if err := cm.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill kube-controller-manager: %w", err)
	}
	<-cm.exited
	return nil
}

// endedBy says whether the process ended by the signal sig. Unless a
// feature gate asks it to release a leader lock on exit,
// kube-controller-manager does not catch SIGTERM, so that is how it ends
// when stopped; nothing of it needs saving.
func endedBy(err error, sig syscall.Signal) bool {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return false
	}
	status, ok := exit.Sys().(syscall.WaitStatus)
	return ok && status.Signaled() && status.Signal() == sig
}

// exitErr says how the process ended, even when it exited with status 0.
func (cm *ControllerManager) exitErr() error {
	if cm.err != nil {
		return cm.err
	}
	return errors.New("exit status 0")
}
