import { catalogTitle } from "./gen-catalog.js";
import { created, createdMicros, Draw, h, SALT, updated } from "./gen-common.js";
import { userEmail, userName } from "./gen-workspace.js";
import { formatMicros } from "./ids.js";
import type { JsonObject } from "./json.js";
import { type CatalogKind, entityType, type Kind } from "./kinds.js";
import { INTEGRATIONS, integrationIndex, MEASUREMENT_ID_SPACE } from "./layout.js";
import { type Ref, refOf, unref } from "./refs.js";
import type { World } from "./world.js";

const HOUR = 3_600_000_000;

/**
 * Lineage edges come in pairs (creating one direction auto-creates the reverse, §4.8):
 * edge 2p is `a → b` DOWNSTREAM, edge 2p+1 is `b → a` UPSTREAM. Every fifth pair ends at a
 * dashboard, the others at another table.
 */
export function lineageEnds(world: World, k: number): readonly [Ref, Ref] {
  const pair = Math.floor(k / 2);
  const tables = world.counts.table;
  const a = h(world, "lineage", pair, SALT.pick) % tables;
  const hop = h(world, "lineage", pair, SALT.usage);
  const b =
    pair % 5 === 4
      ? refOf("dashboard", hop % world.counts.dashboard)
      : refOf("table", (a + 1 + (hop % (tables - 1))) % tables);
  const from = refOf("table", a);
  return k % 2 === 0 ? [from, b] : [b, from];
}

function idOfRef(world: World, ref: Ref): string {
  const { kind, k } = unref(ref);
  return world.id(kind, k);
}

/** The integration type of a catalog ref (lineage's `integration_type` filter uses the source). */
export function integrationTypeOf(world: World, ref: Ref): string | null {
  const { kind, k } = unref(ref);
  const integration = integrationIndex(world.counts, kind, k);
  return integration === undefined ? null : (INTEGRATIONS[integration]?.type ?? null);
}

export function lineageRecord(world: World, k: number): JsonObject {
  const [from, to] = lineageEnds(world, k);
  const pairStart = k - (k % 2);
  return {
    id: world.id("lineage", k),
    created_at: created(world, "lineage", pairStart),
    updated_at: updated(world, "lineage", pairStart),
    from_entity_id: idOfRef(world, from),
    to_entity_id: idOfRef(world, to),
    direction: k % 2 === 0 ? "DOWNSTREAM" : "UPSTREAM",
    workspace_id: world.workspaceId,
    is_manual: h(world, "lineage", pairStart, SALT.created) % 3 === 0,
  };
}

/** A monitor watches a table (every third) or a column. */
export function monitorTarget(world: World, k: number): Ref {
  const pick = h(world, "monitor", k, SALT.pick);
  return k % 3 === 0
    ? refOf("table", pick % world.counts.table)
    : refOf("column", pick % world.counts.column);
}

/** The newest live incident of monitor m (incident i belongs to monitor i mod monitors). */
function lastIncident(world: World, m: number): number | undefined {
  const monitors = world.counts.monitor;
  const size = world.size("incident");
  if (m >= monitors || m >= size) return undefined;
  for (let i = m + Math.floor((size - 1 - m) / monitors) * monitors; i >= 0; i -= monitors) {
    if (world.isLive("incident", i)) return i;
  }
  return undefined;
}

function incidentStatus(world: World, i: number): string {
  const roll = h(world, "incident", i, SALT.pick) % 10;
  return roll < 6 ? "resolved" : roll < 8 ? "acknowledged" : "active";
}

const METRICS = ["null_percentage", "row_count", "freshness", "unique_percentage", "mean"];

/** Monitors (secoda-api.md §4.9). */
export function monitorRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "monitor", k);
  const target = unref(monitorTarget(world, k));
  const targetKind = target.kind as CatalogKind; // monitorTarget only returns tables and columns
  const label = catalogTitle(world, targetKind, target.k);
  const integration = integrationIndex(world.counts, target.kind, target.k) ?? 0;
  const incident = lastIncident(world, k);
  const failing = draw.chance(0.1);
  const frequency = draw.pick([1, 6, 12, 24]);
  const attempted = world.initialNow - draw.int(frequency) * HOUR - draw.int(HOUR);
  const metric = draw.pick(METRICS);
  return {
    id: world.id("monitor", k),
    created_at: created(world, "monitor", k),
    updated_at: updated(world, "monitor", k),
    integration: world.id("integration", integration),
    target: world.id(target.kind, target.k),
    workspace: world.workspaceId,
    metric_type: metric,
    metric_config: null,
    frequency,
    name: `${metric.replaceAll("_", " ")} in ${label}`,
    is_enabled: draw.chance(0.9),
    last_attempted_at: formatMicros(attempted),
    last_success_at: failing ? null : formatMicros(attempted),
    last_error_at: failing ? formatMicros(attempted) : null,
    last_error_message: failing ? "Query timed out after 300 s" : "",
    condition_auto_sensitivity: draw.chance(0.7) ? 1 + draw.int(10) : null,
    condition_manual_min: null,
    condition_manual_max: null,
    status: monitorStatus(world, incident, failing),
    display_metadata: {
      target: {
        icon: null,
        label,
        entity_type: entityType(targetKind),
        integration: world.id("integration", integration),
        integration_type: INTEGRATIONS[integration]?.type ?? null,
      },
    },
    last_measurement_value: Math.round(draw.float() * 10_000) / 100,
    last_incident: incident === undefined ? null : world.id("incident", incident),
    // Measurement ids live in their own id space; measurements themselves are not served.
    last_measurement: world.spaceId(MEASUREMENT_ID_SPACE, k),
    next_run_at: formatMicros(attempted + frequency * HOUR),
  };
}

