#!/usr/bin/env bash
# Builds one of Tenantry's binaries as a release ships it: static (no cgo),
# without local paths or debug symbols, with the version stamped in when
# VERSION (and REVISION, the commit) are set. The image's manager, `make
# release` and the Dockerfile all build through here, so the release's
# build flags live in one place.
#
# Usage: [GOOS=.. GOARCH=..] [VERSION=v0.1.0 REVISION=<commit>] hack/build-release-binary.sh <main package> <output path>
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 <main package, e.g. ./cmd/manager> <output path>" >&2
	exit 2
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pkg=github.com/tenantry-io/tenantry/internal/version
ldflags="-s -w"
[[ -z "${VERSION:-}" ]] || ldflags+=" -X $pkg.version=$VERSION"
[[ -z "${REVISION:-}" ]] || ldflags+=" -X $pkg.revision=$REVISION"
CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$2" "$1"
