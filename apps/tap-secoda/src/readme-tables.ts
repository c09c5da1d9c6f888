import type { StreamDef } from "./stream-def.js";
import { STREAM_DEFS } from "./streams.js";

/** The Notes cell of a stream's README row: its description plus the flags that shape its reads. */
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

/**
 * The README's stream table, rendered from the stream table itself. `scripts/readme-settings.mjs`
 * writes it between `<!-- streams:tap-secoda -->` markers (`--check` fails when it is stale).
 */
export function streamTable(defs: readonly StreamDef[] = STREAM_DEFS): string {
  const rows = defs.map(
    (def) =>
      `| \`${def.name}\` | \`${def.path}\` | ${def.keyProperties.join(", ")} | ${def.replicationKey === undefined ? "FULL_TABLE" : `INCREMENTAL (${def.replicationKey})`} | ${notes(def)} |`,
  );
  return ["| Stream | Path | Key | Replication | Notes |", "|:--|:--|:--|:--|:--|", ...rows].join(
    "\n",
  );
}
