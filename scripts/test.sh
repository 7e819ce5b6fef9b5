#!/usr/bin/env bash
# The one test command (README, .ci/run): sets up what a fresh machine lacks, then runs
# the type check and every test. Debian packages are installed by jest's global setup
# (test/harness/debian.ts) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install`, not `npm ci`: it honours the lockfile too, and unlike `npm ci` it does not
# insist on lockfile entries for other platforms' optional binaries (@swc/core-darwin-*, ...),
# which a registry mirror without those packages cannot provide.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
bash scripts/build.sh
npx tsc -p tsconfig.test.json
npx jest "$@"
