#!/usr/bin/env bash
# Installs the toolchain and dependencies from nothing but Node 20 + npm. Source it to get $PNPM.
# pnpm comes from npm into ./.tools (no root, no corepack: Node 20's corepack cannot fetch pnpm).
# Sourced by the other scripts (which set -euo pipefail themselves) or by hand into a shell;
# strict mode only when run directly, so a sourcing interactive shell is not changed.
[ "${BASH_SOURCE[0]}" = "$0" ] && set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$ROOT/package.json")"

if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null | tail -1)" = "$PNPM_VERSION" ]; then
  PNPM="pnpm"
else
  PNPM="$ROOT/.tools/node_modules/.bin/pnpm"
  if [ ! -x "$PNPM" ] || [ "$("$PNPM" --version 2>/dev/null | tail -1)" != "$PNPM_VERSION" ]; then
    echo "bootstrap: installing pnpm@$PNPM_VERSION into .tools/ with npm" >&2
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --no-save "pnpm@$PNPM_VERSION" >&2
  fi
fi
export PNPM
# turbo (and anything else that runs "pnpm") looks the package manager up on PATH: put the pinned one
# first, with the workspace's own bins (turbo, biome, tsc, vitest) after it.
if [ "$PNPM" != "pnpm" ]; then PNPM_DIR="$(dirname "$PNPM")"; else PNPM_DIR="$(dirname "$(command -v pnpm)")"; fi
export TURBO_TELEMETRY_DISABLED=1
export PATH="$PNPM_DIR:$ROOT/node_modules/.bin:$PATH"

# Install when nothing is installed yet, or the lockfile or a package.json changed since.
stale() {
  local stamp="$ROOT/node_modules/.modules.yaml"
  [ ! -f "$stamp" ] || [ "$ROOT/pnpm-lock.yaml" -nt "$stamp" ] ||
    [ -n "$(find "$ROOT" -name package.json -not -path '*/node_modules/*' -not -path "$ROOT/.tools/*" -newer "$stamp" -print -quit)" ]
}
if stale; then
  echo "bootstrap: $PNPM install --frozen-lockfile" >&2
  (cd "$ROOT" && "$PNPM" install --frozen-lockfile --config.confirm-modules-purge=false >&2)
  touch "$ROOT/node_modules/.modules.yaml"
fi
