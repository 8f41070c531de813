package docs

import (
	"bufio"
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

const (
	// exampleNamespace is the account every example lives in.
	exampleNamespace = "acme"
	// invalidMarker, on a line before a fence, says the block shows a
	// mistake on purpose.
	invalidMarker = "<!-- invalid -->"
)

// example is one YAML block of a document.
type example struct {
	source  string // file:line of the block
	yaml    string
	invalid bool
	// shown is the text of the fenced block that follows an invalid
	// example: the refusal the reader is told to expect.
	shown string
}

// readmeExamples extracts every ```yaml block of a Markdown file, and the
// marker and the following block of those shown as mistakes.
func readmeExamples(t *testing.T, path string) []example {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer func() { _ = f.Close() }()

	var (
		examples []example
		current  *example
		inFence  bool
		fence    []string
		indent   string
		marked   bool
		// awaiting is the invalid example whose refusal text comes next.
		awaiting = -1
	)
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := scanner.Text()
		trimmed := strings.TrimSpace(line)
		if !inFence {
			switch {
			case strings.HasPrefix(trimmed, "```"):
				inFence, fence = true, nil
				indent = line[:len(line)-len(strings.TrimLeft(line, " "))]
				if trimmed == "```yaml" {
					examples = append(examples, example{source: fmt.Sprintf("%s:%d", path, n), invalid: marked})
					current = &examples[len(examples)-1]
				}
				marked = false
			case trimmed == invalidMarker:
				marked = true
			case trimmed != "":
				marked = false
			}
			continue
		}
		if trimmed == "```" {
			text := strings.Join(fence, "\n") + "\n"
			switch {
			case current != nil:
				current.yaml = text
				if current.invalid {
					awaiting = len(examples) - 1
				} else {
					awaiting = -1
				}
			case awaiting >= 0:
				examples[awaiting].shown = text
				awaiting = -1
			}
			inFence, current = false, nil
			continue
		}
		fence = append(fence, strings.TrimPrefix(line, indent))
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if inFence {
		t.Fatalf("%s: a fenced block is never closed", path)
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
	readme := readmeExamples(t, filepath.Join("..", "..", "README.md"))
	if len(readme) < 4 {
		t.Fatalf("found only %d YAML examples in the README: is the extraction broken?", len(readme))
	}
	examples := append(readme, configExamples(t,
		filepath.Join("..", "..", "config", "samples"), filepath.Join("..", "..", "config", "roles"))...)

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
			// own "The User "alice" is invalid: "; the README shows it.
			_, causes, _ := strings.Cut(err.Error(), " is invalid: ")
			if ex.shown == "" || !strings.Contains(oneLine(ex.shown), oneLine(causes)) {
				t.Fatalf("the README shows\n%s\nbut the API server says\n%s", ex.shown, causes)
			}
		})
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
