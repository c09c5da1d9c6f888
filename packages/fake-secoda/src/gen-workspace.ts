import { created, cycle, Draw, h, SALT, updated } from "./gen-common.js";
import { formatMicros } from "./ids.js";
import type { JsonObject } from "./json.js";
import { INTEGRATIONS, WAREHOUSES } from "./layout.js";
import * as words from "./words.js";
import type { World } from "./world.js";

const HOUR = 3_600_000_000;

/** Integrations (secoda-api.md §4.2); records past the fixed eight repeat the list. */
export function integrationRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "integration", k);
  const spec = INTEGRATIONS[k % INTEGRATIONS.length] ?? INTEGRATIONS[0];
  const round = Math.floor(k / INTEGRATIONS.length);
  const hour = draw.int(24);
  const lastRun = world.initialNow - (1 + draw.int(20)) * HOUR;
  return {
    id: world.id("integration", k),
    created_at: created(world, "integration", k),
    updated_at: updated(world, "integration", k),
    name: round === 0 ? spec.name : `${spec.name} ${round + 1}`,
    type: spec.type,
    credentials: {},
    workspace_id: world.workspaceId,
    ssh_tunnel: null,
    execute_access: k < WAREHOUSES ? draw.ids(world, "user", 2) : [],
    scheduled_extractions_hour: hour,
    scheduled_extractions_frequency: 24,
    scheduled_extractions_next_run: formatMicros(lastRun + 24 * HOUR),
    scheduled_extractions_last_run: formatMicros(lastRun),
    properties: {},
    preview_access_users: [],
    preview_access_roles: ["Admin", "Editor"],
    preview_access_groups: draw.ids(world, "group", 1),
    teams: draw.ids(world, "team", 1),
  };
}

function asciiFold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

export function userName(k: number): { readonly first: string; readonly last: string } {
  const first = words.FIRST_NAMES[k % words.FIRST_NAMES.length] ?? "";
  const last = words.LAST_NAMES[Math.floor(k / words.FIRST_NAMES.length) % words.LAST_NAMES.length];
  return { first, last: last ?? "" };
}

export function userEmail(k: number): string {
  const { first, last } = userName(k);
  return `${asciiFold(first)}.${asciiFold(last)}${k}@example.com`;
}

/** User 0 owns the admin API key, user 1 the non-admin key, user 2 is a service account. */
function role(k: number, draw: Draw): string {
  if (k === 0) return "admin";
  if (k === 1) return "editor";
  return draw.pick(["admin", "editor", "editor", "viewer", "viewer", "viewer", "guest"]);
}

/** Membership is arithmetic so both sides (user.user_groups, group.users) agree. */
export function isMember(world: World, user: number, group: number): boolean {
  const groups = world.counts.group;
  if (user % groups === group) return true;
  return h(world, "user", user, SALT.pick) % 4 === 0 && (user * 7 + 3) % groups === group;
}

function liveIds(world: World, kind: "user" | "group", keep: (k: number) => boolean): string[] {
  const ids: string[] = [];
  for (let k = 0; k < world.size(kind); k += 1) {
    if (keep(k) && world.isLive(kind, k)) ids.push(world.id(kind, k));
  }
  return ids;
}

/** Users (secoda-api.md §4.3): no created_at/updated_at; an update moves `last_login`. */
export function userRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "user", k);
  const { first, last } = userName(k);
  const lastLogin = world.revision("user", k)?.at ?? world.initialNow - draw.int(90 * 24) * HOUR;
  return {
    id: world.id("user", k),
    first_name: first,
    last_name: last,
    email: userEmail(k),
    role: role(k, draw),
    workspace_id: world.workspaceId,
    profile_picture: draw.chance(0.5) ? null : `https://example.com/avatars/${k}.png`,
    pending: draw.chance(0.05),
    user_groups: liveIds(world, "group", (g) => isMember(world, k, g)),
    bookmarks: draw.ids(world, "collection", 2),
    workspace: world.workspaceId,
    is_service_account: k === 2,
    service_account_count_popularity: k !== 2,
    last_login: draw.chance(0.1) ? null : formatMicros(lastLogin),
    new_feature_acknowledged: draw.chance(0.7),
    disabled: draw.chance(0.05),
  };
}

