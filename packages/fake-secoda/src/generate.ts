import { catalogFastField, catalogRecord } from "./gen-catalog.js";
import { createdMicros, updatedMicros } from "./gen-common.js";
import { opsDependencies } from "./gen-ops.js";
import type { JsonObject, JsonValue } from "./json.js";
import { generatedTimestamp, isCatalogKind, type Kind, workspaceSpec } from "./kinds.js";
import { PARENT_KIND, parentIndex } from "./layout.js";
import { type Ref, refOf } from "./refs.js";
import type { World } from "./world.js";

/** Builds record k of a kind. Pure: same world state, same record. */
export function recordOf(world: World, kind: Kind, k: number): JsonObject {
  if (isCatalogKind(kind)) return catalogRecord(world, kind, k);
  const spec = workspaceSpec(kind);
  if (spec === undefined) throw new Error(`kind ${kind} has no generator`); // catalog kinds returned above
  return spec.record(world, k);
}

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
  const spec = workspaceSpec(kind);
  if (spec?.timestamps === true) {
    const timestamp = generatedTimestamp(world, kind, k, field);
    if (timestamp !== undefined) return timestamp;
  }
  return spec?.fastField?.(world, k, field);
}

/** `created_at` / `updated_at` in microseconds, for kinds whose timestamps are generated. */
export function timestampMicros(
  world: World,
  kind: Kind,
  k: number,
  field: string,
): number | undefined {
  const generated = isCatalogKind(kind) || workspaceSpec(kind)?.timestamps === true;
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
