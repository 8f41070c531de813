package packaging

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// listedPackage is what `go list -json` says of a package that matters here.
type listedPackage struct {
	ImportPath string
	GoFiles    []string
	Imports    []string
}

// TestEveryKindHasItsOwnControllerPackage keeps the layout the docs
// promise: controllers/ holds one package per kind and only a doc.go of
// its own, and no controller package imports another, so that a kind's
// lifecycle is read in one directory and what they share has a name.
func TestEveryKindHasItsOwnControllerPackage(t *testing.T) {
	const prefix = "github.com/tenantry-io/tenantry/controllers"
	cmd := exec.Command("go", "list", "-json", "./controllers/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var kinds []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var pkg listedPackage
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		if pkg.ImportPath == prefix {
			if !slices.Equal(pkg.GoFiles, []string{"doc.go"}) {
				t.Errorf("controllers/ holds %v; code belongs in controllers/<kind>/", pkg.GoFiles)
			}
			continue
		}
		kinds = append(kinds, strings.TrimPrefix(pkg.ImportPath, prefix+"/"))
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, prefix+"/") {
				t.Errorf("%s imports its sibling %s; move what they share to internal/", pkg.ImportPath, imp)
			}
		}
	}
	want := []string{"historypruner", "ledger", "role", "services", "team", "user"}
	if !slices.Equal(kinds, want) {
		t.Errorf("controller packages = %v, want %v (update this list and docs/developer/architecture.md together)", kinds, want)
	}
}
