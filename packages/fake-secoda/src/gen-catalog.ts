import { kindFields, properties } from "./gen-catalog-kinds.js";
import {
  created,
  createdMicros,
  cycle,
  Draw,
  edited,
  h,
  SALT,
  updated,
  updatedMicros,
} from "./gen-common.js";
import { formatMicros, unit } from "./ids.js";
import type { JsonObject, JsonValue } from "./json.js";
import { type CatalogKind, entityType, type Kind } from "./kinds.js";
import {
  childIndices,
  INTEGRATIONS,
  integrationIndex,
  PARENT_KIND,
  parentIndex,
} from "./layout.js";
import * as words from "./words.js";
import type { World } from "./world.js";

const CHILD_KIND: Readonly<Partial<Record<CatalogKind, CatalogKind>>> = {
  database: "schema",
  schema: "table",
  table: "column",
  dashboard: "chart",
  event_category: "event",
  question: "question_reply",
  collection: "collection",
  document: "document",
  glossary: "glossary",
};

/** Tables whose descriptions are hostile strings (README "Data model"). */
export const HOSTILE_TABLES = { quotes: 1, emoji: 2, nul: 3 } as const;

function tableTitle(k: number): string {
  const combos = words.TABLE_PREFIXES.length * words.NOUNS.length;
  const prefix = words.TABLE_PREFIXES[k % words.TABLE_PREFIXES.length] ?? "";
  const noun = words.NOUNS[Math.floor(k / words.TABLE_PREFIXES.length) % words.NOUNS.length];
  const round = Math.floor(k / combos);
  return `${prefix}${noun ?? ""}${round === 0 ? "" : `_${round + 1}`}`;
}

export function catalogTitle(world: World, kind: CatalogKind, k: number): string {
  switch (kind) {
    case "database":
      return cycle(words.DATABASES, k);
    case "schema":
      return cycle(words.SCHEMAS, k);
    case "table":
      return tableTitle(k);
    case "column":
      return cycle(words.COLUMNS, Math.floor(k / world.counts.table));
    case "dashboard":
      return cycle(words.DASHBOARDS, k, " ");
    case "chart":
      return cycle(words.CHARTS, k, " ");
    case "event_category":
      return cycle(words.EVENT_CATEGORIES, k, " ");
    case "event":
      return cycle(words.EVENTS, k);
    case "collection":
      return cycle(words.COLLECTIONS, k, " ");
    case "document":
      return cycle(words.DOCUMENTS, k, " ");
    case "glossary":
      return cycle(words.GLOSSARY, k, " ");
    case "question":
      return cycle(words.QUESTIONS, k, " #");
    case "question_reply":
      return `Re: ${catalogTitle(world, "question", parentIndex(world.counts, kind, k) ?? 0)}`;
    case "query":
      return cycle(words.QUERY_TITLES, k, " ");
  }
}

function nativeType(world: World, kind: CatalogKind, k: number): string | null {
  switch (kind) {
    case "table":
      return h(world, kind, k, SALT.pick) % 5 === 0 ? "view" : "table";
    case "dashboard":
      return integrationIndex(world.counts, kind, k) === 4 ? "workbook" : "dashboard";
    case "collection":
    case "document":
    case "glossary":
    case "question":
    case "question_reply":
      return null;
    default:
      return entityType(kind);
  }
}

function parentId(world: World, kind: CatalogKind, k: number): string | null {
  const parentKind = PARENT_KIND[kind];
  const parent = parentIndex(world.counts, kind, k);
  return parentKind === undefined || parent === undefined ? null : world.id(parentKind, parent);
}

function integrationId(world: World, kind: Kind, k: number): string | null {
  const integration = integrationIndex(world.counts, kind, k);
  return integration === undefined ? null : world.id("integration", integration);
}

export function externalUsage(world: World, kind: Kind, k: number): number {
  return Math.floor(Math.exp(unit(h(world, kind, k, SALT.usage)) * 8.5)) - 1;
}

/** Fields computable without building the record (filters and sorts over 1M rows use these). */
export function catalogFastField(
  world: World,
  kind: CatalogKind,
  k: number,
  field: string,
): JsonValue | undefined {
  switch (field) {
    case "id":
      return world.id(kind, k);
    case "entity_type":
      return entityType(kind);
    case "native_type":
      return nativeType(world, kind, k);
    case "title":
      return catalogTitle(world, kind, k);
    case "parent":
      return parentId(world, kind, k);
    case "integration":
      return integrationId(world, kind, k);
    case "external_usage":
      return externalUsage(world, kind, k);
    case "created_at":
      return created(world, kind, k);
    case "updated_at":
      return updated(world, kind, k);
    default:
      return undefined;
  }
}

