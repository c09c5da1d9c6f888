import { catalogFastField, catalogRecord } from "./gen-catalog.js";
import { created, createdMicros, updated, updatedMicros } from "./gen-common.js";
import {
  auditLogRecord,
  incidentRecord,
  integrationTypeOf,
  lineageEnds,
  lineageRecord,
  monitorRecord,
  opsDependencies,
} from "./gen-ops.js";
import {
  ARCHIVED_TEAM,
  customPropertyRecord,
  groupRecord,
  hasJoinedTeam,
  integrationRecord,
  tagRecord,
  teamRecord,
  userRecord,
} from "./gen-workspace.js";
import type { JsonObject, JsonValue } from "./json.js";
import { isCatalogKind, type Kind, PARENT_KIND, parentIndex } from "./layout.js";
import { type Ref, refOf, unref } from "./refs.js";
import type { World } from "./world.js";

/** Builds record k of a kind. Pure: same world state, same record. */
export function recordOf(world: World, kind: Kind, k: number): JsonObject {
  if (isCatalogKind(kind)) return catalogRecord(world, kind, k);
  switch (kind) {
    case "integration":
      return integrationRecord(world, k);
    case "user":
      return userRecord(world, k);
    case "group":
      return groupRecord(world, k);
    case "team":
      return teamRecord(world, k);
    case "tag":
      return tagRecord(world, k);
    case "custom_property":
      return customPropertyRecord(world, k);
    case "lineage":
      return lineageRecord(world, k);
    case "monitor":
      return monitorRecord(world, k);
    case "incident":
      return incidentRecord(world, k);
    case "audit_log":
      return auditLogRecord(world, k);
  }
}

const HAS_TIMESTAMPS = new Set<Kind>([
  "integration",
  "group",
  "team",
  "tag",
  "monitor",
  "incident",
]);

/**
 * A field computable without building the whole record, or a virtual field used by query
 * parameters (`joined`/`writable` on teams, `integration_type` on lineage). Undefined = build it.
 */
export function fastField(
  world: World,
  kind: Kind,
  k: number,
  field: string,
): JsonValue | undefined {
  if (isCatalogKind(kind)) return catalogFastField(world, kind, k, field);
  if (field === "id") return world.id(kind, k);
  if (HAS_TIMESTAMPS.has(kind) && field === "created_at") return created(world, kind, k);
  if (HAS_TIMESTAMPS.has(kind) && field === "updated_at") return updated(world, kind, k);
  if (kind === "audit_log" && field === "created_at") return created(world, kind, k);
  if (kind === "team" && field === "joined") return hasJoinedTeam(k);
  if (kind === "team" && field === "writable") return hasJoinedTeam(k) && k !== ARCHIVED_TEAM;
  if (kind === "lineage") return lineageField(world, k, field);
  return undefined;
}

function lineageField(world: World, k: number, field: string): JsonValue | undefined {
  const [from, to] = lineageEnds(world, k);
  const id = (ref: Ref) => {
    const { kind, k: index } = unref(ref);
    return world.id(kind, index);
  };
  if (field === "from_entity_id") return id(from);
  if (field === "to_entity_id") return id(to);
  if (field === "integration_type") return integrationTypeOf(world, from);
  return undefined;
}

/** `created_at` / `updated_at` in microseconds, for kinds whose timestamps are generated. */
export function timestampMicros(
  world: World,
  kind: Kind,
  k: number,
  field: string,
): number | undefined {
  const generated = isCatalogKind(kind) || HAS_TIMESTAMPS.has(kind) || kind === "audit_log";
  if (!generated) return undefined;
  if (field === "created_at") return createdMicros(world, kind, k);
  if (field === "updated_at") return updatedMicros(world, kind, k);
  return undefined;
}

/** Records whose deletion makes record k disappear too (parent chain and references). */
export function dependencies(world: World, kind: Kind, k: number): readonly Ref[] {
  const parentKind = PARENT_KIND[kind];
  const parent = parentIndex(world.counts, kind, k);
  if (parentKind !== undefined && parent !== undefined) return [refOf(parentKind, parent)];
  return opsDependencies(world, kind, k);
}
