/** The fields particular to some catalog kinds, and custom property values. */
import { type Draw, h, SALT } from "./gen-common.js";
import { formatMicros } from "./ids.js";
import type { JsonObject } from "./json.js";
import type { CatalogKind } from "./kinds.js";
import { INTEGRATIONS, integrationIndex } from "./layout.js";
import * as words from "./words.js";
import type { World } from "./world.js";

export function properties(world: World, kind: CatalogKind, draw: Draw): JsonObject {
  if (kind !== "table" || draw.chance(0.4)) return {};
  const at = formatMicros(world.initialNow - 400 * 86_400_000_000);
  const value = draw.pick(["Sales", "Finance", "Marketing", "Product"]);
  const domain = { id: world.id("custom_property", 0), name: "Domain", type: "string", order: 0 };
  return { custom: [{ ...domain, value, options: [], created_at: at, updated_at: at }] };
}

/** What the kind adds to the common shape (secoda-api.md §4.1, "table only" etc.). */
export function kindFields(
  world: World,
  kind: CatalogKind,
  k: number,
  names: { readonly titles: readonly string[]; readonly nativeType: string | null },
  draw: Draw,
): JsonObject {
  const { titles } = names;
  switch (kind) {
    case "table":
      return tableFields(world, k, titles, names.nativeType === "view", draw);
    case "column":
      return columnFields(world, k, titles, draw);
    case "dashboard":
    case "chart":
      return { product: INTEGRATIONS[integrationIndex(world.counts, kind, k) ?? 4]?.type ?? null };
    case "collection":
      return { pinned: draw.chance(0.2) };
    case "question":
      return questionFields(world, k, draw);
    case "question_reply":
      return { accepted_answer: isAcceptedReply(world, k) };
    case "query":
      return { type: draw.pick(["select", "merge", "insert"]), freq: draw.int(500) };
    default:
      return {};
  }
}

function tableFields(
  world: World,
  k: number,
  titles: readonly string[],
  isView: boolean,
  draw: Draw,
): JsonObject {
  const rows = draw.chance(0.1) ? null : draw.int(5_000_000);
  return {
    row_count: rows,
    byte_size: rows === null ? null : rows * (40 + draw.int(200)),
    schema: titles[1] ?? "",
    database: titles[0] ?? "",
    cluster: "acme",
    type: isView ? "view" : "table",
    creation_query: isView
      ? {
          id: world.id("query", k % world.counts.query),
          type: "view",
          freq: 1,
          definition: `select 1`,
        }
      : null,
  };
}

function columnFields(world: World, k: number, titles: readonly string[], draw: Draw): JsonObject {
  const sortOrder = Math.floor(k / world.counts.table);
  return {
    type: draw.pick(words.DATA_TYPES),
    sort_order: sortOrder,
    is_pk: sortOrder === 0,
    hidden: draw.chance(0.02),
    table_cluster: "acme",
    table_database: titles[0] ?? "",
    table_schema: titles[1] ?? "",
    table_title: titles[2] ?? "",
  };
}

/** A question's first reply (reply index = question index) is its accepted answer, half the time. */
function isAcceptedReply(world: World, reply: number): boolean {
  return reply < world.counts.question && h(world, "question_reply", reply, SALT.pick) % 2 === 0;
}

function questionFields(world: World, k: number, draw: Draw): JsonObject {
  const answered = isAcceptedReply(world, k) && world.isLive("question_reply", k);
  const status = answered ? "answered" : draw.pick(["open", "in_review"]);
  const priority = draw.pick(["low", "medium", "high", null]);
  const assignee = draw.ids(world, "user", 1)[0] ?? null;
  return {
    status,
    priority,
    reactions: {},
    answer: answered ? world.id("question_reply", k) : null,
    assigned_to: assignee,
    votes_sum: draw.int(12),
    current_user_vote: null,
    question_status: status,
    question_priority: priority,
    question_answered_by: answered ? world.id("user", 0) : null,
    question_assigned_to: assignee,
  };
}
