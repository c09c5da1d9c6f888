import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settingsTable, streamTable } from "./support/readme.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** A Markdown table as trimmed cells, so the formatter's column padding does not matter. */
function cells(markdown: string): string {
  return markdown
    .split("\n")
    .filter((line) => line.trimStart().startsWith("|"))
    .map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? "-" : cell.trim()))
        .join(" | "),
    )
    .join("\n");
}

describe("README", () => {
  it("has the stream table of src/streams.ts (regenerate: node scripts/readme-settings.mjs)", () => {
    expect(cells(readme)).toContain(cells(streamTable()));
  });

  it("has the settings table that --about --format markdown prints", () => {
    expect(cells(readme)).toContain(cells(settingsTable()));
  });
});
