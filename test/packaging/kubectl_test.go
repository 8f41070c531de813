package packaging

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// object is the part of a manifest the tests look at.
type object struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// document is one object of a rendered stream, with its YAML.
type document struct {
	object
	raw []byte
}

// run runs a command from the repository's root and returns its stdout,
// failing the test with its stderr.
func run(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

func kubectl(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	return run(t, stdin, kubectlPath, append([]string{"--kubeconfig", kubeconfigPath}, args...)...)
}

// split parses a multi-document stream into its objects, skipping empty
// documents (comments only), as kubectl does.
func split(t *testing.T, stream []byte) []document {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var docs []document
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("read the rendered manifests: %v", err)
		}
		var obj object
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatalf("parse a rendered manifest: %v\n%s", err, raw)
		}
		if obj.Kind == "" {
			continue
		}
		docs = append(docs, document{object: obj, raw: raw})
	}
}

func join(docs []document) []byte {
	var b bytes.Buffer
	for _, d := range docs {
		b.WriteString("---\n")
		b.Write(d.raw)
		b.WriteString("\n")
	}
	return b.Bytes()
}

// applyServerDryRun does what installing the manifests does, up to the point
// where it would change the cluster: the CRDs and Namespaces they bring are
// created for real (a dry run of an object whose type or namespace does not
// exist yet could only fail), then every object, those included, goes
// through a server-side dry run — schema validation, defaulting and the
// built-in admission of a real API server.
func applyServerDryRun(t *testing.T, docs []document) {
	t.Helper()
	var prerequisites []document
	for _, d := range docs {
		if d.Kind == "CustomResourceDefinition" || d.Kind == "Namespace" {
			prerequisites = append(prerequisites, d)
		}
	}
	if len(prerequisites) > 0 {
		kubectl(t, join(prerequisites), "apply", "-f", "-")
		kubectl(t, nil, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
	}
	out := kubectl(t, join(docs), "apply", "--dry-run=server", "-f", "-")
	if got := strings.Count(string(out), "(server dry run)"); got != len(docs) {
		t.Fatalf("the dry run accepted %d of %d objects:\n%s", got, len(docs), out)
	}
}

// find returns the rendered object of this kind and name, failing the test
// when there is none.
func find(t *testing.T, docs []document, kind, name string) document {
	t.Helper()
	for _, d := range docs {
		if d.Kind == kind && d.Metadata.Name == name {
			return d
		}
	}
	t.Fatalf("no %s %s in the rendered manifests", kind, name)
	return document{}
}

func has(docs []document, kind string) bool {
	for _, d := range docs {
		if d.Kind == kind {
			return true
		}
	}
	return false
}
