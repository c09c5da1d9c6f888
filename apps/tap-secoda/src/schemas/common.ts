import type { JsonSchema } from "@singerkit/singer";

// Shared JSON Schema fragments (secoda-api.md §4 "General conventions"). Ids are UUID strings,
// timestamps ISO-8601 UTC with microseconds, relations flat UUIDs or UUID arrays.

export const uuid = { type: "string", format: "uuid" } as const satisfies JsonSchema;
export const uuidOrNull = {
  type: ["string", "null"],
  format: "uuid",
} as const satisfies JsonSchema;
/** Lists may come as null (secoda-api.md: "arrays that may be null"). */
export const uuidList = { type: ["array", "null"], items: uuid } as const satisfies JsonSchema;
export const dateTime = { type: "string", format: "date-time" } as const satisfies JsonSchema;
export const dateTimeOrNull = {
  type: ["string", "null"],
  format: "date-time",
} as const satisfies JsonSchema;
export const string = { type: "string" } as const satisfies JsonSchema;
export const stringOrNull = { type: ["string", "null"] } as const satisfies JsonSchema;
export const stringList = { type: ["array", "null"], items: string } as const satisfies JsonSchema;
export const boolean = { type: "boolean" } as const satisfies JsonSchema;
export const integer = { type: "integer" } as const satisfies JsonSchema;
export const integerOrNull = { type: ["integer", "null"] } as const satisfies JsonSchema;
export const numberOrNull = { type: ["number", "null"] } as const satisfies JsonSchema;
/** A free-form JSON object whose keys Secoda does not fix (search_metadata, viewers_delta, …). */
export const freeObject = {
  type: ["object", "null"],
  additionalProperties: true,
} as const satisfies JsonSchema;

/** `id`, `created_at`, `updated_at`: the head of most Secoda objects. */
export const timestamps = {
  created_at: dateTime,
  updated_at: dateTime,
} as const satisfies { [name: string]: JsonSchema };

/** A custom property value as stored on an entity under `properties.custom`. */
export const customPropertyValue = {
  type: "object",
  properties: {
    id: string,
    name: string,
    type: string,
    order: integer,
    value: {},
    options: { type: "array" },
    created_at: dateTime,
    updated_at: dateTime,
  },
} as const satisfies JsonSchema;

/** `properties` of a catalog resource: custom property values plus whatever else Secoda keeps. */
export const resourceProperties = {
  type: "object",
  properties: { custom: { type: "array", items: customPropertyValue } },
  additionalProperties: true,
} as const satisfies JsonSchema;

/**
 * Fields every catalog resource carries (secoda-api.md §4.1, union of the docs' response example and
 * the generated models). All per-type catalog streams extend this.
 */
export const resourceBase = {
  id: uuid,
  ...timestamps,
  entity_type: string,
  native_type: stringOrNull,
  icon: stringOrNull,
  title: string,
  title_full: string,
  title_cased: string,
  description: stringOrNull,
  definition: stringOrNull,
  definition_version: integer,
  multiplayers: uuidList,
  multiplayer_last_modified_by: uuidOrNull,
  multiplayer_last_modified: dateTimeOrNull,
  owners: uuidList,
  owners_groups: uuidList,
  collections: uuidList,
  tags: uuidList,
  teams: uuidList,
  sources: uuidList,
  subscribers: uuidList,
  bookmarked_by: uuidList,
  workspace_id: uuid,
  total_usage: integer,
  internal_usage: integer,
  external_usage: integer,
  internal_users: stringList,
  external_users: stringList,
  published: boolean,
  archived: boolean,
  archived_at: dateTimeOrNull,
  pii: boolean,
  verified: boolean,
  stale: boolean,
  stale_at: dateTimeOrNull,
  forced_unstale_by_user: boolean,
  pristine: boolean,
  url: stringOrNull,
  parent: uuidOrNull,
  children_count: integer,
  integration: uuidOrNull,
  external_updated_at: dateTimeOrNull,
  databuilder_id: stringOrNull,
  properties: resourceProperties,
  search_metadata: freeObject,
  display_metadata: freeObject,
  viewers_delta: freeObject,
  /** A string, or an object in some responses: written as its JSON text then (normalise.ts). */
  current_user_permissions: stringOrNull,
} as const satisfies { [name: string]: JsonSchema };

/** Table-only catalog fields. */
export const tableFields = {
  schema: stringOrNull,
  database: stringOrNull,
  cluster: stringOrNull,
  type: stringOrNull,
  row_count: integerOrNull,
  byte_size: integerOrNull,
  creation_query: {
    type: ["object", "null"],
    properties: { id: uuid, type: string, freq: integerOrNull, definition: stringOrNull },
  },
} as const satisfies { [name: string]: JsonSchema };

/** Column-only catalog fields (`type` is the column's data type here). */
export const columnFields = {
  type: stringOrNull,
  sort_order: integer,
  is_pk: boolean,
  hidden: boolean,
  table_cluster: stringOrNull,
  table_database: stringOrNull,
  table_schema: stringOrNull,
  table_title: stringOrNull,
} as const satisfies { [name: string]: JsonSchema };

/** Dashboards, charts and jobs name the BI product they come from. */
export const productFields = { product: stringOrNull } as const satisfies {
  [name: string]: JsonSchema;
};

/** Question fields (also present on catalog rows of type question). */
export const questionFields = {
  status: stringOrNull,
  priority: stringOrNull,
  reactions: freeObject,
  answer: uuidOrNull,
  assigned_to: uuidOrNull,
  votes_sum: integer,
  current_user_vote: integerOrNull,
  question_status: stringOrNull,
  question_priority: stringOrNull,
  question_answered_by: uuidOrNull,
  question_assigned_to: uuidOrNull,
} as const satisfies { [name: string]: JsonSchema };

/** A record schema: an object with the given properties and the key always present. */
export function recordSchema<P extends { readonly [name: string]: JsonSchema }>(
  properties: P,
  required: readonly (keyof P & string)[] = ["id"],
) {
  return { type: "object", properties, required } as const;
}
