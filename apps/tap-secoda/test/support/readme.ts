import { renderAbout, withBuiltins } from "@singerkit/singer";
import { tapSpec } from "../../src/run-tap.js";

export { streamTable } from "../../src/readme-tables.js";

/** The README's settings table: the one `--about --format markdown` prints. */
export function settingsTable(): string {
  const markdown = renderAbout(withBuiltins(tapSpec("0.0.0")), "markdown");
  const start = markdown.indexOf("| Setting |");
  return markdown.slice(start).trim();
}
