import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";

describe("when the target dies, the tap stops", () => {
  let fake: FakeSecoda;
  beforeAll(async () => {
    fake = await startFakeSecoda({ seed: 3, scale: 4000 });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("exits non-zero with one clear EPIPE line, no stack trace, and stops requesting pages", async () => {
    const dir = mkdtempSync(join(tmpdir(), "e2e-downstream-"));
    const config = join(dir, "tap.json");
    writeFileSync(config, JSON.stringify({ api_key: "test-key", base_url: fake.url }));
    // `head -c` stands in for a target that dies after reading a little.
    const child = spawn(
      "bash",
      [
        "-c",
        '"$NODE_BIN" "$TAP" --config "$CONFIG" 2>&3 | head -c 20000 >/dev/null; echo "$PIPESTATUS" >&4',
      ],
      {
        env: { ...process.env, NODE_BIN: process.execPath, TAP: bins.tap, CONFIG: config },
        stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
      },
    );
    const read = (index: 3 | 4) => {
      let text = "";
      child.stdio[index]?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      return () => text;
    };
    const stderr = read(3);
    const status = read(4);
    await new Promise((resolve) => child.on("close", resolve));
    expect(status().trim()).toBe("1");
    const lines = stderr().trim().split("\n");
    expect(lines.at(-1)).toMatch(/FATAL tap-secoda {2}.*closed the pipe \(EPIPE\)/);
    expect(stderr()).not.toMatch(/^\s+at /m);
    // It stopped instead of paging through the rest of the catalog.
    expect(fake.counters().total).toBeLessThan(40);
  });
});
