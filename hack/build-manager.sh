#!/usr/bin/env bash
# Builds the manager exactly as the container image ships it: static (no cgo,
# so it runs on a base without libc), without local paths or debug symbols,
# stamped with VERSION and REVISION when set. `make build-image-binary`, the
# Dockerfile and `make release` build it this way (hack/build-release-binary.sh).
#
# Usage: [GOOS=.. GOARCH=..] [VERSION=.. REVISION=..] hack/build-manager.sh <output path>
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 <output path>" >&2
	exit 2
fi
exec "$(dirname "${BASH_SOURCE[0]}")/build-release-binary.sh" ./cmd/manager "$1"
