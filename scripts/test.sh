#!/usr/bin/env bash
# The one test command (README, .ci/run): sets up what a fresh machine lacks, then runs the type
# check, the unused-code check (knip) and every test on each supported Node.js (22 and 24, from
# scripts/node-runtimes.sh), whatever Node.js the machine has. Debian packages are installed by jest's global setup
# (test/harness/debian.ts) when missing. Arguments go to jest (a file or -t pattern).
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
# Formatting (Prettier), typescript-eslint's type-checked rules, the dashboard page's script
# checked against the /dashboard/data types.
npm run -s lint
# No import cycles in src/ (config <-> collectors was one): madge exits non-zero and lists each cycle.
npx madge --circular --extensions ts --ts-config tsconfig.json --no-spinner src
# Unused files, exports and dependencies fail the run (knip.jsonc lists the entry points).
npx knip --no-progress
mapfile -t runtimes < <(bash scripts/node-runtimes.sh)
# Children the tests spawn (the built CLI, s3rver) run on process.execPath: the same runtime.
jest() { "$node" node_modules/jest/bin/jest.js "$@"; }
if [ $# -gt 0 ]; then
  # A file or pattern given: just that, on each runtime.
  for node in "${runtimes[@]}"; do
    echo "== jest on Node.js $("$node" --version)"
    jest "$@"
  done
  exit 0
fi
# The monitoring-stack tests (real Prometheus and Alertmanager timing alerts with the shipped
# intervals) spend minutes waiting on `for:` and group timers, not CPU. They run once, on the
# first runtime (Node.js 22, whose support the suite must prove), in their own jest process
# beside the rest, each in its own worker; everything else runs on every runtime.
STACK_TESTS='test/e2e/(ha|detection|two-exporters)\.test\.ts$'
# Two jest processes start at once: install missing Debian packages once, before either does.
npx tsx -e "require('./test/harness/debian').ensureDebianPackages()"
stack_log=$(mktemp)
for i in "${!runtimes[@]}"; do
  node=${runtimes[$i]}
  echo "== jest on Node.js $("$node" --version)"
  stack_pid=
  if [ "$i" = 0 ]; then
    jest --maxWorkers=3 "$STACK_TESTS" >"$stack_log" 2>&1 &
    stack_pid=$!
  fi
  status=0
  jest --testPathIgnorePatterns "$STACK_TESTS" || status=$?
  if [ -n "$stack_pid" ]; then
    wait "$stack_pid" || status=$?
    echo "== monitoring-stack tests on Node.js $("$node" --version)"
    cat "$stack_log"
  fi
  [ "$status" = 0 ] || exit "$status"
done
