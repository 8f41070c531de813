package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// kindOrder is the order a reader meets the kinds in: the user first, then
// what it is given and what it is charged, then what groups and records
// it. Kinds not named here follow, by name.
var kindOrder = []string{"User", "Role", "BalanceTransaction", "ServiceClass", "Subscription", "Team", "UserChange"}

// apiPage is docs/reference/api.md: every kind of the CRDs in dir, each
// field with its type, whether it is required, its validation and its
// description, as controller-gen wrote them from the types and markers.
func apiPage(dir string) ([]byte, error) {
	crds, err := readCRDs(dir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("# API reference\n\n")
	b.WriteString("Generated from the CRDs (`config/crd/bases`, which controller-gen writes from `api/v1alpha1`): edit the types and their comments, then run `make docs`.\n\n")
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			fmt.Fprintf(&b, "- [%s](#%s) (`%s/%s`)\n", crd.Spec.Names.Kind, anchor(crd.Spec.Names.Kind), crd.Spec.Group, v.Name)
		}
	}
	b.WriteString("\nA field is required where the Required column says so; the Validation column lists what the API\n")
	b.WriteString("server checks at apply time, with the message it answers when a rule (CEL) fails.\n")
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			writeKind(&b, crd, v)
		}
	}
	return b.Bytes(), nil
}

// readCRDs reads every CRD in dir, in kindOrder.
func readCRDs(dir string) ([]apiextensionsv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list CRDs: %w", err)
	}
	crds := make([]apiextensionsv1.CustomResourceDefinition, 0, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read CRD: %w", err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(data, &crd); err != nil {
			return nil, fmt.Errorf("read CRD %s: %w", file, err)
		}
		crds = append(crds, crd)
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CRD in %s", dir)
	}
	rank := func(kind string) int {
		if i := slices.Index(kindOrder, kind); i >= 0 {
			return i
		}
		return len(kindOrder)
	}
	sort.SliceStable(crds, func(i, j int) bool {
		a, b := crds[i].Spec.Names.Kind, crds[j].Spec.Names.Kind
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		return a < b
	})
	return crds, nil
}

// writeKind writes one kind: what it is, how kubectl shows it, the rules
// on the whole object, and a table of its spec's fields and one of its
// status's.
func writeKind(b *bytes.Buffer, crd apiextensionsv1.CustomResourceDefinition, v apiextensionsv1.CustomResourceDefinitionVersion) {
	names := crd.Spec.Names
	fmt.Fprintf(b, "\n## %s\n\n", names.Kind)
	scope := "namespaced"
	if crd.Spec.Scope == apiextensionsv1.ClusterScoped {
		scope = "cluster-scoped"
	}
	fmt.Fprintf(b, "`%s/%s`, %s; `kubectl get %s`", crd.Spec.Group, v.Name, scope, names.Plural)
	if len(names.ShortNames) > 0 {
		fmt.Fprintf(b, " (or `%s`)", strings.Join(names.ShortNames, "`, `"))
	}
	if len(v.AdditionalPrinterColumns) > 0 {
		var cols, wide []string
		for _, c := range v.AdditionalPrinterColumns {
			if c.Priority > 0 {
				wide = append(wide, c.Name)
			} else {
				cols = append(cols, c.Name)
			}
		}
		fmt.Fprintf(b, " shows %s", strings.Join(cols, ", "))
		if len(wide) > 0 {
			fmt.Fprintf(b, ", and with `-o wide` %s", strings.Join(wide, ", "))
		}
	}
	b.WriteString(".\n")
	if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
		return
	}
	root := v.Schema.OpenAPIV3Schema
	if root.Description != "" {
		fmt.Fprintf(b, "\n%s\n", paragraphs(root.Description))
	}
	if rules := validations(*root); len(rules) > 0 {
		fmt.Fprintf(b, "\nRules on the whole object: %s.\n", strings.Join(rules, "; "))
	}
	for _, part := range []string{"spec", "status"} {
		schema, ok := root.Properties[part]
		if !ok {
			continue
		}
		fmt.Fprintf(b, "\n### %s %s\n\n", names.Kind, part)
		if schema.Description != "" {
			fmt.Fprintf(b, "%s\n\n", paragraphs(schema.Description))
		}
		if rules := validations(schema); len(rules) > 0 {
			fmt.Fprintf(b, "Rules on the whole %s: %s.\n\n", part, strings.Join(rules, "; "))
		}
		b.WriteString("| Field | Type | Required | Validation | Description |\n| --- | --- | --- | --- | --- |\n")
		for _, f := range fields(part, schema) {
			required := ""
			if f.required {
				required = "yes"
			}
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", f.path, cell(typeOf(f.schema)), required,
				cell(strings.Join(validations(f.schema), "; ")), cell(f.schema.Description))
		}
	}
}

