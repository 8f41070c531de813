package plugin

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/util/jsonpath"
)

// relaxedJSONPath is what kubectl accepts for --sort-by and a custom
// column: metadata.name, .metadata.name, {metadata.name} or
// {.metadata.name}.
var relaxedJSONPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// relaxJSONPath is field as a complete JSONPath expression, {.a.b}.
func relaxJSONPath(field string) (string, error) {
	m := relaxedJSONPath.FindStringSubmatch(field)
	if m == nil {
		return "", fmt.Errorf("unexpected path string %q, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'", field)
	}
	spec := m[1]
	if spec == "" {
		spec = m[2]
	}
	return "{." + spec + "}", nil
}

// parseJSONPath parses a field the way kubectl does, missing keys
// allowed: a field only some items have is empty in the others.
func parseJSONPath(name, field string) (*jsonpath.JSONPath, error) {
	expr, err := relaxJSONPath(field)
	if err != nil {
		return nil, err
	}
	parser := jsonpath.New(name).AllowMissingKeys(true)
	if err := parser.Parse(expr); err != nil {
		return nil, err
	}
	return parser, nil
}

// sortItems sorts the items by field, as kubectl's --sort-by does:
// numbers as numbers, strings that are quantities (amounts, sizes) as
// quantities and others as strings, items without the field first, and
// a field no item has an error, which is most often a typo. Items that
// compare equal keep their order.
func sortItems(items []listItem, field string) error {
	parser, err := parseJSONPath("sorting", field)
	if err != nil {
		return err
	}
	keys := make([]any, len(items))
	found := false
	for i, item := range items {
		results, err := parser.FindResults(item.object)
		if err != nil {
			return err
		}
		if len(results) > 0 && len(results[0]) > 0 {
			keys[i], found = results[0][0].Interface(), true
		}
	}
	if !found && len(items) > 0 {
		expr, _ := relaxJSONPath(field)
		return fmt.Errorf("couldn't find any field with path %q in the list of objects", expr)
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	var sortErr error
	sort.SliceStable(order, func(a, b int) bool {
		less, err := lessValue(keys[order[a]], keys[order[b]])
		if err != nil && sortErr == nil {
			sortErr = fmt.Errorf("--sort-by %s: %w", field, err)
		}
		return less
	})
	if sortErr != nil {
		return sortErr
	}
	sorted := make([]listItem, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	copy(items, sorted)
	return nil
}

// lessValue compares two values of a field as JSON has them; nil (a
// missing field) sorts first.
func lessValue(a, b any) (bool, error) {
	switch {
	case a == nil:
		return b != nil, nil
	case b == nil:
		return false, nil
	}
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return x < y, nil
		}
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			break
		}
		qx, errX := resource.ParseQuantity(x)
		qy, errY := resource.ParseQuantity(y)
		if errX == nil && errY == nil {
			return qx.Cmp(qy) < 0, nil
		}
		return x < y, nil
	case bool:
		if y, ok := b.(bool); ok {
			return !x && y, nil
		}
	}
	return false, fmt.Errorf("cannot sort %s values", reflect.TypeOf(a).Kind())
}

// number is a JSON number as a float.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
