import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assignNames,
  conformName,
  MAX_IDENTIFIER_BYTES,
  nameComment,
  originalFromComment,
  quoteIdent,
  quoteLiteral,
  shortHash,
  truncateBytes,
} from "./identifiers.js";

const long = "x".repeat(70);

describe("conformName (decisions: Identifiers)", () => {
  it.each([
    ["id", "id"],
    ["Id", "id"],
    ["clientName", "client_name"],
    ["TestCamelcase", "test_camelcase"],
    ["HTTPServer", "http_server"],
    ["userID", "user_id"],
    ["v2Beta", "v2_beta"],
    ["_attribute_startswith_underscore", "_attribute_startswith_underscore"],
    ["test:SpecialChars!in?attributes", "test_special_chars_in_attributes"],
    ["agent:os:version", "agent_os_version"],
    ["public-users", "public_users"],
    ["a.b c", "a_b_c"],
    ["order", "order"],
    ["user", "user"],
    ['quo"ted', "quo_ted"],
    ["it's", "it_s"],
    ["1st_place", "_1st_place"],
    ["", "_"],
    ["Ünïcödé Náme", "ünïcödé_náme"],
    ["简单", "简单"],
    ["e\u0301", "é"],
    ["nul\u0000byte", "nul_byte"],
    ["emoji😀", "emoji_"],
  ])("%j → %j", (input, expected) => {
    expect(conformName(input)).toBe(expected);
  });

  it("cuts names over 63 bytes and appends a hash of the original", () => {
    const name = conformName(long);
    expect(Buffer.byteLength(name)).toBe(MAX_IDENTIFIER_BYTES);
    expect(name).toBe(`${"x".repeat(54)}_${shortHash(long)}`);
  });

  it("two long names with the same 63-byte prefix get different identifiers", () => {
    expect(conformName(`${long}_a`)).not.toBe(conformName(`${long}_b`));
  });

  it("cuts multi-byte names between characters", () => {
    const name = conformName("é".repeat(40)); // 80 bytes
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(name.startsWith("é".repeat(27))).toBe(true);
    expect(name).not.toContain("\uFFFD");
  });

  it("always gives a valid identifier of at most 63 bytes (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (input) => {
        const name = conformName(input);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
        expect(name.length).toBeGreaterThan(0);
        expect(name).not.toMatch(/[\s"]/);
        expect(name.includes("\u0000")).toBe(false);
      }),
    );
  });
});

describe("truncateBytes", () => {
  it.each([
    ["abc", 2, "ab"],
    ["aé", 2, "a"],
    ["😀a", 3, ""],
    ["😀a", 5, "😀a"],
  ])("%j to %d bytes → %j", (text, bytes, expected) => {
    expect(truncateBytes(text, bytes)).toBe(expected);
  });
});

describe("assignNames", () => {
  it("a reserved identifier is never given, not even to a name in conformed form or to an existing table without COMMENT", () => {
    const reserved = new Set(["_sdc_loads", "xmin"]);
    const existing = [{ name: "_sdc_loads", original: undefined }];
    const names = assignNames(["_sdc_loads", "XMin", "xmin"], existing, (n) => n, reserved);
    expect(names.get("_sdc_loads")).toBe(`_sdc_loads_${shortHash("_sdc_loads")}`);
    expect(names.get("xmin")).toBe(`xmin_${shortHash("xmin")}`);
    expect(names.get("XMin")).toBe(`x_min`);
    // A table whose COMMENT claims a reserved name for a stream does not get it either.
    const claimed = [{ name: "_sdc_loads", original: "_sdc_loads" }];
    expect(assignNames(["_sdc_loads"], claimed, (n) => n, reserved).get("_sdc_loads")).toBe(
      `_sdc_loads_${shortHash("_sdc_loads")}`,
    );
  });

  it("a name already in conformed form keeps it; the other gets a hash suffix", () => {
    const names = assignNames(["Id", "id"]);
    expect(names.get("id")).toBe("id");
    expect(names.get("Id")).toBe(`id_${shortHash("Id")}`);
  });

  it("does not depend on the order of the originals", () => {
    const originals = ["clientName", "client_name", "ClientName", "CLIENT_NAME", "x"];
    const forward = assignNames(originals);
    const backward = assignNames([...originals].reverse());
    expect(Object.fromEntries(forward)).toEqual(Object.fromEntries(backward));
    expect(new Set(forward.values()).size).toBe(originals.length);
  });

  it("is injective for colliding long names too (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 80 }), { maxLength: 30 }), (originals) => {
        const names = assignNames(originals);
        expect(new Set(names.values()).size).toBe(originals.length);
        for (const name of names.values()) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
      }),
    );
  });

  it("existing identifiers keep the original their COMMENT names, even if another now conforms to it", () => {
    const names = assignNames(
      ["client_name", "clientName"],
      [{ name: "client_name", original: "clientName" }],
    );
    expect(names.get("clientName")).toBe("client_name");
    expect(names.get("client_name")).toBe(`client_name_${shortHash("client_name")}`);
  });

  it("an existing identifier without a COMMENT belongs to the original that conforms to it", () => {
    const names = assignNames(["UserName"], [{ name: "user_name", original: undefined }]);
    expect(names.get("UserName")).toBe("user_name");
  });

  it("identifiers of other originals stay taken", () => {
    const names = assignNames(["a"], [{ name: "a", original: "A" }]);
    expect(names.get("a")).toBe(`a_${shortHash("a")}`);
  });
});

describe("quoting and comments", () => {
  it.each([
    ["order", '"order"'],
    ['a"b', '"a""b"'],
    ["Mixed Case", '"Mixed Case"'],
  ])("quoteIdent(%j) → %s", (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it("quoteLiteral doubles quotes and replaces NUL", () => {
    expect(quoteLiteral("it's\u0000")).toBe("'it''s\uFFFD'");
  });

  it.each([
    ["stream", "test:SpecialChars!in?attributes"],
    ["property", 'quo"ted\\'],
  ] as const)("a %s name round-trips through its COMMENT", (kind, original) => {
    expect(originalFromComment(nameComment(kind, original))).toBe(original);
  });

  it.each([null, undefined, "", "a user's note", "{not json", '{"other":1}', "[1]"])(
    "foreign comment %j is no mapping",
    (comment) => {
      expect(originalFromComment(comment)).toBeUndefined();
    },
  );
});
