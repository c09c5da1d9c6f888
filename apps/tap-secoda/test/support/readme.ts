import { renderAbout, withBuiltins } from "@singerkit/singer";
import { tapSpec } from "../../src/run-tap.js";
import type { StreamDef } from "../../src/stream-def.js";
import { STREAM_DEFS } from "../../src/streams.js";

function notes(def: StreamDef): string {
  const parts = [def.description.replace(/\.$/, "")];
  if (def.filter !== undefined) parts.push(`filter \`${JSON.stringify(def.filter)}\``);
  if (def.sort !== undefined) parts.push(`sorted ${def.sort.field} ${def.sort.order} (early stop)`);
  if (def.resultCap !== undefined) {
    const by = def.resultCap.partitionBy.map((d) => d.field).join(" → ");
    parts.push(`capped at ${def.resultCap.limit.toLocaleString("en-US")}, split by ${by}`);
  }
  if (def.detailPath !== undefined) parts.push(`detail \`${def.detailPath}\``);
  if (def.access === "admin") parts.push("admin key only");
  if (def.list === "array") parts.push("bare array");
  return parts.join("; ").replaceAll("|", "\\|");
}

/** The README's stream table, rendered from the stream table itself. */
export function streamTable(): string {
  const rows = STREAM_DEFS.map(
    (def) =>
      `| \`${def.name}\` | \`${def.path}\` | ${def.keyProperties.join(", ")} | ${def.replicationKey === undefined ? "FULL_TABLE" : `INCREMENTAL (${def.replicationKey})`} | ${notes(def)} |`,
  );
  return ["| Stream | Path | Key | Replication | Notes |", "|:--|:--|:--|:--|:--|", ...rows].join(
    "\n",
  );
}

/** The README's settings table: the one `--about --format markdown` prints. */
export function settingsTable(): string {
  const markdown = renderAbout(withBuiltins(tapSpec("0.0.0")), "markdown");
  const start = markdown.indexOf("| Setting |");
  return markdown.slice(start).trim();
}
