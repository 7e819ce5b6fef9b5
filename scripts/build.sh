#!/usr/bin/env bash
# Compiles src/ into dist/ (incremental, so `npm start` only pays for what changed) and records
# the git revision for jobstack_exporter_build_info.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
# Type declarations of the `jobstack-exporter/instrument` subpath export (its files only).
npx tsc -p tsconfig.instrument.json --incremental --tsBuildInfoFile dist/.tsbuildinfo-instrument
# The built-in dashboard page is static: copy it next to the compiled code that serves it.
mkdir -p dist/dashboard/page && cp src/dashboard/page/* dist/dashboard/page/
rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
printf '{"revision":"%s"}\n' "$rev" > dist/build-info.json
chmod +x dist/cli.js
