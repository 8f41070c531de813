package services

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Drift lists the fields of a rendered service object whose live values no
// longer match it, as paths ("spec.color", "metadata.labels.tier"), sorted.
// These are the fields the operator owns: server-side apply makes its field
// manager the owner of exactly what it rendered, and an empty list means
// there is nothing to restore.
//
// It compares the rendered values with the live ones rather than reading the
// live object's managedFields, because the services cache strips
// managedFields to stay small, and a GET past the cache on every pass would
// cost a request per service per resync. Only what the template renders is
// compared, so whatever others add is theirs and never drift: a provider's
// status (never compared: the main resource does not write it), another
// controller's labels and annotations, fields the API server defaults.
// Maps compare key by key; a list the template sets is compared whole, as
// server-side apply owns a list of a custom resource whole unless its schema
// says otherwise, but each item only on the keys the template gives it, so
// defaults inside an item are not drift. Numbers compare by value (a
// template's 3 is the API server's 3 whether decoded as int or float).
// Owner references are matched by uid, as the API server keys them.
func Drift(rendered, live *unstructured.Unstructured) []string {
	var drifted []string
	for key, want := range rendered.Object {
		switch key {
		case "apiVersion", "kind", "status":
			continue
		case "metadata":
			drifted = append(drifted, metadataDrift(rendered, live)...)
		default:
			drifted = append(drifted, valueDrift(key, want, live.Object[key])...)
		}
	}
	slices.Sort(drifted)
	return drifted
}

// metadataDrift compares the labels, annotations and owner references the
// rendered object sets; name and namespace are how the live one was found,
// and the rest of metadata is the API server's.
func metadataDrift(rendered, live *unstructured.Unstructured) []string {
	var drifted []string
	have := live.GetLabels()
	for k, v := range rendered.GetLabels() {
		if got, ok := have[k]; !ok || got != v {
			drifted = append(drifted, "metadata.labels."+k)
		}
	}
	have = live.GetAnnotations()
	for k, v := range rendered.GetAnnotations() {
		if got, ok := have[k]; !ok || got != v {
			drifted = append(drifted, "metadata.annotations."+k)
		}
	}
	owners := live.GetOwnerReferences()
	for _, want := range rendered.GetOwnerReferences() {
		i := slices.IndexFunc(owners, func(o metav1OwnerReference) bool { return o.UID == want.UID })
		if i < 0 || !reflect.DeepEqual(owners[i], want) {
			drifted = append(drifted, "metadata.ownerReferences")
			break
		}
	}
	return drifted
}

// valueDrift compares one rendered value with the live one at path.
func valueDrift(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path}
		}
		var drifted []string
		for k, v := range w {
			drifted = append(drifted, valueDrift(path+"."+k, v, g[k])...)
		}
		return drifted
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{path}
		}
		var drifted []string
		for i := range w {
			drifted = append(drifted, valueDrift(path+"["+strconv.Itoa(i)+"]", w[i], g[i])...)
		}
		return drifted
	default:
		if !sameScalar(want, got) {
			return []string{path}
		}
		return nil
	}
}

// sameScalar compares two decoded JSON scalars, numbers by value.
func sameScalar(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	default:
		return 0, false
	}
}

// DriftMessage names the restored fields of one object for an event:
// "restored spec.color of Widget alice-widget".
func DriftMessage(fields []string, kind, name string) string {
	const most = 5 // an event is read by a person: a long list is cut
	shown := fields
	more := ""
	if len(shown) > most {
		shown, more = shown[:most], fmt.Sprintf(" and %d more", len(fields)-most)
	}
	list := ""
	for i, f := range shown {
		switch {
		case i == 0:
		case i == len(shown)-1 && more == "":
			list += " and "
		default:
			list += ", "
		}
		list += f
	}
	return fmt.Sprintf("restored %s%s of %s %s", list, more, kind, name)
}
