// Regenerates the settings tables in README.md from each plugin's `--about --format markdown`,
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

const path = `${root}/README.md`;
const current = readFileSync(path, "utf8");
let next = current;
for (const [name, cli] of Object.entries(plugins)) {
  const open = `<!-- settings:${name} -->`;
  const close = `<!-- /settings:${name} -->`;
  const from = next.indexOf(open);
  const to = next.indexOf(close);
  if (from === -1 || to === -1) throw new Error(`README.md lacks the ${open} … ${close} markers`);
  next = `${next.slice(0, from + open.length)}\n${table(cli)}\n${next.slice(to)}`;
}
if (process.argv.includes("--check")) {
  if (next !== current) {
    process.stderr.write(
      "README.md settings tables are stale: run `node scripts/readme-settings.mjs`\n",
    );
    process.exit(1);
  }
} else {
  writeFileSync(path, next);
}
