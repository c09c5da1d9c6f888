/**
 * What exists and how it hangs together. Record counts are a function of `scale`; parents are a
 * function of the child's index (`child k → parent k mod P`), so relations need no stored links.
 *
 *   integration → database → schema → table → column
 *   integration → dashboard → chart;  integration → event category → event
 *   question → question reply;  collection / document / glossary → same type (nested)
 */

/** Kinds that appear in /api/v1/resource/catalog, in catalog order. */
export const CATALOG_KINDS = [
  "database",
  "schema",
  "table",
  "column",
  "dashboard",
  "chart",
  "event_category",
  "event",
  "collection",
  "document",
  "glossary",
  "question",
  "question_reply",
  "query",
] as const;

/** Kinds served only by their own endpoints. */
export const WORKSPACE_KINDS = [
  "integration",
  "user",
  "group",
  "team",
  "tag",
  "custom_property",
  "lineage",
  "monitor",
  "incident",
  "audit_log",
] as const;

export type CatalogKind = (typeof CATALOG_KINDS)[number];
export type Kind = CatalogKind | (typeof WORKSPACE_KINDS)[number];
export const KINDS: readonly Kind[] = [...CATALOG_KINDS, ...WORKSPACE_KINDS];

/** Id spaces that are not kinds: the workspace itself and monitor measurements (not served). */
export const WORKSPACE_ID_SPACE = 255;
export const MEASUREMENT_ID_SPACE = 254;

/** The smallest scale for which the catalog holds exactly `scale` records. */
export const MIN_SCALE = 100;

export function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

export function isCatalogKind(kind: Kind): kind is CatalogKind {
  return (CATALOG_KINDS as readonly string[]).includes(kind);
}

const KIND_INDEX = new Map<Kind, number>(KINDS.map((kind, i) => [kind, i]));

export function kindIndex(kind: Kind): number {
  return KIND_INDEX.get(kind) ?? -1;
}

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

const SHARES: Readonly<Record<Exclude<CatalogKind, "column">, readonly [number, number]>> = {
  database: [0.002, 2],
  schema: [0.008, 4],
  table: [0.12, 12],
  dashboard: [0.01, 2],
  chart: [0.04, 4],
  event_category: [0.003, 2],
  event: [0.03, 4],
  collection: [0.01, 3],
  document: [0.02, 3],
  glossary: [0.02, 3],
  question: [0.01, 2],
  question_reply: [0.02, 3],
  query: [0.02, 2],
};

export type Counts = Readonly<Record<Kind, number>>;

const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(high, value));

/** Base record counts. The catalog kinds add up to exactly `scale`; columns take the rest. */
export function countsFor(scale: number): Counts {
  if (!Number.isInteger(scale) || scale < MIN_SCALE) {
    throw new RangeError(`scale must be an integer >= ${MIN_SCALE}, got ${scale}`);
  }
  const shares = Object.entries(SHARES).map(([kind, [share, min]]) => [
    kind,
    Math.max(min, Math.floor(scale * share)),
  ]);
  const counts: Record<string, number> = Object.fromEntries(shares);
  const others = shares.reduce((sum, [, n]) => sum + Number(n), 0);
  const monitors = Math.max(6, Math.floor(scale * 0.005));
  const users = clamp(Math.floor(scale / 200), 20, 500);
  const tables = counts.table ?? 0;
  return {
    ...counts,
    column: scale - others,
    integration: INTEGRATIONS.length,
    user: users,
    group: Math.max(4, Math.floor(users / 8)),
    team: 5,
    tag: clamp(Math.floor(scale / 100), 12, 300),
    custom_property: 6,
    lineage: 2 * Math.max(5, Math.floor(tables * 0.75)),
    monitor: monitors,
    incident: Math.max(6, Math.floor(monitors * 1.2)),
    audit_log: Math.max(60, Math.floor(scale * 0.05)),
  } as Counts; // every Kind key is set above: the SHARES keys plus column and the workspace kinds
}

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
