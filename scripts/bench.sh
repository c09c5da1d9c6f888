#!/usr/bin/env bash
# Builds what a benchmark runs, then runs it: bash scripts/bench.sh <bench file> [args…]
#   npm run bench -- bench/protocol.mjs 1000000
#   npm run bench -- apps/target-postgres/bench/load.mjs 100000
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: npm run bench -- <bench file> [args…]" >&2; exit 2; }
source scripts/bootstrap.sh
turbo run build --output-logs=errors-only >&2
exec node "$@"
