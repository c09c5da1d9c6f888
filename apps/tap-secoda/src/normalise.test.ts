import { describe, expect, it } from "vitest";
import { normaliser } from "./normalise.js";
import { STREAMS } from "./streams.js";

const byName = (name: string) => {
  const def = STREAMS.find((d) => d.name === name);
  if (def === undefined) throw new Error(name);
  return normaliser(def.schema, "renames" in def ? def.renames : undefined);
};

describe("normaliser: the real API's documented variants", () => {
  it('turns "False"/"True" into booleans and "None" into null where the schema admits them', () => {
    const users = byName("users");
    expect(users({ id: "u", pending: "False", disabled: "True", last_login: "None" })).toEqual({
      id: "u",
      pending: false,
      disabled: true,
      last_login: null,
    });
  });

  it('keeps "None" where the schema does not admit null, and strings that only look alike', () => {
    const users = byName("users");
    expect(users({ id: "u", email: "None", first_name: "True" })).toEqual({
      id: "u",
      email: "None",
      first_name: "True",
    });
  });

  it("maps legacy lineage names from_entity/to_entity to the current ones", () => {
    const lineage = byName("lineage");
    expect(lineage({ id: "l", from_entity: "a", to_entity: "b" })).toEqual({
      id: "l",
      from_entity_id: "a",
      to_entity_id: "b",
    });
    const both = { id: "l", from_entity: "x", from_entity_id: "a" };
    expect(lineage(both)).toBe(both); // current name present: the legacy one is left to projection
  });

  it("maps the slim list shape's parent_id to parent on catalog streams", () => {
    expect(byName("tables")({ id: "t", parent_id: "p" })).toEqual({ id: "t", parent: "p" });
    expect(byName("resources")({ id: "t", parent_id: null })).toEqual({ id: "t", parent: null });
  });

  it("writes an object current_user_permissions as JSON text; a string stays", () => {
    const tables = byName("tables");
    expect(tables({ id: "t", current_user_permissions: { read: true } })).toEqual({
      id: "t",
      current_user_permissions: '{"read":true}',
    });
    const row = { id: "t", current_user_permissions: "read", tags: null };
    expect(tables(row)).toBe(row); // nothing to change: the same object (raw JSON fast path)
  });
});