/** Titles from the root of the hierarchy down to record k: `analytics.public.orders`. */
function ancestry(world: World, kind: CatalogKind, k: number): string[] {
  const parentKind = PARENT_KIND[kind];
  const parent = parentIndex(world.counts, kind, k);
  const own = catalogTitle(world, kind, k);
  if (parentKind === undefined || parent === undefined || parentKind === kind) return [own];
  return [...ancestry(world, parentKind as CatalogKind, parent), own];
}

function childrenCount(world: World, kind: CatalogKind, k: number): number {
  const childKind = CHILD_KIND[kind];
  if (childKind === undefined) return 0;
  let count = 0;
  for (const child of childIndices(world.counts, childKind, k, world.size(childKind))) {
    if (world.isLive(childKind, child)) count += 1;
  }
  return count;
}

function description(kind: CatalogKind, k: number, draw: Draw): string | null {
  const text = draw.chance(0.25) ? null : draw.pick(words.SENTENCES);
  if (kind !== "table") return text;
  if (k === HOSTILE_TABLES.quotes) return words.HOSTILE.quotes;
  if (k === HOSTILE_TABLES.emoji) return words.HOSTILE.emoji;
  if (k === HOSTILE_TABLES.nul) return words.HOSTILE.nul;
  return text;
}

function definition(kind: CatalogKind, title: string, draw: Draw): string | null {
  const pick = (n: number) => draw.int(n);
  if (kind === "document") return words.markdown(title, 6 + draw.int(15), pick);
  if (kind === "glossary") return words.markdown(title, 1 + draw.int(3), pick);
  if (kind === "question_reply") return "Use fct_orders, it excludes test orders.";
  return draw.chance(0.6) ? null : words.markdown(title, 1, pick);
}

/** One catalog resource (secoda-api.md §4.1): the common shape plus the kind's own fields. */
export function catalogRecord(world: World, kind: CatalogKind, k: number): JsonObject {
  const draw = Draw.of(world, kind, k);
  const titles = ancestry(world, kind, k);
  const title = titles.at(-1) ?? "";
  const createdUs = createdMicros(world, kind, k);
  const updatedUs = updatedMicros(world, kind, k);
  const integration = integrationIndex(world.counts, kind, k);
  const owners = draw.ids(world, "user", 2);
  const internalUsage = draw.int(40);
  const externalUsageValue = externalUsage(world, kind, k);
  const archived = draw.chance(0.03);
  const stale = draw.chance(0.05);
  const revision = world.revision(kind, k);
  return {
    id: world.id(kind, k),
    created_at: formatMicros(createdUs),
    updated_at: formatMicros(updatedUs),
    entity_type: entityType(kind),
    native_type: nativeType(world, kind, k),
    icon: draw.pick(words.ICONS),
    title,
    title_full: titles.join("."),
    title_cased: title.charAt(0).toUpperCase() + title.slice(1).replaceAll("_", " "),
    description: edited(description(kind, k, draw), world, kind, k),
    definition: definition(kind, title, draw),
    definition_version: 1 + draw.int(5) + (revision?.rev ?? 0),
    multiplayers: owners.slice(0, 1),
    multiplayer_last_modified_by: owners[0] ?? null,
    multiplayer_last_modified: owners.length === 0 ? null : formatMicros(updatedUs),
    owners,
    owners_groups: draw.ids(world, "group", 1),
    collections: kind === "collection" ? [] : draw.ids(world, "collection", 2),
    tags: draw.ids(world, "tag", 3),
    teams: draw.ids(world, "team", 2),
    workspace_id: world.workspaceId,
    total_usage: internalUsage + externalUsageValue,
    internal_usage: internalUsage,
    external_usage: externalUsageValue,
    internal_users: [],
    external_users: draw.chance(0.3) ? ["dbt_cloud"] : [],
    published: draw.chance(0.9),
    archived,
    archived_at: archived ? formatMicros(updatedUs) : null,
    pii: draw.chance(0.1),
    verified: draw.chance(0.3),
    stale,
    stale_at: stale ? formatMicros(updatedUs) : null,
    forced_unstale_by_user: false,
    pristine: draw.chance(0.5),
    url: integration === undefined ? null : `https://example.com/${kind}/${k}`,
    parent: parentId(world, kind, k),
    children_count: childrenCount(world, kind, k),
    bookmarked_by: draw.ids(world, "user", 1),
    integration: integrationId(world, kind, k),
    external_updated_at: integration === undefined ? null : formatMicros(updatedUs - 3_600_000_000),
    databuilder_id:
      integration === undefined ? null : `${INTEGRATIONS[integration]?.type}.${titles.join(".")}`,
    properties: properties(world, kind, draw),
    search_metadata:
      titles.length > 2 ? { database: titles[0] ?? "", schema: titles[1] ?? "" } : {},
    display_metadata: {},
    viewers_delta: {},
    sources: [],
    subscribers: owners,
    current_user_permissions: "read",
    ...kindFields(world, kind, k, { titles, nativeType: nativeType(world, kind, k) }, draw),
  };
}
