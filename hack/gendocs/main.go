// Command gendocs writes the generated pages of docs/reference: the
// configuration reference from the manager's flag groups
// (operator.FlagGroups, the same flags the manager's --help shows) and the
// API reference from the CRDs controller-gen writes from the types.
// `make docs` runs it; `make verify` fails when a page it writes is stale.
//
// Usage: go run ./hack/gendocs [-out docs/reference] [-crds config/crd/bases]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", filepath.Join("docs", "reference"), "Directory the pages are written to.")
	crds := flag.String("crds", filepath.Join("config", "crd", "bases"), "Directory of the CRDs the API reference is read from.")
	flag.Parse()
	if err := run(*out, *crds); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out, crdDir string) error {
	config, err := configurationPage()
	if err != nil {
		return err
	}
	api, err := apiPage(crdDir)
	if err != nil {
		return err
	}
	for name, page := range map[string][]byte{"configuration.md": config, "api.md": api} {
		if err := os.WriteFile(filepath.Join(out, name), page, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
