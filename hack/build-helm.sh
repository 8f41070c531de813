#!/usr/bin/env bash
# Builds helm from the Go module pinned in hack/tools/helm, so linting and
# rendering the chart needs no helm download.
#
# The binary goes into a cache directory outside the clone, keyed by the
# pinned version (a few minutes to build the first time), so a fresh clone on
# the same machine reuses it. The script prints the binary's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v3" { print $3; exit }' "$here/tools/helm/go.mod")"
cache_root="${TENANTRY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tenantry}"
helm="$cache_root/helm-${version}/helm"

if [[ -x "$helm" ]]; then
	echo "$helm"
	exit 0
fi

mkdir -p "$(dirname "$helm")"
staging="$(mktemp -d "$cache_root/.build-XXXXXX")"
trap 'rm -rf "$staging"' EXIT

echo "building helm ${version} into $(dirname "$helm") (a few minutes the first time)" >&2
(
	cd "$here/tools/helm"
	CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags='-s -w' -o "$staging/helm" helm.sh/helm/v3/cmd/helm
)
# Move into place only once built, so an interrupted build is never
# mistaken for a finished one.
mv "$staging/helm" "$helm"
echo "$helm"
