package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

var root = filepath.Join("..", "..")

// TestPagesAreCurrent regenerates the reference pages and compares them
// with the committed ones, so `make test` catches a stale page before
// `make verify` does.
func TestPagesAreCurrent(t *testing.T) {
	t.Setenv("TMPDIR", "") // restored after the generator clears it
	t.Setenv("POD_NAMESPACE", "")
	out := t.TempDir()
	if err := run(out, filepath.Join(root, "config", "crd", "bases")); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"configuration.md", "api.md"} {
		want, err := os.ReadFile(filepath.Join(out, page))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "docs", "reference", page))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("docs/reference/%s is stale: run make docs", page)
		}
	}
}

func TestTypeOf(t *testing.T) {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	tests := []struct {
		name   string
		schema apiextensionsv1.JSONSchemaProps
		want   string
	}{
		{"scalar", str, "string"},
		{"format", apiextensionsv1.JSONSchemaProps{Type: "integer", Format: "int64"}, "integer (int64)"},
		{"list", apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &str}}, "[]string"},
		{"map", apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Schema: &str}}, "map[string]string"},
		{"free-form object", apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}, "object (any fields)"},
		{"embedded object", apiextensionsv1.JSONSchemaProps{Type: "object", XEmbeddedResource: true, XPreserveUnknownFields: ptr.To(true)}, "object (a Kubernetes object)"},
		{"int or string", apiextensionsv1.JSONSchemaProps{XIntOrString: true}, "integer or string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := typeOf(tt.schema); got != tt.want {
				t.Errorf("typeOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidations(t *testing.T) {
	tests := []struct {
		name   string
		schema apiextensionsv1.JSONSchemaProps
		want   []string
	}{
		{"none", apiextensionsv1.JSONSchemaProps{Type: "string"}, nil},
		{"enum and default", apiextensionsv1.JSONSchemaProps{
			Enum:    []apiextensionsv1.JSON{{Raw: []byte(`"Active"`)}, {Raw: []byte(`"Disabled"`)}},
			Default: &apiextensionsv1.JSON{Raw: []byte(`"Active"`)},
		}, []string{"one of `Active`, `Disabled`", "default `Active`"}},
		{"pattern with a backtick", apiextensionsv1.JSONSchemaProps{Pattern: "^[a-z`]+$"}, []string{"matches ``^[a-z`]+$``"}},
		{"lengths", apiextensionsv1.JSONSchemaProps{MinLength: ptr.To[int64](2), MaxLength: ptr.To[int64](50)}, []string{"2 to 50 characters"}},
		{"items", apiextensionsv1.JSONSchemaProps{MaxItems: ptr.To[int64](32)}, []string{"at most 32 items"}},
		{"exclusive bounds", apiextensionsv1.JSONSchemaProps{Minimum: ptr.To(0.0), ExclusiveMinimum: true, Maximum: ptr.To(1e6)}, []string{"> 0", "≤ 1e+06"}},
		{"list map", apiextensionsv1.JSONSchemaProps{XListType: ptr.To("map"), XListMapKeys: []string{"name"}}, []string{"items unique by `name`"}},
		{"CEL rules", apiextensionsv1.JSONSchemaProps{XValidations: apiextensionsv1.ValidationRules{
			{Rule: "self == oldSelf", Message: "currency cannot change"},
			{Rule: "size(self) > 0"},
		}}, []string{`"currency cannot change"`, "rule `size(self) > 0`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validations(tt.schema); !slices.Equal(got, tt.want) {
				t.Errorf("validations = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"lines of a paragraph join", "one\ntwo", "one two"},
		{"paragraphs stay apart", "one\n\ntwo", "one<br><br>two"},
		{"pipes are escaped", "a | b `c|d`", `a \| b ` + "`c\\|d`"},
		{"brackets outside code are text", "name <ns>/`<name>`", "name &lt;ns&gt;/`<name>`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cell(tt.text); got != tt.want {
				t.Errorf("cell(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
