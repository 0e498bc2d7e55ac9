#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Meson test (suite 'clients'): bodies from the OpenTelemetry JS SDK through
# otlpcat. The shared samples always; bodies generated now by the SDK (npm
# modules installed by scripts/setup) when node and the modules are there.
set -euo pipefail
otlpcat=$1
here=$(cd "$(dirname "$0")" && pwd)
dirs=("$here/../data/samples")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v node >/dev/null && [ -d "$here/node_modules/@opentelemetry/sdk-trace-base" ]; then
	node "$here/gen-bodies.mjs" "$tmp/gen"
	dirs+=("$tmp/gen")
else
	echo "the OpenTelemetry JS SDK is not installed (scripts/setup): generated bodies skipped"
fi
exec python3 "$here/check_bodies.py" "$otlpcat" "${dirs[@]}"
