#!/usr/bin/env bash
# Runs a command with the project's toolchain: installs the pinned pnpm into ./.tools and the
# dependencies when missing (scripts/bootstrap.sh), puts pnpm and the workspace bins (turbo,
# biome, tsc, vitest) on PATH, then runs "$@" from the repository root.
#   bash scripts/with-tools.sh turbo run build
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
exec "$@"
