import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export { streamTable } from "../../src/readme-tables.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** The README's settings table: the one the built `tap-secoda --about --format markdown` prints. */
export function settingsTable(): string {
  const markdown = execFileSync(process.execPath, [cli, "--about", "--format", "markdown"], {
    encoding: "utf8",
  });
  const start = markdown.indexOf("| Setting |");
  return markdown.slice(start).trim();
}
