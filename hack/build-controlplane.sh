#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, etcd,
# kubectl) from the Go
# modules pinned under hack/tools, because the usual envtest download is not
# reachable from every machine that runs the tests.
#
# The binaries go into a cache directory outside the clone, keyed by the
# pinned versions, so a fresh clone on the same machine reuses them. The
# script prints that directory; KUBEBUILDER_ASSETS points at it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

version_of() { # module go.mod-dir
	awk -v m="$1" '$1 == m || ($1 == "require" && $2 == m) { print $NF; exit }' "$2/go.mod"
}

kube_version="$(version_of k8s.io/kubernetes "$here/tools/controlplane")"
etcd_version="$(version_of go.etcd.io/etcd/server/v3 "$here/tools/etcd")"
cache_root="${TENANTRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tenantry}"
assets="$cache_root/controlplane-kube-${kube_version}-etcd-${etcd_version}"

if [[ -x "$assets/kube-apiserver" && -x "$assets/kube-controller-manager" && -x "$assets/etcd" && -x "$assets/kubectl" ]]; then
	echo "$assets"
	exit 0
fi

mkdir -p "$assets"
# Two test runs started at once on a fresh machine build once: the second
# waits for the first and then finds the binaries in place.
exec 9>"$cache_root/.build.lock"
flock 9
if [[ -x "$assets/kube-apiserver" && -x "$assets/kube-controller-manager" && -x "$assets/etcd" && -x "$assets/kubectl" ]]; then
	echo "$assets"
	exit 0
fi
staging="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$staging"' EXIT

echo "building kube-apiserver, kube-controller-manager and kubectl ${kube_version}, etcd ${etcd_version} into $assets (about ten minutes the first time)" >&2
(
	cd "$here/tools/controlplane"
	CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags='-s -w' -o "$staging/" \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kubectl
)
(
	cd "$here/tools/etcd"
	CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags='-s -w' -o "$staging/etcd" go.etcd.io/etcd/server/v3
)
# Move into place only once all four built, so an interrupted build is
# never mistaken for a finished one.
mv "$staging"/kube-apiserver "$staging"/kube-controller-manager "$staging"/kubectl "$staging"/etcd "$assets/"
echo "$assets"
