#!/usr/bin/env bash
# Runs every benchmark (bench/*.ts, or the ones named) and prints its figures. Each benchmark
# starts its own servers and writes its results file under bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/build.sh
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(bench/*.ts)
for f in "${files[@]}"; do
  echo "== $f"
  npx tsx "$f"
done
