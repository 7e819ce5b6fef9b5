#!/usr/bin/env bash
# Runs every benchmark (bench/*.ts, or the ones named) and prints its figures. Each benchmark
# starts its own servers and writes its results file under bench/. Figures are taken on the first
# supported runtime (Node.js 22, from scripts/node-runtimes.sh), never on the machine's Node.js,
# so they describe what users run; BENCH_NODE=/path/to/node picks another.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/build.sh
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(bench/*.ts)
mapfile -t runtimes < <(bash scripts/node-runtimes.sh)
node=${BENCH_NODE:-${runtimes[0]}}
for f in "${files[@]}"; do
  echo "== $f ($("$node" --version))"
  "$node" --import tsx "$f"
done
