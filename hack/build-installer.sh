#!/usr/bin/env bash
# Renders the one-file installer: config/default (CRDs, RBAC, webhooks, the
# manager) with the image set to IMG, then the built-in roles of config/roles.
# The image is set in a throwaway overlay, so the committed kustomizations
# stay as they are.
#
# Usage: hack/build-installer.sh <kustomize binary> <image> > dist/install.yaml
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 <kustomize binary> <image>" >&2
	exit 2
fi
# Absolute, since the image is set from inside the overlay.
kustomize="$(command -v "$1")" || { echo "no kustomize at $1" >&2; exit 1; }
[[ "$kustomize" == /* ]] || kustomize="$PWD/$kustomize"
image="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Inside the tree, since kustomize takes only relative paths to bases.
overlay="$(mktemp -d "$root/dist/.installer-XXXXXX")"
trap 'rm -rf "$overlay"' EXIT
printf 'resources:\n- ../../config/default\n' > "$overlay/kustomization.yaml"
# config/manager names the image ghcr.io/tenantry-io/tenantry; IMG replaces it.
(cd "$overlay" && "$kustomize" edit set image "ghcr.io/tenantry-io/tenantry=$image")

"$kustomize" build "$overlay"
echo '---'
"$kustomize" build "$root/config/roles"
