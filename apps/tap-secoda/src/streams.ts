import { auditLogs } from "./schemas/audit-logs.js";
import { charts } from "./schemas/charts.js";
import { collections } from "./schemas/collections.js";
import { columns } from "./schemas/columns.js";
import { customProperties } from "./schemas/custom-properties.js";
import { dashboards } from "./schemas/dashboards.js";
import { databases } from "./schemas/databases.js";
import { documents } from "./schemas/documents.js";
import { eventCategories } from "./schemas/event-categories.js";
import { events } from "./schemas/events.js";
import { glossaryTerms } from "./schemas/glossary-terms.js";
import { groups } from "./schemas/groups.js";
import { incidents } from "./schemas/incidents.js";
import { integrations } from "./schemas/integrations.js";
import { lineage } from "./schemas/lineage.js";
import { monitors } from "./schemas/monitors.js";
import { queries } from "./schemas/queries.js";
import { questionReplies } from "./schemas/question-replies.js";
import { questions } from "./schemas/questions.js";
import { resources } from "./schemas/resources.js";
import { schemas } from "./schemas/schemas.js";
import { tables } from "./schemas/tables.js";
import { tags } from "./schemas/tags.js";
import { teams } from "./schemas/teams.js";
import { users } from "./schemas/users.js";
import type { Filter, PartitionDimension, Sort, StreamDef } from "./stream-def.js";

// Secoda deprecated the per-type list endpoints (/table/tables, /table/columns, …) in favour of
// the resource catalog filtered by type (secoda-api.md §2), which is also the only list that can
// be sorted by updated_at. It stops at 10,000 results, hence resultCap on every catalog stream.
const CATALOG = "/api/v1/resource/catalog";
/** Any catalog record by id (secoda-api.md §2: pysecoda's get_resource_by_id). */
const RESOURCE = "/api/v1/resource/all/{id}";
const NEWEST_FIRST: Sort = { field: "updated_at", order: "desc" };
const BY_INTEGRATION: PartitionDimension = {
  field: "integration_id",
  valuesFromStream: "integrations",
};
// Exhaustive last resorts when one integration alone is over the cap: halve by title substrings
// (frequent letters first), then by id substrings (UUID hex digits).
const BY_TITLE: PartitionDimension = {
  field: "title",
  substrings: ["e", "a", "t", "o", "i", "r", "n", "s", "_", "l", "c", "d", "u", "m", "p"],
};
const BY_ID: PartitionDimension = { field: "id", substrings: [..."0123456789abcdef"] };
const CATALOG_CAP = { limit: 10_000, partitionBy: [BY_INTEGRATION, BY_TITLE, BY_ID] } as const;

/** The older slim list shape names the parent `parent_id` (secoda-api.md §4.1). */
const SLIM_LIST = { parent_id: "parent" } as const;

/**
 * How `resources` is split past the cap: first by the entity types that have their own stream (the
 * big ones), all other types (secoda-api.md §4.1 names 27, most of them rare) together in the
 * remainder partition, which is split further by integration if it is over the cap too. A
 * partition per rare type would cost a request each, mostly for an empty page
 * (decisions-tap.md "One catalog pass").
 */
const SPLIT_TYPES = [
  "column",
  "table",
  "schema",
  "database",
  "dashboard",
  "chart",
  "event",
  "query",
  "glossary",
] as const;

function ofType(value: string): Filter {
  return { operator: "exact", field: "type", value };
}

/**
 * A catalog stream of one entity type: sorted newest first, capped, split by integration; the
 * rows of `resources` with that `entity_type` (the `type` filter matches `entity_type`).
 */
function catalogOf(type: string) {
  return {
    path: CATALOG,
    list: "paged",
    filter: ofType(type),
    subsetOf: { stream: "resources", field: "entity_type", value: type },
    sort: NEWEST_FIRST,
    keyProperties: ["id"],
    replicationKey: "updated_at",
    resultCap: CATALOG_CAP,
    renames: SLIM_LIST,
    recordPath: RESOURCE,
  } as const;
}

/**
 * Every Secoda stream the tap can sync, in default sync order (parents first).
 * Adding a stream: one entry here (and its schema import) + one schema file in ./schemas + one
 * entry in the fake's kind table; then `node scripts/readme-settings.mjs` (README "Streams").
 * Behaviour comes from fields, never from the stream's name.
 */
