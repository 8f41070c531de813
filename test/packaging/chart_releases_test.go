package packaging

import (
	"strings"
	"testing"
)

// TestChartWithTheLongestReleaseNamePassesServerDryRun installs under the
// longest name Helm allows (53 characters): every name the chart derives
// from it must still be valid, the Services' within the 63 characters of a
// DNS label. Two such names that start alike must not give the same
// cluster-wide names.
func TestChartWithTheLongestReleaseNamePassesServerDryRun(t *testing.T) {
	const (
		release   = "tenantry-for-the-accounts-of-the-eu-west-region-first"
		namespace = "tenantry-eu-west"
	)
	if len(release) != 53 {
		t.Fatalf("the release name has %d characters, want Helm's maximum 53", len(release))
	}
	docs := renderRelease(t, release, namespace, "--values", haValues)
	for _, d := range docs {
		if d.Kind == "Service" && len(d.Metadata.Name) > 63 {
			t.Errorf("Service %s has %d characters, more than a DNS label's 63", d.Metadata.Name, len(d.Metadata.Name))
		}
	}

	other := renderRelease(t, strings.TrimSuffix(release, "first")+"other", namespace, "--values", haValues)
	names := map[string]bool{}
	for _, d := range docs {
		names[d.Kind+" "+d.Metadata.Name] = true
	}
	for _, d := range other {
		if d.Kind != "CustomResourceDefinition" && names[d.Kind+" "+d.Metadata.Name] {
			t.Errorf("releases whose names differ only at the end both render %s %s", d.Kind, d.Metadata.Name)
		}
	}

	kubectl(t, nil, "apply", "-f", foreignCRDs)
	createNamespace(t, namespace)
	createNamespace(t, leaderElectionNamespace)
	applyServerDryRun(t, docs)
}