// paragraphs is a description as Markdown paragraphs: the doc comment's
// lines joined, its blank lines kept.
func paragraphs(text string) string {
	return strings.ReplaceAll(cell(text), "<br><br>", "\n\n")
}

// field is one row of a kind's table.
type field struct {
	path     string
	required bool
	schema   apiextensionsv1.JSONSchemaProps
}

// fields are the fields under schema, depth first, by name, each with its
// path from prefix: a list's items are path[], a map's values path.*.
func fields(prefix string, schema apiextensionsv1.JSONSchemaProps) []field {
	var out []field
	switch {
	case schema.Items != nil && schema.Items.Schema != nil:
		return fields(prefix+"[]", *schema.Items.Schema)
	case schema.AdditionalProperties != nil && schema.AdditionalProperties.Schema != nil:
		return fields(prefix+".*", *schema.AdditionalProperties.Schema)
	}
	names := make([]string, 0, len(schema.Properties))
	for name := range schema.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		child := schema.Properties[name]
		path := prefix + "." + name
		out = append(out, field{path: path, required: slices.Contains(schema.Required, name), schema: child})
		out = append(out, fields(path, child)...)
	}
	return out
}

// typeOf is a field's type as a Go reader thinks of it: []string,
// map[string]string, integer (int64), object.
func typeOf(s apiextensionsv1.JSONSchemaProps) string {
	switch {
	case s.XIntOrString:
		return "integer or string"
	case s.XEmbeddedResource:
		return "object (a Kubernetes object)"
	case s.Type == "array" && s.Items != nil && s.Items.Schema != nil:
		return "[]" + typeOf(*s.Items.Schema)
	case s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
		return "map[string]" + typeOf(*s.AdditionalProperties.Schema)
	case s.Type == "object" && len(s.Properties) == 0 && s.XPreserveUnknownFields != nil && *s.XPreserveUnknownFields:
		return "object (any fields)"
	case s.Format != "":
		return s.Type + " (" + s.Format + ")"
	}
	return s.Type
}

// validations are what the API server checks of a field, in words: its
// values, bounds, uniqueness, default, and the message of each CEL rule
// (or the rule, where it has none).
func validations(s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	if len(s.Enum) > 0 {
		values := make([]string, 0, len(s.Enum))
		for _, e := range s.Enum {
			values = append(values, code(jsonScalar(e.Raw)))
		}
		out = append(out, "one of "+strings.Join(values, ", "))
	}
	if s.Pattern != "" {
		out = append(out, "matches "+code(s.Pattern))
	}
	out = append(out, bounds("characters", s.MinLength, s.MaxLength)...)
	out = append(out, bounds("items", s.MinItems, s.MaxItems)...)
	out = append(out, bounds("entries", s.MinProperties, s.MaxProperties)...)
	if s.Minimum != nil {
		op := "≥"
		if s.ExclusiveMinimum {
			op = ">"
		}
		out = append(out, fmt.Sprintf("%s %v", op, *s.Minimum))
	}
	if s.Maximum != nil {
		op := "≤"
		if s.ExclusiveMaximum {
			op = "<"
		}
		out = append(out, fmt.Sprintf("%s %v", op, *s.Maximum))
	}
	switch {
	case s.XListType != nil && *s.XListType == "set":
		out = append(out, "items unique")
	case s.XListType != nil && *s.XListType == "map" && len(s.XListMapKeys) > 0:
		out = append(out, "items unique by "+code(strings.Join(s.XListMapKeys, ", ")))
	}
	if s.Default != nil {
		out = append(out, "default "+code(jsonScalar(s.Default.Raw)))
	}
	for _, rule := range s.XValidations {
		if rule.Message != "" {
			out = append(out, fmt.Sprintf("%q", rule.Message))
		} else {
			out = append(out, "rule "+code(rule.Rule))
		}
	}
	return out
}

// bounds says a minimum and maximum count of unit in words.
func bounds(unit string, minimum, maximum *int64) []string {
	switch {
	case minimum != nil && maximum != nil:
		return []string{fmt.Sprintf("%d to %d %s", *minimum, *maximum, unit)}
	case minimum != nil:
		return []string{fmt.Sprintf("at least %d %s", *minimum, unit)}
	case maximum != nil:
		return []string{fmt.Sprintf("at most %d %s", *maximum, unit)}
	}
	return nil
}

// jsonScalar is a JSON value as a person writes it in YAML: a string
// without its quotes, anything else as JSON.
func jsonScalar(raw []byte) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}
