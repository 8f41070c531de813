package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tenantry-io/tenantry/internal/operator"
)

// machineDependentEnv are the variables some defaults are read from
// (os.TempDir for the webhook cert directory, the operator's namespace for
// the credentials one). They are cleared so that the page shows the
// defaults of a clean machine wherever it is generated.
var machineDependentEnv = []string{"TMPDIR", "POD_NAMESPACE"}

// configurationPage is docs/reference/configuration.md: every flag of the
// manager, group by group as operator.FlagGroups binds them.
func configurationPage() ([]byte, error) {
	for _, name := range machineDependentEnv {
		if err := os.Unsetenv(name); err != nil {
			return nil, fmt.Errorf("unset %s: %w", name, err)
		}
	}
	opts, zapOpts := operator.DefaultOptions(), zap.Options{}
	groups := operator.FlagGroups(&opts, &zapOpts)

	var b bytes.Buffer
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Generated from the manager's flags (`internal/operator/options*.go`): edit the flags, then run `make docs`.\n\n")
	b.WriteString("The manager (`cmd/manager`, the image's entrypoint) takes these flags; `manager --help` lists the\n")
	b.WriteString("same ones. `make dev` takes them too, with defaults that suit a laptop. Durations are written as\n")
	b.WriteString("Go writes them (`90s`, `15m`, `12h`); the records flags also take whole days (`30d`).\n\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", g.Name, anchor(g.Name), g.Description)
	}
	for _, g := range groups {
		fs := flag.NewFlagSet(g.Name, flag.ContinueOnError)
		g.Bind(fs)
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", g.Name, g.Description)
		b.WriteString("| Flag | Default | Description |\n| --- | --- | --- |\n")
		fs.VisitAll(func(f *flag.Flag) {
			typ, usage := flag.UnquoteUsage(f)
			name := "`--" + f.Name + "`"
			if typ != "" {
				name += " " + typ
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, defaultOf(f), cell(usage))
		})
	}
	return b.Bytes(), nil
}

// defaultOf is a flag's default as the page shows it: what --help prints,
// or "none" where --help prints nothing because it is empty.
func defaultOf(f *flag.Flag) string {
	if f.DefValue == "" {
		return "none"
	}
	return cell(code(f.DefValue))
}
