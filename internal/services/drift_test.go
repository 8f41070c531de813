package services

import (
	"encoding/json"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// liveOf decodes JSON the way the API server's answers are decoded (numbers
// that are whole become int64), so the table speaks of real live objects.
func liveOf(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON([]byte(doc)); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	return obj
}

func TestDrift(t *testing.T) {
	class := testClass(`{"apiVersion":"shop.example.com/v1","kind":"Widget",
		"metadata":{"labels":{"tier":"gold"}},
		"spec":{"color":"blue","size":3,"tags":["a","b"],"ports":[{"name":"http","port":80}]}}`, nil)
	rendered, err := Render(Request{Class: class, User: testUser(), Assignment: iamv1alpha1.ServiceAssignment{ServiceClass: "mailbox"}})
	if err != nil {
		t.Fatal(err)
	}
	asLive := func(t *testing.T, change func(map[string]any)) *unstructured.Unstructured {
		data, err := json.Marshal(rendered.Object)
		if err != nil {
			t.Fatal(err)
		}
		live := liveOf(t, string(data))
		live.SetResourceVersion("42")
		live.SetUID("uid-widget")
		if change != nil {
			change(live.Object)
		}
		return live
	}
	spec := func(o map[string]any) map[string]any { return o["spec"].(map[string]any) }
	meta := func(o map[string]any) map[string]any { return o["metadata"].(map[string]any) }

	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		want   []string
	}{
		{name: "as applied", want: nil},
		{name: "a whole number decodes as int64 and is the same", change: func(o map[string]any) { spec(o)["size"] = int64(3) }, want: nil},
		{name: "an owned field edited", change: func(o map[string]any) { spec(o)["color"] = "red" }, want: []string{"spec.color"}},
		{name: "an owned field removed", change: func(o map[string]any) { delete(spec(o), "color") }, want: []string{"spec.color"}},
		{name: "an owned number changed", change: func(o map[string]any) { spec(o)["size"] = int64(4) }, want: []string{"spec.size"}},
		{name: "a number turned into a string", change: func(o map[string]any) { spec(o)["size"] = "3" }, want: []string{"spec.size"}},
		{name: "the whole spec replaced by a scalar", change: func(o map[string]any) { o["spec"] = "gone" },
			want: []string{"spec"}},
		{name: "a list item changed", change: func(o map[string]any) { spec(o)["tags"] = []any{"a", "c"} }, want: []string{"spec.tags[1]"}},
		{name: "a list grown", change: func(o map[string]any) { spec(o)["tags"] = []any{"a", "b", "c"} }, want: []string{"spec.tags"}},
		{name: "a field defaulted inside a list item is not drift", change: func(o map[string]any) {
			spec(o)["ports"].([]any)[0].(map[string]any)["protocol"] = "TCP"
		}, want: nil},
		{name: "a field inside a list item edited", change: func(o map[string]any) {
			spec(o)["ports"].([]any)[0].(map[string]any)["port"] = int64(8080)
		}, want: []string{"spec.ports[0].port"}},
		{name: "fields others add are theirs", change: func(o map[string]any) {
			spec(o)["replicas"] = int64(2)
			o["status"] = map[string]any{"phase": "Ready"}
			meta(o)["annotations"].(map[string]any)["other.example.com/note"] = "kept"
			meta(o)["labels"].(map[string]any)["team"] = "blue"
			meta(o)["finalizers"] = []any{"shop.example.com/cleanup"}
		}, want: nil},
		{name: "an owned label edited", change: func(o map[string]any) { meta(o)["labels"].(map[string]any)["tier"] = "silver" },
			want: []string{"metadata.labels.tier"}},
		{name: "the user label removed", change: func(o map[string]any) { delete(meta(o)["labels"].(map[string]any), iamv1alpha1.UserLabel) },
			want: []string{"metadata.labels." + iamv1alpha1.UserLabel}},
		{name: "the template hash edited", change: func(o map[string]any) {
			meta(o)["annotations"].(map[string]any)[iamv1alpha1.ServiceTemplateHashAnnotation] = "x"
		}, want: []string{"metadata.annotations." + iamv1alpha1.ServiceTemplateHashAnnotation}},
		{name: "another owner added beside the user", change: func(o map[string]any) {
			meta(o)["ownerReferences"] = append(meta(o)["ownerReferences"].([]any),
				map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "uid-x"})
		}, want: nil},
		{name: "the user's owner reference removed", change: func(o map[string]any) { delete(meta(o), "ownerReferences") },
			want: []string{"metadata.ownerReferences"}},
		{name: "several fields, sorted", change: func(o map[string]any) {
			spec(o)["size"] = int64(9)
			spec(o)["color"] = "red"
		}, want: []string{"spec.color", "spec.size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Drift(rendered, asLive(t, tc.change))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Drift = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDriftMessage(t *testing.T) {
	for _, tc := range []struct {
		fields []string
		want   string
	}{
		{[]string{"spec.color"}, "restored spec.color of Widget alice-widget"},
		{[]string{"spec.color", "spec.size"}, "restored spec.color and spec.size of Widget alice-widget"},
		{[]string{"a", "b", "c"}, "restored a, b and c of Widget alice-widget"},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, "restored a, b, c, d, e and 2 more of Widget alice-widget"},
	} {
		if got := DriftMessage(tc.fields, "Widget", "alice-widget"); got != tc.want {
			t.Errorf("DriftMessage(%q) = %q, want %q", tc.fields, got, tc.want)
		}
	}
}
