#!/usr/bin/env bash
# The demo pipe: a local fake Secoda API → tap-secoda → target-postgres, then what was loaded.
# Needs only Node 20 + npm. Loads into $DATABASE_URL / PG* when set, else the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
echo "demo: building (first run only takes a while)" >&2
turbo run build --output-logs=errors-only >&2

SCALE="${DEMO_SCALE:-1000}"
DEMO=".target-postgres/demo"
mkdir -p "$DEMO"
cleanup() { [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null || true; }
trap cleanup EXIT

# 1. The fake Secoda API on a free local port; its first stdout line is its URL.
: >"$DEMO/fake.out"
node packages/fake-secoda/dist/cli.js --port 0 --seed 1 --scale "$SCALE" --admin-key demo-key \
  >"$DEMO/fake.out" 2>"$DEMO/fake.log" &
FAKE_PID=$!
for _ in $(seq 1 100); do [ -s "$DEMO/fake.out" ] && break; sleep 0.1; done
URL="$(head -n 1 "$DEMO/fake.out")"
echo "demo: fake Secoda API at $URL (seed 1, scale $SCALE)" >&2

# 2. Configs: the tap talks to the fake; the target loads a real Postgres when one is configured.
printf '{"api_key":"demo-key","base_url":"%s"}\n' "$URL" >"$DEMO/tap.json"
if [ -n "${DATABASE_URL:-}" ] || [ -n "${PGHOST:-}" ]; then
  printf '{"default_target_schema":"secoda_demo"}\n' >"$DEMO/target.json"
  echo "demo: loading into the PostgreSQL server from DATABASE_URL/PG*, schema secoda_demo" >&2
else
  printf '{"default_target_schema":"secoda_demo","embedded_path":"%s"}\n' "$PWD/.target-postgres/db" >"$DEMO/target.json"
  echo "demo: no DATABASE_URL/PG* set: loading into the embedded PostgreSQL in .target-postgres/db" >&2
fi

# 3. The pipe. The target prints each STATE once the rows before it are committed; the last one
#    is where the next run starts. Logs go to files; the load summary is shown.
echo "demo: tap-secoda | target-postgres (logs: $DEMO/tap.log, $DEMO/target.log)" >&2
node apps/tap-secoda/dist/cli.js --config "$DEMO/tap.json" 2>"$DEMO/tap.log" \
  | node apps/target-postgres/dist/cli.js --config "$DEMO/target.json" >"$DEMO/states.jsonl" 2>"$DEMO/target.log"
tail -n 1 "$DEMO/states.jsonl" >"$DEMO/state.json"
grep -h "load summary" "$DEMO/target.log" | sed 's/^[^ ]* [A-Z]* *target-postgres  /demo: /' >&2

# 4. What was loaded, and how to look further.
node apps/target-postgres/dist/cli.js inspect --config "$DEMO/target.json"
cat >&2 <<TEXT

demo: done. Query the data:
  node apps/target-postgres/dist/cli.js inspect --config $DEMO/target.json --sql "select title, updated_at from secoda_demo.tables limit 5"
Run again incrementally (only changed records are fetched):
  node apps/tap-secoda/dist/cli.js --config $DEMO/tap.json --state $DEMO/state.json | node apps/target-postgres/dist/cli.js --config $DEMO/target.json
(the fake API stops with this script; start it with: node packages/fake-secoda/dist/cli.js --port 8787)
TEXT