function monitorStatus(world: World, incident: number | undefined, failing: boolean): string {
  if (incident !== undefined && incidentStatus(world, incident) === "active") return "incident";
  return failing ? "error" : "normal";
}

/** Incidents: no source documents them; this is the shape proposed in secoda-api.md §4.9. */
export function incidentRecord(world: World, i: number): JsonObject {
  const draw = Draw.of(world, "incident", i);
  const monitor = i % world.counts.monitor;
  const target = unref(monitorTarget(world, monitor));
  const status = incidentStatus(world, i);
  const min = draw.int(10);
  const max = min + 5 + draw.int(20);
  const createdUs = createdMicros(world, "incident", i);
  return {
    id: world.id("incident", i),
    created_at: formatMicros(createdUs),
    updated_at: updated(world, "incident", i),
    monitor: world.id("monitor", monitor),
    target: world.id(target.kind, target.k),
    status,
    value: max + 1 + draw.int(50),
    expected_min: min,
    expected_max: max,
    resolved_at: status === "resolved" ? formatMicros(createdUs + (1 + draw.int(48)) * HOUR) : null,
    workspace: world.workspaceId,
  };
}

const AUDITED: readonly CatalogKind[] = ["table", "column", "dashboard", "collection", "document"];
const ACTIVITIES = ["resource_updated", "resource_viewed", "tag_added", "owner_changed"];

/** The catalog record an audit log entry is about, and what happened to it. */
function auditSubject(world: World, k: number): { resource: Ref; activity: string } {
  const added = world.added("audit_log", k);
  if (added?.resource !== undefined) {
    return { resource: added.resource, activity: added.activity ?? "resource_updated" };
  }
  const pick = h(world, "audit_log", k, SALT.pick);
  const kind = AUDITED[pick % AUDITED.length] ?? "table";
  const activity = ACTIVITIES[(pick >>> 8) % ACTIVITIES.length] ?? "resource_updated";
  return { resource: refOf(kind, (pick >>> 4) % world.counts[kind]), activity };
}

/** Audit log entries (secoda-api.md §4.10); mutations append entries for what they change. */
export function auditLogRecord(world: World, k: number): JsonObject {
  const draw = Draw.of(world, "audit_log", k);
  const { resource, activity } = auditSubject(world, k);
  const subject = unref(resource);
  const subjectKind = subject.kind as CatalogKind; // audit subjects are always catalog records
  const isApi = draw.chance(0.2);
  const performer = isApi ? 0 : draw.int(world.counts.user);
  const { first, last } = userName(performer);
  const title = catalogTitle(world, subjectKind, subject.k);
  const integration = integrationIndex(world.counts, subject.kind, subject.k);
  const at = created(world, "audit_log", k);
  return {
    id: world.id("audit_log", k),
    parent_id: null,
    activity_type: activity,
    performer_id: world.id("user", performer),
    performer_type: isApi ? "API" : "USER",
    performer_metadata: {
      id: world.id("user", performer),
      email: userEmail(performer),
      first_name: first,
      last_name: last,
      name: `${first} ${last}`,
    },
    resource_id: world.id(subject.kind, subject.k),
    resource_type: entityType(subjectKind),
    resource_metadata: {
      id: world.id(subject.kind, subject.k),
      title,
      name: title,
      icon: null,
      type: entityType(subjectKind),
      integration_id: integration === undefined ? null : world.id("integration", integration),
    },
    related_resource_ids: [],
    related_resource_type: null,
    event_blocks: [{ type: "text", style: "normal", value: activity.replaceAll("_", " ") }],
    logged_at: at,
    created_at: at,
    updated_at: at,
    is_legacy: k < 3,
    version_history_id: null,
  };
}

/** Records that must be live for this one to be live (beyond its parent chain). */
export function opsDependencies(world: World, kind: Kind, k: number): readonly Ref[] {
  switch (kind) {
    case "lineage":
      return lineageEnds(world, k);
    case "monitor":
      return [monitorTarget(world, k)];
    case "incident":
      return [refOf("monitor", k % world.counts.monitor)];
    default:
      return [];
  }
}
