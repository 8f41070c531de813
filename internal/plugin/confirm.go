package plugin

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// errNotConfirmed is what a refused or impossible confirmation returns.
var errNotConfirmed = errors.New("not confirmed")

// confirm asks question on the terminal and accepts only y or yes. Without
// a terminal there is no one to ask, so it refuses unless --confirm was
// given: a script must say so explicitly.
func (o *options) confirm(question string, confirmed bool) error {
	if confirmed {
		return nil
	}
	in, ok := o.streams.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		_, _ = fmt.Fprintln(o.streams.Out, question)
		return fmt.Errorf("%w: stdin is not a terminal, so nothing was changed; run again with --confirm", errNotConfirmed)
	}
	_, _ = fmt.Fprintf(o.streams.Out, "%s [y/N] ", question)
	answer, err := bufio.NewReader(in).ReadString('\n')
	if err != nil {
		return fmt.Errorf("%w: %w", errNotConfirmed, err)
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("%w: nothing was changed", errNotConfirmed)
}
