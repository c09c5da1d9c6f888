import {
  type Catalog,
  type FieldSelection,
  isJsonObject,
  isStreamSelected,
  type JsonObject,
  type JsonSchemaObject,
  type Logger,
  replicationOf,
  selectedFields,
  selectRecord,
  selectSchema,
} from "@singerkit/singer";
import { normaliser } from "./normalise.js";
import type { StreamDef } from "./stream-def.js";

/** One stream to sync, with what the catalog chose for it. */
export interface StreamPlan {
  readonly def: StreamDef;
  /** The SCHEMA message's schema: the stream's schema minus deselected fields. */
  readonly schema: JsonSchemaObject;
  /** Drops deselected and undeclared fields; returns the row itself when nothing is dropped. */
  readonly project: (row: JsonObject) => JsonObject;
  /** INCREMENTAL on def.replicationKey (false: FULL_TABLE). */
  readonly incremental: boolean;
  /** The catalog set `selected: true` on the stream (not just selected-by-default). */
  readonly explicitlySelected: boolean;
}

/**
 * The streams to sync, in table order: with no catalog every stream selected by default; with one,
 * the selected streams and fields (key and replication key fields can never be deselected).
 */
export function planStreams(
  defs: readonly StreamDef[],
  catalog: Catalog | undefined,
  log: Logger,
): StreamPlan[] {
  if (catalog === undefined) {
    return defs
      .filter((def) => def.selectedByDefault !== false)
      .map((def) => makePlan(def, true, def.replicationKey !== undefined, false, log));
  }
  const chosen = new Map<string, StreamPlan>();
  for (const entry of catalog.streams) {
    const def = defs.find((candidate) => candidate.name === entry.tap_stream_id);
    if (def === undefined) {
      log.warn(`catalog: stream ${entry.tap_stream_id} is unknown to this tap; ignored`);
      continue;
    }
    if (!isStreamSelected(entry)) continue;
    const { method, key } = replicationOf(entry);
    const incremental = def.replicationKey !== undefined && method !== "FULL_TABLE";
    if (incremental && key !== undefined && key !== def.replicationKey) {
      log.warn(
        `catalog: stream ${def.name} can only replicate on ${def.replicationKey}, not ${key}; using ${def.replicationKey}`,
      );
    }
    const always = [
      ...def.keyProperties,
      ...(def.replicationKey === undefined ? [] : [def.replicationKey]),
    ];
    const root = entry.metadata.find((m) => m.breadcrumb.length === 0)?.metadata;
    const explicit = root?.selected === true || entry.schema.selected === true;
    chosen.set(def.name, makePlan(def, selectedFields(entry, always), incremental, explicit, log));
  }
  return defs.flatMap((def) => chosen.get(def.name) ?? []);
}

function makePlan(
  def: StreamDef,
  selection: FieldSelection,
  incremental: boolean,
  explicitlySelected: boolean,
  log: Logger,
): StreamPlan {
  const declared = def.schema.properties;
  // Only fields our schema declares: a catalog may name fields this version does not know.
  const kept: { [name: string]: FieldSelection } = {};
  for (const name of Object.keys(declared)) {
    const sub = selection === true ? true : selection[name];
    if (sub !== undefined) kept[name] = sub;
  }
  const allKept = Object.keys(kept).length === Object.keys(declared).length;
  const flat = Object.values(kept).every((sub) => sub === true);
  const effective: FieldSelection = allKept && flat ? true : kept;
  return {
    def,
    schema: selectSchema(def.schema, effective),
    project: normalised(
      normaliser(def.schema, def.renames),
      projector(def.name, declared, kept, flat, log),
    ),
    incremental,
    explicitlySelected,
  };
}

/** Normalise (real-API variants), then project; the row itself when neither changes it. */
function normalised(
  normalise: (row: JsonObject) => JsonObject,
  project: (row: JsonObject) => JsonObject,
): (row: JsonObject) => JsonObject {
  return (row) => project(normalise(row));
}

/**
 * The per-record projection. Fast path: a `for…in` over the row's keys finds nothing to drop and
 * the row itself is emitted (no copy). Otherwise a copy with the kept fields only; fields the
 * schema does not declare are reported once per stream, so schema drift is visible.
 */
function projector(
  stream: string,
  declared: { readonly [name: string]: unknown },
  kept: { readonly [name: string]: FieldSelection },
  flat: boolean,
  log: Logger,
): (row: JsonObject) => JsonObject {
  const keep = new Set(Object.keys(kept));
  const reported = new Set<string>();
  const pick = (row: JsonObject): JsonObject => {
    const out: JsonObject = {};
    for (const name in row) {
      const sub = kept[name];
      const value = row[name];
      if (sub === undefined || value === undefined) {
        if (!(name in declared) && !reported.has(name)) {
          reported.add(name);
          log.warn(`stream ${stream}: field ${name} is not in the schema; dropped`);
        }
        continue;
      }
      out[name] = sub !== true && isJsonObject(value) ? selectRecord(value, sub) : value;
    }
    return out;
  };
  if (!flat) return pick;
  return (row) => {
    for (const name in row) if (!keep.has(name)) return pick(row);
    return row;
  };
}
