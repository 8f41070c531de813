package docs

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// step is one command of a page, with the output the page shows for it.
type step struct {
	source  string // page:line of the command
	command string
	// shown is the output the page shows: the comment lines right under
	// the command (without "# "), the lines after a "$ " command in a
	// transcript, or a block marked <!-- output --> after it.
	shown []string
	fresh bool // a fresh `make dev` before this step
}

// failing says whether the page shows the command failing: its shown
// output starts with kubectl's "Error from server", an "error:", or the
// "no" of `kubectl auth can-i`, which exits 1 with it. Such a command must
// fail, with that output.
func (s step) failing() bool {
	if len(s.shown) == 0 {
		return false
	}
	first := strings.TrimSpace(s.shown[0])
	return strings.HasPrefix(first, "Error") || strings.HasPrefix(strings.ToLower(first), "error:") || first == "no"
}

// reading says whether running the command again changes nothing, so that
// the walk may run it again while the operator catches up, as a reader
// would: kubectl get, describe, auth and wait (whose own timeout a loaded
// machine may outlast), the plugin's listings, ls, cat, and curl without a
// method (a GET).
var reading = regexp.MustCompile(`^(kubectl( --context \S+)? (get|describe|auth|wait)\b|kubectl tenantry (users|stats|history)\b|ls\b|cat\b|curl\b[^|]*$)`)

func (s step) rerunnable() bool {
	return reading.MatchString(s.command) && !strings.Contains(s.command, " -X ")
}

// heredoc finds the delimiter of a here-document a line opens.
var heredoc = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

// splitSteps cuts a runnable block into its commands and their shown
// output. In a transcript (lines starting with "$ ") every other line is
// output. Otherwise a command is a line and its continuations (a trailing
// backslash, an open quote, a here-document); a comment line right under
// a command is its output, and a comment after an empty line is prose.
func splitSteps(b block) ([]step, error) {
	lines := strings.Split(strings.TrimSuffix(b.text, "\n"), "\n")
	transcript := false
	for _, l := range lines {
		if strings.HasPrefix(l, "$ ") {
			transcript = true
		}
	}
	var (
		steps   []step
		acc     []string
		start   int
		attach  = false // comment lines go to the last step
		endWord string
	)
	for i, l := range lines {
		n := b.line + 1 + i
		if len(acc) == 0 {
			trimmed := strings.TrimSpace(l)
			switch {
			case transcript && !strings.HasPrefix(l, "$ "):
				if len(steps) == 0 {
					return nil, fmt.Errorf("%s:%d: output before the first $ command", b.page, n)
				}
				steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, l)
				continue
			case trimmed == "":
				attach = false
				continue
			case strings.HasPrefix(trimmed, "#"):
				if attach {
					shown := strings.TrimPrefix(strings.TrimPrefix(trimmed, "#"), " ")
					steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, shown)
				}
				continue
			}
			start = n
			if transcript {
				l = strings.TrimPrefix(l, "$ ")
			}
		}
		acc = append(acc, l)
		if endWord != "" {
			if strings.TrimSpace(l) == endWord {
				endWord = ""
			} else {
				continue
			}
		} else if m := heredoc.FindStringSubmatch(l); m != nil {
			endWord = m[1]
			continue
		}
		if strings.HasSuffix(l, "\\") {
			continue
		}
		command := strings.Join(acc, "\n")
		if !complete(command) {
			continue
		}
		steps = append(steps, step{source: fmt.Sprintf("%s:%d", b.page, start), command: command})
		acc, attach = nil, true
	}
	if len(acc) > 0 {
		return nil, fmt.Errorf("%s:%d: the command never ends:\n%s", b.page, start, strings.Join(acc, "\n"))
	}
	if len(steps) > 0 {
		steps[0].fresh = b.fresh
	}
	return steps, nil
}

// complete asks bash whether command parses as it is, or still has a quote
// or a bracket open.
func complete(command string) bool {
	return exec.Command("bash", "-n", "-c", command).Run() == nil
}
