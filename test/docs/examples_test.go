package docs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// exampleNamespace is the account every example lives in.
const exampleNamespace = "acme"

// example is one YAML block of a page or one file of config/.
type example struct {
	source  string // page:line of the block, or the file
	yaml    string
	invalid bool
	// shown is the text of the fenced block that follows an invalid
	// example: the refusal the reader is told to expect.
	shown string
}

// yamlExamples are the ```yaml blocks of every page, with the block that
// follows each one marked invalid.
func yamlExamples(t *testing.T) []example {
	t.Helper()
	var examples []example
	for _, page := range allPages(t) {
		blocks := readBlocks(t, repoRoot, page)
		for i, b := range blocks {
			if b.lang != "yaml" {
				continue
			}
			ex := example{source: b.source(), yaml: b.text, invalid: b.invalid}
			if b.invalid && i+1 < len(blocks) {
				ex.shown = blocks[i+1].text
			}
			examples = append(examples, ex)
		}
	}
	return examples
}

// configExamples are the YAML files of the given directories, but not
// their kustomizations, which the API server does not know.
func configExamples(t *testing.T, dirs ...string) []example {
	t.Helper()
	var examples []example
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			if filepath.Base(path) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			examples = append(examples, example{source: path, yaml: string(data)})
		}
	}
	return examples
}

// dryRunApply applies every document of an example as `kubectl apply
// --server-side --dry-run=server` does, and returns the first refusal.
func dryRunApply(ctx context.Context, yaml string) (int, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(yaml)), 4096)
	n := 0
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, fmt.Errorf("not YAML: %w", err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		n++
		err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
			client.DryRunAll, client.FieldOwner("tenantry-docs"), client.ForceOwnership)
		if err != nil {
			return n, fmt.Errorf("%s %q: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
}

func TestExamplesAreWhatTheAPIServerAccepts(t *testing.T) {
	pages := yamlExamples(t)
	if len(pages) < 8 {
		t.Fatalf("found only %d YAML examples in the pages: is the extraction broken?", len(pages))
	}
	examples := append(pages, configExamples(t,
		filepath.Join(repoRoot, "config", "samples"), filepath.Join(repoRoot, "config", "roles"))...)

	for _, ex := range examples {
		t.Run(ex.source, func(t *testing.T) {
			n, err := dryRunApply(context.Background(), ex.yaml)
			if n == 0 && err == nil {
				t.Fatalf("holds no object:\n%s", ex.yaml)
			}
			if !ex.invalid {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, ex.yaml)
				}
				return
			}
			if err == nil {
				t.Fatalf("marked %s but accepted:\n%s", invalidMarker, ex.yaml)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("refused, but not as invalid: %v", err)
			}
			// What follows "is invalid: " is what kubectl prints after its
			// own "The User "alice" is invalid: "; the page shows it.
			_, causes, _ := strings.Cut(err.Error(), " is invalid: ")
			if ex.shown == "" || !strings.Contains(oneLine(ex.shown), oneLine(causes)) {
				t.Fatalf("the page shows\n%s\nbut the API server says\n%s", ex.shown, causes)
			}
		})
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
