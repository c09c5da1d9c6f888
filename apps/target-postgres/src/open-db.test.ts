import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { TargetConfig } from "./config.js";
import { formatTable } from "./inspect.js";
import { dbTarget } from "./open-db.js";

const base = {
  default_target_schema: "public",
  embedded_path: "./.target-postgres/",
} as unknown as TargetConfig; // only the fields dbTarget reads

describe("dbTarget: the embedded default", () => {
  it.each([
    ["nothing configured", {}, {}, "embedded"],
    ["a host setting", { host: "db" }, {}, "server"],
    ["a connection_string", { connection_string: "postgres://x/y" }, {}, "server"],
    ["DATABASE_URL", {}, { DATABASE_URL: "postgres://x/y" }, "server"],
    ["PGHOST", {}, { PGHOST: "db" }, "server"],
    ["PGDATABASE", {}, { PGDATABASE: "d" }, "server"],
    ["PGUSER", {}, { PGUSER: "u" }, "server"],
    ["empty PG variables", {}, { PGHOST: "", DATABASE_URL: "" }, "embedded"],
    ["PGPORT alone", {}, { PGPORT: "5433" }, "embedded"],
    ["embedded: true with a host", { embedded: true, host: "db" }, {}, "embedded"],
    ["embedded: false, nothing else", { embedded: false }, {}, "server"],
  ])("%s → %s", (_, settings, env, kind) => {
    expect(dbTarget({ ...base, ...settings }, env).kind).toBe(kind);
  });

  it("resolves embedded_path against the working directory", () => {
    expect(dbTarget(base, {})).toEqual({
      kind: "embedded",
      folder: resolve(".target-postgres"),
    });
  });
});

describe("formatTable (inspect)", () => {
  it("aligns columns and right-aligns the chosen ones", () => {
    expect(
      formatTable(
        ["table", "rows"],
        [
          ["a", "5"],
          ["longer_name", "12345"],
        ],
        new Set([1]),
      ),
    ).toEqual([
      "table         rows",
      "-----------  -----",
      "a                5",
      "longer_name  12345",
    ]);
  });

  it("prints objects as JSON, NULL as empty, newlines escaped", () => {
    expect(
      formatTable(
        ["k", "v"],
        [
          [null, { x: 1 }],
          ["a\nb", true],
        ],
      ),
    ).toEqual(["k     v", "----  -------", '      {"x":1}', "a\\nb  true"]);
  });
});
