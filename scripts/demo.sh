#!/usr/bin/env bash
# The demo pipe: a local fake Secoda API → tap-secoda → target-postgres, then what was loaded.
# Needs only Node 20 + npm. Loads into $DATABASE_URL / PG* when set, else the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
"$PNPM" exec turbo run build --output-logs=errors-only >&2

SCALE="${DEMO_SCALE:-1000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/secoda-demo.XXXXXX")"
cleanup() { [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# 1. The fake Secoda API on a free local port; its first stdout line is its URL.
node packages/fake-secoda/dist/cli.js --port 0 --seed 1 --scale "$SCALE" --api-key demo-key >"$WORK/fake.out" 2>"$WORK/fake.log" &
FAKE_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/fake.out" ] && break; sleep 0.1; done
URL="$(head -n 1 "$WORK/fake.out")"
echo "demo: fake Secoda API at $URL (seed 1, scale $SCALE)" >&2

# 2. Configs: the tap talks to the fake; the target loads a real Postgres when one is configured.
printf '{"api_key":"demo-key","base_url":"%s"}\n' "$URL" >"$WORK/tap.json"
if [ -n "${DATABASE_URL:-}" ] || [ -n "${PGHOST:-}" ]; then
  printf '{"default_target_schema":"secoda_demo"}\n' >"$WORK/target.json"
  echo "demo: loading into the PostgreSQL server from DATABASE_URL/PG*, schema secoda_demo" >&2
else
  printf '{"default_target_schema":"secoda_demo","embedded_path":"%s"}\n' "$PWD/.target-postgres" >"$WORK/target.json"
  echo "demo: no DATABASE_URL/PG* set: loading into the embedded PostgreSQL in ./.target-postgres" >&2
fi

# 3. The pipe. The target prints the state it committed; keep the last line for the next run.
set -o pipefail
node apps/tap-secoda/dist/cli.js --config "$WORK/tap.json" \
  | node apps/target-postgres/dist/cli.js --config "$WORK/target.json" >"$WORK/states.jsonl"
mkdir -p .target-postgres && tail -n 1 "$WORK/states.jsonl" >.target-postgres/demo-state.json
echo "demo: done. Last state saved to .target-postgres/demo-state.json (pass it to tap-secoda --state)" >&2

# 4. What was loaded.
node apps/target-postgres/dist/cli.js inspect --config "$WORK/target.json"
