import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkCase,
  type Row,
  TARGET_CASES,
  type TargetAdapter,
  type TargetRun,
} from "@singerkit/singer/testing";
import { describe, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** What target-jsonl does not do, by design: it writes records and checks them, nothing more. */
const NOT_APPLICABLE: Record<string, string> = {
  broken_schema: "target-jsonl accepts a schema without properties (it stores no columns)",
  keyless_record: "target-jsonl has no keys to check (it appends every record)",
};

/** target-jsonl appends every record to `<folder>/<stream>.jsonl` and keeps U+0000 as it is. */
const adapter: TargetAdapter = {
  upserts: false,
  fresh: async () => {
    const dir = mkdtempSync(join(tmpdir(), "target-jsonl-kit-"));
    const out = join(dir, "out");
    return {
      run: (input, settings) => {
        const config = join(dir, "config.json");
        writeFileSync(config, JSON.stringify({ destination_path: out, ...settings }));
        return runCli(["--config", config], input);
      },
      rows: async (stream) => {
        const file = join(out, `${stream.replace(/[^\w.-]/g, "_")}.jsonl`);
        if (!existsSync(file)) return [];
        return readFileSync(file, "utf8")
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as Row);
      },
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

function runCli(args: readonly string[], input: string): Promise<TargetRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

describe("target-jsonl against the conformance streams (@singerkit/singer/testing)", () => {
  for (const testCase of TARGET_CASES) {
    const reason = NOT_APPLICABLE[testCase.name];
    it.skipIf(reason !== undefined)(`${testCase.name}${reason ? ` (${reason})` : ""}`, () =>
      checkCase(adapter, testCase),
    );
  }
});
