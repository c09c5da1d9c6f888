/**
 * What exists and how it hangs together. Record counts are a function of `scale`; parents are a
 * function of the child's index (`child k → parent k mod P`), so relations need no stored links.
 *
 *   integration → database → schema → table → column
 *   integration → dashboard → chart;  integration → event category → event
 *   question → question reply;  collection / document / glossary → same type (nested)
 */

import type { Counts, Kind } from "./kinds.js";

/** Id spaces that are not kinds: the workspace itself and monitor measurements (not served). */
export const WORKSPACE_ID_SPACE = 255;
export const MEASUREMENT_ID_SPACE = 254;

/** The smallest scale for which the catalog holds exactly `scale` records. */
export const MIN_SCALE = 100;

/** The integrations every workspace has; warehouses first (databases use k mod 4). */
export const INTEGRATIONS = [
  { name: "Prod Snowflake", type: "snowflake" },
  { name: "Analytics BigQuery", type: "bigquery" },
  { name: "App Postgres", type: "postgres" },
  { name: "Legacy Redshift", type: "redshift" },
  { name: "Tableau Cloud", type: "tableau" },
  { name: "Looker", type: "looker" },
  { name: "Segment", type: "segment" },
  { name: "dbt Cloud", type: "dbt" },
] as const;
export const WAREHOUSES = 4;
export const BI_TOOLS = [4, 5] as const;
export const EVENT_SOURCE = 6;

/** The parent kind of each nested kind; self-nesting kinds nest below their first quarter. */
export const PARENT_KIND: Readonly<Partial<Record<Kind, Kind>>> = {
  schema: "database",
  table: "schema",
  column: "table",
  chart: "dashboard",
  event: "event_category",
  question_reply: "question",
  collection: "collection",
  document: "document",
  glossary: "glossary",
};

/** Roots of a self-nesting kind: the first quarter of its base records. */
export function rootCount(counts: Counts, kind: Kind): number {
  return Math.max(1, Math.floor(counts[kind] / 4));
}

/**
 * The parent index of record k, or undefined for a root. Self-nesting kinds: record k beyond the
 * roots has parent `k mod roots` when `floor(k / roots)` is odd, else none.
 */
export function parentIndex(counts: Counts, kind: Kind, k: number): number | undefined {
  const parentKind = PARENT_KIND[kind];
  if (parentKind === undefined) return undefined;
  if (parentKind !== kind) return k % counts[parentKind];
  const roots = rootCount(counts, kind);
  return k >= roots && Math.floor(k / roots) % 2 === 1 ? k % roots : undefined;
}

/** Indices of the children of record k among `size` records of the child kind. */
export function* childIndices(counts: Counts, childKind: Kind, k: number, size: number) {
  const parentKind = PARENT_KIND[childKind];
  if (parentKind === undefined) return;
  const step = parentKind === childKind ? rootCount(counts, childKind) : counts[parentKind];
  if (parentKind === childKind && k >= step) return;
  for (let child = k; child < size; child += step) {
    if (parentIndex(counts, childKind, child) === k) yield child;
  }
}

/** The integration index of a catalog record, or undefined for Secoda-native resources. */
export function integrationIndex(counts: Counts, kind: Kind, k: number): number | undefined {
  switch (kind) {
    case "database":
    case "query":
      return k % WAREHOUSES;
    case "schema":
    case "table":
    case "column":
    case "chart":
      return integrationIndex(counts, PARENT_KIND[kind] ?? kind, parentIndex(counts, kind, k) ?? 0);
    case "dashboard":
      return BI_TOOLS[k % BI_TOOLS.length];
    case "event_category":
    case "event":
      return EVENT_SOURCE;
    default:
      return undefined;
  }
}
