package docs

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devPorts are the addresses the pages name (the self-service API at
// https://127.0.0.1:8082, the metrics at :8080) and the probes beside them.
var devPorts = []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082"}

// devStartTimeout bounds the start of `make dev`: the control plane, the
// CRDs, the operator and the samples take some twenty seconds on 2 cores.
const devStartTimeout = 3 * time.Minute

// devReady is the first line of the banner tenantry-dev prints once the
// samples are applied.
const devReady = "Tenantry is running on a local control plane"

// farm is a directory that looks like the repository to a reader's
// commands and to tenantry-dev (every top-level entry a symlink to the
// real one), but has a .dev/ and a bin/ of its own, so that the walk never
// touches a developer's own `make dev` files or binaries.
type farm struct {
	dir string
	bin string
}

func newFarm(t *testing.T) farm {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case ".dev", "bin", ".git":
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	f := farm{dir: dir, bin: filepath.Join(dir, "bin")}
	// What `make build` and `make plugin` put into bin/.
	for name, pkg := range map[string]string{"tenantry-dev": "./cmd/dev", "kubectl-tenantry": "./cmd/kubectl-tenantry"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(f.bin, name), pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return f
}

// checkDevPortsFree fails with what to do when something holds a port the
// pages name, most often a `make dev` of the developer's own.
func checkDevPortsFree(t *testing.T) {
	t.Helper()
	for _, addr := range devPorts {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s is taken (%v): the docs test runs `make dev`, whose examples use 127.0.0.1:8080-8082. "+
				"Stop the program holding it (another `make dev`?) and run the test again.", addr, err)
		}
		_ = l.Close()
	}
}

// devEnv is a running tenantry-dev.
type devEnv struct {
	cmd  *exec.Cmd
	logs string
	done chan error
}

// startDev runs tenantry-dev in the farm, as `make dev` does, and returns
// once it has applied the samples and printed its banner.
func startDev(t *testing.T, f farm) *devEnv {
	t.Helper()
	checkDevPortsFree(t)
	logs, err := os.CreateTemp(t.TempDir(), "tenantry-dev-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(f.bin, "tenantry-dev"))
	cmd.Dir = f.dir
	cmd.Env = append(os.Environ(), "KUBEBUILDER_ASSETS="+os.Getenv("KUBEBUILDER_ASSETS"))
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	env := &devEnv{cmd: cmd, logs: logs.Name(), done: make(chan error, 1)}
	ready := make(chan struct{})
	var banner strings.Builder
	go func() {
		scanner := bufio.NewScanner(out)
		signalled := false
		for scanner.Scan() {
			banner.WriteString(scanner.Text() + "\n")
			if !signalled && strings.Contains(scanner.Text(), devReady) {
				signalled = true
				close(ready)
			}
		}
		env.done <- cmd.Wait()
	}()
	timer := time.NewTimer(devStartTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return env
	case err := <-env.done:
		t.Fatalf("tenantry-dev stopped before it was ready: %v\n%s%s", err, banner.String(), tail(env.logs))
	case <-timer.C:
		env.stop(t)
		t.Fatalf("tenantry-dev was not ready within %s\n%s", devStartTimeout, tail(env.logs))
	}
	return nil
}

// stop is Ctrl-C, and waits until everything has stopped, so that the
// next environment finds its ports free.
func (e *devEnv) stop(t *testing.T) {
	t.Helper()
	_ = e.cmd.Process.Signal(syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case err := <-e.done:
		if err != nil {
			t.Errorf("tenantry-dev stopped with %v after Ctrl-C\n%s", err, tail(e.logs))
		}
	case <-ctx.Done():
		_ = e.cmd.Process.Kill()
		err := <-e.done
		t.Errorf("tenantry-dev did not stop within a minute of Ctrl-C (killed: %v)\n%s", err, tail(e.logs))
	}
}

// tail is the end of a log, for a failure message.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "tenantry-dev's log ends:\n" + strings.Join(lines, "\n")
}
