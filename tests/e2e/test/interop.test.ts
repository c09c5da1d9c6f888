import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeSecoda, startFakeSecoda } from "@repo/fake-secoda";
import { freshSchema, pgUrl, postgresUnavailable, type TestSchema } from "@repo/pg-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins } from "../support/bins.js";
import {
  latestRecords,
  type PipeRun,
  parseMessages,
  runPipe,
  stateLines,
} from "../support/pipe.js";
import { run } from "../support/run.js";
import { sourceDifferences } from "../support/warehouse.js";

let fake: FakeSecoda;
const out = mkdtempSync(join(tmpdir(), "e2e-interop-"));
beforeAll(async () => {
  fake = await startFakeSecoda({ seed: 5, scale: 800, adminKey: "interop-admin" });
});
afterAll(async () => {
  await fake?.close();
});

describe("our tap into another target (target-jsonl)", () => {
  let run: PipeRun;
  beforeAll(async () => {
    run = await runPipe({
      tapConfig: { api_key: "interop-admin", base_url: fake.url },
      targetConfig: { destination_path: out },
      target: bins.jsonl,
    });
  });

  it("delivers every record of every stream, and the last STATE", async () => {
    expect([run.tapStatus, run.targetStatus]).toEqual([0, 0]);
    const files = readdirSync(out).filter((name) => name.endsWith(".jsonl"));
    const tapRecords = new Map<string, number>();
    for (const message of run.tapMessages) {
      if (message.type === "RECORD")
        tapRecords.set(message.stream, (tapRecords.get(message.stream) ?? 0) + 1);
    }
    const written = new Map(
      files.map((name) => [
        name.replace(/\.jsonl$/, ""),
        readFileSync(join(out, name), "utf8").trim().split("\n").length,
      ]),
    );
    expect(written).toEqual(tapRecords);
    const tapStates = run.tapMessages.filter((m) => m.type === "STATE").map((m) => m.value);
    expect(run.targetStates.at(-1)).toEqual(tapStates.at(-1));
  });
});

const unavailable = await postgresUnavailable();

describe.skipIf(unavailable !== undefined)(
  "a recorded tap output into target-postgres, as a user runs it",
  () => {
    let schema: TestSchema;
    afterAll(async () => {
      await schema?.drop();
    });

    it("loads a multi-stream recording from stdin and from --input", async () => {
      schema = await freshSchema("e2e_recorded");
      const dir = mkdtempSync(join(tmpdir(), "e2e-recorded-"));
      const tapConfig = join(dir, "tap.json");
      writeFileSync(tapConfig, JSON.stringify({ api_key: "interop-admin", base_url: fake.url }));
      const recording = await run(process.execPath, [bins.tap, "--config", tapConfig]);
      expect(recording.status).toBe(0);
      const file = join(dir, "recording.singer");
      writeFileSync(file, recording.stdout);
      const config = join(dir, "target.json");
      writeFileSync(
        config,
        JSON.stringify({ connection_string: pgUrl(), default_target_schema: schema.name }),
      );

      const fromStdin = await run(
        "bash",
        ["-c", '"$NODE_BIN" "$TARGET" --config "$CONFIG" < "$FILE"'],
        {
          env: {
            ...process.env,
            NODE_BIN: process.execPath,
            TARGET: bins.target,
            CONFIG: config,
            FILE: file,
          },
        },
      );
      expect(fromStdin.status, fromStdin.stderr.slice(-400)).toBe(0);
      // A keyed re-run through --input is idempotent.
      const fromFile = await run(process.execPath, [
        bins.target,
        "--config",
        config,
        "--input",
        file,
      ]);
      expect(fromFile.status, fromFile.stderr.slice(-400)).toBe(0);
      expect(stateLines(fromFile.stdout.toString()).at(-1)).toEqual(
        stateLines(fromStdin.stdout.toString()).at(-1),
      );

      const source = await parseMessages(recording.stdout);
      expect(latestRecords(source).records.size).toBeGreaterThan(20);
      expect((await sourceDifferences(schema, source)).slice(0, 10)).toEqual([]);
    });
  },
);
