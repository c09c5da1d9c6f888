import { type JsonObject, matchRoute } from "@repo/fake-secoda";
import { describe, expect, inject, it } from "vitest";
import { queryParams, WHOLE } from "../src/partitions.js";
import type { Filter, StreamDef } from "../src/stream-def.js";
import { STREAM_DEFS } from "../src/streams.js";
import { fakeConfig } from "./support/cli.js";

// The contract between the tap's requests and the fake's routes (style guide D2): every path,
// query parameter and response field the tap relies on must be served by the fake, which
// declares its routes from the API notes and never from the tap. Each test collects every
// difference and fails with the full list.

const url = inject("fakeSecodaUrl");
const auth = { authorization: `Bearer ${String(fakeConfig(url).api_key)}` };

/**
 * Declared fields the fake knowingly never serves, with the reason. Anything else unserved is a
 * difference.
 */
const KNOWN_UNSERVED: { readonly [stream: string]: readonly string[] } = {
  // event_property is a documented entity type (secoda-api.md §4.1) the fake does not generate.
  resources: ["regex"],
};

/** Parameters every paged list takes (secoda-api.md §3.2). */
const PAGING = ["page", "page_size"];

function filterFields(filter: Filter): string[] {
  return "operands" in filter ? filter.operands.flatMap(filterFields) : [filter.field];
}

/** Every query parameter name the tap may send on this stream's list requests. */
function sentParams(def: StreamDef): string[] {
  const names = new Set([
    ...Object.keys(queryParams(def, WHOLE)),
    ...Object.keys(def.params ?? {}),
  ]);
  if (def.resultCap !== undefined) names.add("filter");
  if (def.list === "paged") for (const name of PAGING) names.add(name);
  return [...names].sort();
}

async function firstPage(def: StreamDef): Promise<JsonObject | JsonObject[]> {
  const query = new URLSearchParams({ ...queryParams(def, WHOLE), page_size: "1000" });
  const response = await fetch(`${url}${def.path}?${query}`, { headers: auth });
  if (response.status !== 200) throw new Error(`${def.path}: HTTP ${response.status}`);
  return (await response.json()) as JsonObject | JsonObject[];
}

function rowsOf(body: JsonObject | JsonObject[]): JsonObject[] {
  if (Array.isArray(body)) return body;
  return Array.isArray(body.results) ? (body.results as JsonObject[]) : [];
}

describe("contract: the tap's requests against the fake's routes", () => {
  it("every list path and detail path the tap requests is a route of the fake", () => {
    const problems: string[] = [];
    for (const def of STREAM_DEFS) {
      const list = matchRoute(def.path);
      if (list?.route.type !== "list") problems.push(`${def.name}: no list route for ${def.path}`);
      else if ((list.route.shape === "array") !== (def.list === "array")) {
        problems.push(`${def.name}: tap expects ${def.list}, fake serves ${list.route.shape}`);
      }
      if (def.detailPath !== undefined) {
        const detail = matchRoute(def.detailPath.replace("{id}", "some-id"));
        if (detail?.route.type !== "detail") {
          problems.push(`${def.name}: no detail route for ${def.detailPath}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("every query parameter the tap sends is one the route takes", () => {
    const problems: string[] = [];
    for (const def of STREAM_DEFS) {
      const match = matchRoute(def.path);
      if (match?.route.type !== "list") continue; // reported above
      const route = match.route;
      const takes = new Set([
        ...(route.shape === "array" ? [] : PAGING),
        ...route.params.map((rule) => rule.param),
        ...(route.grammar === undefined ? [] : ["filter", "sort"]),
      ]);
      for (const name of sentParams(def)) {
        if (!takes.has(name)) problems.push(`${def.name}: ${def.path} ignores ?${name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("every response field the tap relies on is served: wrapper, keys, replication key, filter fields", async () => {
    const problems: string[] = [];
    for (const def of STREAM_DEFS) {
      const body = await firstPage(def);
      const rows = rowsOf(body);
      if (!Array.isArray(body)) {
        for (const field of ["results", "count", "total_pages"]) {
          if (!(field in body)) problems.push(`${def.name}: the wrapper has no ${field}`);
        }
        const links = body.links as JsonObject | undefined;
        if (!("next" in body) && links?.next === undefined) {
          problems.push(`${def.name}: the wrapper has neither links.next nor next`);
        }
      }
      if (rows.length === 0) problems.push(`${def.name}: the fake serves no records`);
      const required = [...def.keyProperties, ...(def.replicationKey ? [def.replicationKey] : [])];
      for (const field of required) {
        if (rows.some((row) => row[field] === undefined || row[field] === null)) {
          problems.push(`${def.name}: some records lack ${field}`);
        }
      }
      const match = matchRoute(def.path);
      const aliases = match?.route.type === "list" ? (match.route.grammar?.aliases ?? {}) : {};
      const filters = [
        ...(def.filter === undefined ? [] : [def.filter]),
        ...(def.resultCap?.partitionBy.map(
          (d) => ({ operator: "is_set", field: d.field, value: null }) as const,
        ) ?? []),
      ];
      for (const field of filters.flatMap(filterFields)) {
        const served = aliases[field] ?? field;
        if (!rows.some((row) => served in row)) {
          problems.push(`${def.name}: filter field ${field} (${served}) is on no record`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("every field the fake serves is declared by the tap's schema, and every declared field is served", async () => {
    const problems: string[] = [];
    for (const def of STREAM_DEFS) {
      const served = new Set(rowsOf(await firstPage(def)).flatMap((row) => Object.keys(row)));
      const declared = new Set(Object.keys(def.schema.properties));
      for (const field of served) {
        if (!declared.has(field)) problems.push(`${def.name}: served, not declared: ${field}`);
      }
      for (const field of declared) {
        if (!served.has(field) && !KNOWN_UNSERVED[def.name]?.includes(field))
          problems.push(`${def.name}: declared, never served: ${field}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
