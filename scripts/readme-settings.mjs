// Regenerates the generated tables in README.md and the plugins' READMEs, between
// `<!-- KIND:NAME -->` and `<!-- /KIND:NAME -->` markers:
// - `settings:NAME`: each plugin's settings, from its `--about --format markdown`;
// - `streams:tap-secoda`: the tap's stream table, rendered from src/streams.ts
//   (apps/tap-secoda/dist/readme-tables.js).
// `--check` changes nothing and fails when a table is stale.
// Usage: node scripts/readme-settings.mjs [--check]   (after `npm run build`)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const plugins = {
  "tap-secoda": "apps/tap-secoda/dist/cli.js",
  "target-postgres": "apps/target-postgres/dist/cli.js",
};

function settingsTable(cli) {
  const markdown = execFileSync(
    process.execPath,
    [`${root}/${cli}`, "--about", "--format", "markdown"],
    {
      encoding: "utf8",
    },
  );
  const start = markdown.indexOf("| Setting |");
  return markdown.slice(start).trim();
}

const tapTables = await import(pathToFileURL(`${root}/apps/tap-secoda/dist/readme-tables.js`).href);

/** Marker → generated text. */
const tables = {
  ...Object.fromEntries(
    Object.entries(plugins).map(([name, cli]) => [`settings:${name}`, settingsTable(cli)]),
  ),
  "streams:tap-secoda": tapTables.streamTable(),
};

// The root README holds both settings tables; each plugin's README holds its own (and the tap's
// its stream table).
const files = ["README.md", "apps/tap-secoda/README.md", "apps/target-postgres/README.md"];
const stale = [];
for (const file of files) {
  const path = `${root}/${file}`;
  const current = readFileSync(path, "utf8");
  let next = current;
  let found = 0;
  for (const [marker, text] of Object.entries(tables)) {
    const open = `<!-- ${marker} -->`;
    const close = `<!-- /${marker} -->`;
    const from = next.indexOf(open);
    const to = next.indexOf(close);
    if (from === -1 || to === -1) continue;
    found += 1;
    next = `${next.slice(0, from + open.length)}\n${text}\n${next.slice(to)}`;
  }
  if (found === 0)
    throw new Error(`${file} lacks <!-- settings:NAME --> … <!-- /settings:NAME --> markers`);
  if (next === current) continue;
  if (process.argv.includes("--check")) stale.push(file);
  else writeFileSync(path, next);
}
if (stale.length > 0) {
  process.stderr.write(
    `generated README tables are stale in ${stale.join(", ")}: run \`node scripts/readme-settings.mjs\`\n`,
  );
  process.exit(1);
}