export const STREAMS = [
  {
    name: "integrations",
    description: "Connected sources (warehouses, BI tools, dbt, …).",
    path: "/api/v1/integration/integrations",
    recordPath: "/api/v1/integration/integrations/{id}",
    list: "paged",
    schema: integrations,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "resources",
    description: "The whole resource catalog, every entity type (split by type past 10,000).",
    path: CATALOG,
    list: "paged",
    schema: resources,
    renames: SLIM_LIST,
    sort: NEWEST_FIRST,
    keyProperties: ["id"],
    replicationKey: "updated_at",
    resultCap: {
      limit: 10_000,
      partitionBy: [{ field: "type", values: SPLIT_TYPES }, BY_INTEGRATION, BY_TITLE, BY_ID],
    },
    recordPath: RESOURCE,
  },
  {
    name: "databases",
    description: "Databases (catalog, type database).",
    schema: databases,
    ...catalogOf("database"),
  },
  {
    name: "schemas",
    description: "Database schemas (catalog, type schema).",
    schema: schemas,
    ...catalogOf("schema"),
  },
  {
    name: "tables",
    description: "Tables and views (catalog, type table).",
    schema: tables,
    ...catalogOf("table"),
  },
  {
    name: "columns",
    description: "Columns (catalog, type column).",
    schema: columns,
    ...catalogOf("column"),
  },
  {
    name: "dashboards",
    description: "BI dashboards (catalog, type dashboard).",
    schema: dashboards,
    ...catalogOf("dashboard"),
  },
  {
    name: "charts",
    description: "BI charts (catalog, type chart).",
    schema: charts,
    ...catalogOf("chart"),
  },
  {
    name: "event_categories",
    description: "Event categories, the parents of events.",
    path: "/api/v1/event/category",
    recordPath: "/api/v1/event/category/{id}",
    list: "paged",
    schema: eventCategories,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "events",
    description: "Product-analytics events (catalog, type event).",
    schema: events,
    ...catalogOf("event"),
  },
  {
    name: "queries",
    description: "Extracted and saved SQL queries (catalog, type query).",
    schema: queries,
    ...catalogOf("query"),
  },
  {
    name: "glossary_terms",
    description: "Glossary terms (catalog, entity_type glossary).",
    schema: glossaryTerms,
    ...catalogOf("glossary"),
    filter: { operator: "exact", field: "entity_type", value: "glossary" },
  },
  {
    name: "collections",
    description: "Collections of resources.",
    path: "/api/v1/collection/collections",
    recordPath: "/api/v1/collection/collections/{id}",
    list: "paged",
    schema: collections,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "documents",
    description: "Documents, read in full from their detail endpoint (the list omits the body).",
    path: "/api/v1/document/documents",
    list: "paged",
    detailPath: "/api/v1/document/documents/{id}",
    schema: documents,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "questions",
    description: "Q&A questions.",
    path: "/api/v1/question/questions",
    recordPath: "/api/v1/question/questions/{id}",
    list: "paged",
    schema: questions,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "question_replies",
    description: "Answers to questions (`parent` is the question).",
    path: "/api/v1/question/replies",
    recordPath: "/api/v1/question/replies/{id}",
    list: "paged",
    schema: questionReplies,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "users",
    description: "Workspace members (no timestamps: full table).",
    path: "/api/v1/user",
    list: "paged",
    schema: users,
    keyProperties: ["id"],
  },
  {
    name: "groups",
    description: "User groups.",
    path: "/api/v1/auth/group",
    recordPath: "/api/v1/auth/group/{id}",
    list: "paged",
    schema: groups,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "teams",
    description: "Teams, archived ones included.",
    path: "/api/v1/auth/teams/",
    recordPath: "/api/v1/auth/teams/{id}/",
    list: "paged",
    params: { include_archived: "true" },
    schema: teams,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "tags",
    description: "Tags.",
    path: "/api/v1/tag",
    recordPath: "/api/v1/tag/{id}",
    list: "paged",
    schema: tags,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "custom_properties",
    description: "Custom property definitions (no timestamps: full table).",
    path: "/api/v1/resource/all_v2/custom_properties/",
    list: "array",
    schema: customProperties,
    keyProperties: ["id"],
  },
  {
    name: "lineage",
    description: "Lineage edges, manual and extracted.",
    path: "/api/v1/lineage/manual/",
    recordPath: "/api/v1/lineage/manual/{id}/",
    list: "paged",
    schema: lineage,
    renames: { from_entity: "from_entity_id", to_entity: "to_entity_id" }, // older spec's names
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "monitors",
    description: "Data-quality monitors.",
    path: "/api/v1/monitor/monitors",
    recordPath: "/api/v1/monitor/monitors/{id}",
    list: "paged",
    schema: monitors,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "incidents",
    description: "Monitor incidents.",
    path: "/api/v1/monitor/incidents",
    recordPath: "/api/v1/monitor/incidents/{id}",
    list: "paged",
    schema: incidents,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
  {
    name: "audit_logs",
    description: "Audit events; admin keys only (403 otherwise: skipped with a warning).",
    path: "/api/v1/activity_log/audit_logs/",
    list: "paged",
    sort: NEWEST_FIRST,
    access: "admin",
    appendOnly: true, // entries expire after 90 days; the warehouse keeps them
    schema: auditLogs,
    keyProperties: ["id"],
    replicationKey: "updated_at",
  },
] as const satisfies readonly StreamDef[];

export type StreamName = (typeof STREAMS)[number]["name"];

/** The table as plain StreamDefs (for code that looks streams up by a name from the catalog). */
export const STREAM_DEFS: readonly StreamDef[] = STREAMS;
