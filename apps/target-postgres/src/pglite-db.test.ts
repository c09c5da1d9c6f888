import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unpackTemplate } from "./pglite-db.js";

// The build's template cluster (scripts/pglite-template.mjs); absent when dist was not built.
const TEMPLATE = new URL("../dist/pglite-template.tgz", import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "target-postgres-template-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(TEMPLATE))("unpackTemplate", () => {
  it("unpacks the cluster on disk and replaces what a killed run left half unpacked", async () => {
    const dataDir = join(dir, "pgdata");
    mkdirSync(`${dataDir}.unpacking`);
    writeFileSync(join(`${dataDir}.unpacking`, "left-over"), "x");
    await unpackTemplate(TEMPLATE, dataDir);
    expect(readFileSync(join(dataDir, "PG_VERSION"), "utf8").trim()).toMatch(/^\d+$/);
    expect(existsSync(join(dataDir, "base"))).toBe(true);
    expect(existsSync(join(dataDir, "left-over"))).toBe(false);
    expect(existsSync(`${dataDir}.unpacking`)).toBe(false);
  }, 60_000); // 40 MB of files: seconds on a loaded machine
});
