package docs

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// catchUpTimeout is how long a reading command is run again until its
// output shows what the page shows: the operator's work (a phase, a
// balance, a provisioned service) takes a moment after the command that
// asked for it.
const catchUpTimeout = time.Minute

// keepGoing reports every command whose output differs from its page
// instead of stopping at the first, with a short catch-up: for bringing
// many pages up to date in one run. The walk still fails.
var keepGoing = flag.Bool("docs.keep-going", false, "report every differing command, not only the first")

// walkSteps are the commands of every page in reading order, with their
// shown output, a block marked <!-- output --> going to the command run
// last before it.
func walkSteps(t *testing.T) []step {
	t.Helper()
	var (
		steps []step
		fresh bool
	)
	for _, page := range readingOrder(t) {
		for _, b := range readBlocks(t, repoRoot, page) {
			fresh = fresh || b.fresh
			switch {
			case b.output:
				if len(steps) == 0 {
					t.Fatalf("%s: output of no command", b.source())
				}
				last := &steps[len(steps)-1]
				last.shown = append(last.shown, strings.Split(strings.TrimSuffix(b.text, "\n"), "\n")...)
			case b.runnable():
				blockSteps, err := splitSteps(b)
				if err != nil {
					t.Fatal(err)
				}
				if len(blockSteps) > 0 && fresh {
					blockSteps[0].fresh, fresh = true, false
				}
				steps = append(steps, blockSteps...)
			}
		}
	}
	return steps
}

// TestWalkthrough runs every command of the README and of docs/, in the
// order a reader meets them (the README, then docs/README.md's order),
// against `make dev`, in one bash shell with `set -euo pipefail`, and
// checks each command's output against what the page shows.
func TestWalkthrough(t *testing.T) {
	steps := walkSteps(t)
	if len(steps) < 20 {
		t.Fatalf("found only %d commands in the pages: is the extraction broken?", len(steps))
	}
	// The pages read JSON answers with jq and talk to the self-service
	// API with curl, as a reader does.
	for _, tool := range []string{"jq", "curl", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: the pages' examples use it (`make test` installs jq with apt-get)", tool)
		}
	}
	f := newFarm(t)
	var (
		env *devEnv
		sh  *shell
	)
	stopAll := func() {
		if sh != nil {
			sh.close()
			sh = nil
		}
		if env != nil {
			env.stop(t)
			env = nil
		}
	}
	defer stopAll()
	home := t.TempDir()
	shellEnv := readerEnv(home)

	ctx := context.Background()
	for i, s := range steps {
		if env == nil || s.fresh {
			stopAll()
			env = startDev(t, f)
			var err error
			if sh, err = startShell(f.dir, shellEnv); err != nil {
				t.Fatalf("start bash: %v", err)
			}
		}
		res, err := sh.run(ctx, s.command)
		if err != nil {
			t.Fatalf("%s: %s\n%v\n%s", s.source, s.command, err, res.output)
		}
		if !s.ok(res) && s.rerunnable() {
			// The poll's context ends with catchUpTimeout; the command
			// keeps its own timeout, so that a run is never cut short.
			timeout := catchUpTimeout
			if *keepGoing {
				timeout = 5 * time.Second
			}
			_ = wait.PollUntilContextTimeout(ctx, time.Second, timeout, false, func(context.Context) (bool, error) {
				res, err = sh.run(ctx, s.command)
				return err != nil || s.ok(res), err
			})
			if err != nil {
				t.Fatalf("%s: %s\n%v\n%s", s.source, s.command, err, res.output)
			}
		}
		t.Logf("[%d/%d] %s\n$ %s\n%s", i+1, len(steps), s.source, s.command, res.output)
		if !s.ok(res) {
			want := "succeed"
			if s.failing() {
				want = "fail"
			}
			report := t.Fatalf
			if *keepGoing {
				report = t.Errorf
			}
			report("%s: the page shows this command %s with\n%s\nbut it exited %d with\n%s\n%s",
				s.source, want, indent(s.shown), res.code, indent(strings.Split(res.output, "\n")), tail(env.logs))
		}
	}
}

// ok says whether the command did what the page shows.
func (s step) ok(res result) bool {
	return (res.code != 0) == s.failing() && outputMatches(s.shown, res.output)
}

// readerEnv is the environment of the reader's terminal: this one's, but
// with a home of its own and no KUBECONFIG, so that a page that forgets to
// point kubectl at `make dev` fails instead of reaching the developer's
// own cluster. The control plane stays where hack/build-controlplane.sh
// finds it.
func readerEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "KUBECONFIG", "HOME", "TENANTRY_CACHE_DIR", "TENANTRY_PASSWORD", "TENANTRY_CODE":
			continue
		}
		env = append(env, kv)
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	return append(env, "HOME="+home, "TENANTRY_CACHE_DIR="+filepath.Dir(assets))
}

func indent(lines []string) string {
	return "    " + strings.Join(lines, "\n    ")
}
