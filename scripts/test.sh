#!/usr/bin/env bash
# The one test command (README, .ci/run): sets up what a fresh machine lacks, then runs
# the type check and every test. Debian packages are installed by jest's global setup
# (test/harness/debian.ts) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/build.sh
npx tsc -p tsconfig.test.json
npx jest "$@"
