import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settingsTable, streamTable } from "./support/readme.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("has the stream table of src/streams.ts (regenerate with test/support/readme.ts)", () => {
    expect(readme).toContain(streamTable());
  });

  it("has the settings table that --about --format markdown prints", () => {
    expect(readme).toContain(settingsTable());
  });
});
