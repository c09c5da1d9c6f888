// Regenerates the settings tables in README.md and the plugins' READMEs from each plugin's `--about --format markdown`,
// between `<!-- settings:NAME -->` and `<!-- /settings:NAME -->`. `--check` fails when stale.
// Usage: node scripts/readme-settings.mjs [--check]   (after `npm run build`)
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const plugins = {
  "tap-secoda": "apps/tap-secoda/dist/cli.js",
  "target-postgres": "apps/target-postgres/dist/cli.js",
};

function table(cli) {
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

// The root README holds both tables; each plugin's README holds its own.
const files = ["README.md", "apps/tap-secoda/README.md", "apps/target-postgres/README.md"];
const tables = Object.fromEntries(Object.entries(plugins).map(([name, cli]) => [name, table(cli)]));
const stale = [];
for (const file of files) {
  const path = `${root}/${file}`;
  const current = readFileSync(path, "utf8");
  let next = current;
  let found = 0;
  for (const [name, text] of Object.entries(tables)) {
    const open = `<!-- settings:${name} -->`;
    const close = `<!-- /settings:${name} -->`;
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
    `settings tables are stale in ${stale.join(", ")}: run \`node scripts/readme-settings.mjs\`\n`,
  );
  process.exit(1);
}
