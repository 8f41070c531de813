#!/usr/bin/env bash
# Writes NOTICE: Tenantry's own notice, then the NOTICE file of every module
# linked into a released binary (the manager, the kubectl plugin), as the
# Apache License asks of a redistribution. `make verify` regenerates it, so
# a dependency that brings a NOTICE cannot be released without it.
#
# Usage: hack/gen-notice.sh > NOTICE
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cat <<'HEAD'
Tenantry
Copyright 2026 The Tenantry Authors

This product is licensed under the Apache License, Version 2.0 (LICENSE).

The released binaries include the following modules, whose NOTICE files
follow in full.
HEAD

modcache="$(go env GOMODCACHE)"
# The plugin is released for Linux, macOS and Windows, which link a few
# modules of their own.
for goos in linux darwin windows; do
	GOOS=$goos go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}' ./cmd/manager ./cmd/kubectl-tenantry
done | sort -u | while read -r path version; do
	# The module cache escapes capitals as !lowercase.
	dir="$modcache/$(sed -E 's/([A-Z])/!\L\1/g' <<<"$path")@$version"
	for notice in "$dir"/NOTICE "$dir"/NOTICE.txt "$dir"/NOTICE.md; do
		[[ -f "$notice" ]] || continue
		printf '\n================================================================\n%s %s\n================================================================\n\n' "$path" "$version"
		cat "$notice"
	done
done
