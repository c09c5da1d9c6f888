#!/usr/bin/env bash
# The whole test suite: build, lint + format check, generated docs, the packed npm packages,
# typecheck, unit and integration tests.
# Needs PostgreSQL (PG* / DATABASE_URL, default 127.0.0.1:5432 user postgres db test); outside CI
# Postgres-backed tests skip with a reason when it is unreachable, with CI=true they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

if [ "${CI:-}" = "true" ] && command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  echo "test: starting the local PostgreSQL cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi

"$PNPM" exec turbo run build
"$PNPM" exec biome check .
node scripts/meltano-yml.mjs --check
node scripts/readme-settings.mjs --check
node scripts/pack-check.mjs   # the npm packages as published: packed, installed, run (~30 s)
"$PNPM" exec turbo run typecheck
"$PNPM" exec turbo run test --concurrency=1
