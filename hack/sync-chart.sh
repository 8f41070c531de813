#!/usr/bin/env bash
# Copies what controller-gen generates (CRDs, the manager's ClusterRole rules,
# the webhook configurations), the leader election rules, the alerts and the
# built-in roles into the Helm chart, which
# cannot read files outside its own directory. `make manifests` runs it, so
# `make verify` fails when the chart is behind config/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

chart=dist/chart
rm -rf "$chart/crds" "$chart/files"
mkdir -p "$chart/crds" "$chart/files/roles"
cp config/crd/bases/*.yaml "$chart/crds/"
# role.yaml holds the ClusterRole, then the Role in the operator's namespace
# (markers with namespace=system: Secrets there only); the chart reads each.
awk -v cluster="$chart/files/manager-role.yaml" -v namespaced="$chart/files/manager-credentials-role.yaml" '
	/^---$/ { if (seen) docs++; next }
	{ seen = 1 }
	docs > 1 { print "role.yaml holds more than a ClusterRole and one Role" > "/dev/stderr"; exit 1 }
	{ print > (docs == 0 ? cluster : namespaced) }
' config/rbac/role.yaml
cp config/webhook/manifests.yaml "$chart/files/webhooks.yaml"
cp config/rbac/grantable_builtin_roles.yaml "$chart/files/grantable-builtin-roles.yaml"
# The chart grants these rules in leaderElection.namespace.
cp config/rbac/leader_election_role.yaml "$chart/files/leader-election-role.yaml"
# The chart's PrometheusRule takes the spec of config/prometheus's, whose
# rules internal/metrics checks against the registered metrics.
cp config/prometheus/alerts.yaml "$chart/files/alerts.yaml"
for role in config/roles/*.yaml; do
	[[ "$(basename "$role")" == kustomization.yaml ]] && continue
	cp "$role" "$chart/files/roles/"
done
