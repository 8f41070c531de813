#!/usr/bin/env bash
# Builds the manager exactly as the container image ships it: static (no cgo,
# so it runs on distroless/static), without local paths or debug symbols.
# The Dockerfile and `make build-image-binary` both call this script, so the
# image's build flags live here and nowhere else.
#
# Usage: hack/build-manager.sh <output path>   (GOOS/GOARCH pick the platform)
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 <output path>" >&2
	exit 2
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$1" ./cmd/manager
