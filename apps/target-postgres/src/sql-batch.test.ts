import { describe, expect, it } from "vitest";
import { statementBatches } from "./sql-batch.js";

describe("statementBatches", () => {
  it("joins statements into strings under the byte bound, in order", () => {
    const statements = Array.from({ length: 10 }, (_, i) => `COMMENT ON COLUMN t.c${i} IS 'x'`);
    const batches = statementBatches(statements, 100);
    expect(batches.join(";\n")).toBe(statements.join(";\n"));
    expect(batches.length).toBe(4);
    for (const batch of batches) expect(Buffer.byteLength(batch)).toBeLessThanOrEqual(100);
  });

  it("sends a statement longer than the bound alone; nothing for nothing", () => {
    expect(statementBatches(["a".repeat(50), "b"], 10)).toEqual(["a".repeat(50), "b"]);
    expect(statementBatches([])).toEqual([]);
  });
});