/** Groups (secoda-api.md §4.4). */
export function groupRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "group", k);
  return {
    id: world.id("group", k),
    created_at: created(world, "group", k),
    updated_at: updated(world, "group", k),
    users: liveIds(world, "user", (u) => isMember(world, u, k)),
    name: cycle(words.GROUPS, k, " "),
    icon: draw.pick(["🧪", "📊", "🛠️", "💼"]),
    description: draw.chance(0.3) ? "" : draw.pick(words.SENTENCES),
    workspace_id: world.workspaceId,
    snowflake_role: draw.chance(0.5) ? null : `ROLE_${k}`,
  };
}

/** Team 0 is the default team, team 4 ("Archive") is archived. */
export const ARCHIVED_TEAM = 4;

/** The key's user has joined the even-numbered teams (used by `only_joined` / `only_write`). */
export function hasJoinedTeam(k: number): boolean {
  return k % 2 === 0;
}

/** Teams (secoda-api.md §4.5). */
export function teamRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "team", k);
  const on = () => draw.chance(0.8);
  return {
    id: world.id("team", k),
    created_at: created(world, "team", k),
    updated_at: updated(world, "team", k),
    name: cycle(words.TEAMS, k, " "),
    icon: draw.pick(["📊", "🛠️", "💰", "🚀", "🗄️"]),
    type: k % 3 === 2 ? "CLOSED" : "OPEN",
    description: draw.pick(words.SENTENCES),
    sidebar_settings: {
      home: true,
      catalog: on(),
      documents: on(),
      questions: on(),
      glossary: on(),
      collections: on(),
    },
    workspace_id: world.workspaceId,
    archived: k === ARCHIVED_TEAM,
    is_default_team: k === 0,
    onboarding_completed: k !== 3,
  };
}

/** Tags (secoda-api.md §4.6); a third come from dbt (integration_id set). */
export function tagRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "tag", k);
  return {
    id: world.id("tag", k),
    created_at: created(world, "tag", k),
    updated_at: updated(world, "tag", k),
    name: cycle(words.TAGS, k, " "),
    description: draw.chance(0.3) ? "" : draw.pick(words.SENTENCES),
    color: draw.pick(words.COLORS),
    integration_id: k % 3 === 2 ? world.id("integration", 7) : null,
    workspace_id: world.workspaceId,
  };
}

const CUSTOM_PROPERTIES = [
  { name: "Domain", entity_types: ["table"], value_type: "string" },
  { name: "Tier", entity_types: ["table", "column"], value_type: "select" },
  { name: "Data steward", entity_types: ["all"], value_type: "user" },
  { name: "SLA hours", entity_types: ["table"], value_type: "number" },
  { name: "Contains PII", entity_types: ["column"], value_type: "boolean" },
  { name: "dbt package", entity_types: ["table"], value_type: "string" },
] as const;

/** Custom property definitions (secoda-api.md §4.7): no timestamps; #5 comes from dbt. */
export function customPropertyRecord(world: World, k: number): JsonObject {
  const spec = CUSTOM_PROPERTIES[k % CUSTOM_PROPERTIES.length] ?? CUSTOM_PROPERTIES[0];
  const round = Math.floor(k / CUSTOM_PROPERTIES.length);
  const dbt = INTEGRATIONS[7];
  return {
    id: world.id("custom_property", k),
    name: round === 0 ? spec.name : `${spec.name} ${round + 1}`,
    entity_types: [...spec.entity_types],
    value_type: spec.value_type,
    integration:
      k % CUSTOM_PROPERTIES.length === 5
        ? { name: dbt.name, type: dbt.type, id: world.id("integration", 7) }
        : null,
  };
}
