package docs

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// shell is one bash process, started with `set -euo pipefail`, that runs a
// reader's commands one after another, so that what one sets (a variable,
// an export) is there for the next, as in the reader's terminal.
type shell struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	// sentinel ends each command's report on stdout; random, so that no
	// command prints it by chance.
	sentinel string
	// outFile receives each command's output, stdout and stderr together
	// as a terminal shows them.
	outFile string
}

// commandTimeout bounds one command; `kubectl wait` in the pages waits at
// most 30s, kubectl's default timeout for it.
const commandTimeout = 2 * time.Minute

// startShell starts bash in dir with env.
func startShell(dir string, env []string) (*shell, error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "tenantry-docs-shell-")
	if err != nil {
		return nil, err
	}
	s := &shell{sentinel: "__docs_done_" + hex.EncodeToString(buf), outFile: filepath.Join(tmp, "out")}
	s.cmd = exec.Command("bash", "--noprofile", "--norc")
	s.cmd.Dir, s.cmd.Env, s.cmd.Stderr = dir, env, os.Stderr
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.stdout = bufio.NewReader(out)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if _, err := s.run(context.Background(), "set -euo pipefail"); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// result is what one command did.
type result struct {
	output string
	code   int
}

// run runs one command in the shell. A failing command does not end the
// shell: its exit code is reported, and -e, -u and pipefail still hold
// inside it. The shell ends only when the command exits it (an unset
// variable does), which is reported as an error.
func (s *shell) run(ctx context.Context, command string) (result, error) {
	// Commands read no terminal: one that would ask (a y/N, a password)
	// gets end of file, as in a pipeline. The shell reads its own script
	// from its stdin, which the command must not consume.
	script := fmt.Sprintf("__docs_rc=0\n{ %s\n} </dev/null >%q 2>&1 || __docs_rc=$?\nprintf '\\n%s %%d\\n' \"$__docs_rc\"\n",
		command, s.outFile, s.sentinel)
	if _, err := io.WriteString(s.stdin, script); err != nil {
		return result{}, fmt.Errorf("the shell is gone: %w", err)
	}
	type line struct {
		text string
		err  error
	}
	done := make(chan line, 1)
	go func() {
		for {
			text, err := s.stdout.ReadString('\n')
			if err != nil {
				done <- line{err: err}
				return
			}
			if strings.HasPrefix(text, s.sentinel+" ") {
				done <- line{text: strings.TrimSpace(strings.TrimPrefix(text, s.sentinel+" "))}
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	select {
	case <-ctx.Done():
		s.close()
		return result{}, fmt.Errorf("still running after %s", commandTimeout)
	case l := <-done:
		out, _ := os.ReadFile(s.outFile)
		if l.err != nil {
			return result{output: string(out)}, fmt.Errorf("the shell exited (an unset variable, or `exit`): %w", l.err)
		}
		code, err := strconv.Atoi(l.text)
		if err != nil {
			return result{}, fmt.Errorf("unreadable exit code %q", l.text)
		}
		return result{output: string(out), code: code}, nil
	}
}

func (s *shell) close() {
	_ = s.stdin.Close()
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	_ = s.cmd.Wait()
	_ = os.RemoveAll(filepath.Dir(s.outFile))
}
