import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function run(input: string) {
  const dir = mkdtempSync(join(tmpdir(), "target-jsonl-"));
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ destination_path: join(dir, "out") }));
  const result = spawnSync(process.execPath, [cli, "--config", config], {
    input,
    encoding: "utf8",
  });
  const read = (stream: string) => readFileSync(join(dir, "out", `${stream}.jsonl`), "utf8");
  return { ...result, read };
}

const schema =
  '{"type":"SCHEMA","stream":"users","schema":{"properties":{"id":{"type":"integer"}}},"key_properties":["id"]}';

describe("target-jsonl", () => {
  it("writes records per stream and echoes each STATE's value after them", () => {
    const result = run(
      [
        schema,
        '{"type":"RECORD","stream":"users","record":{"id":1}}',
        '{"type":"STATE","value":{"bookmarks":{"users":1}}}',
        '{"type":"RECORD","stream":"users","record":{"id":2}}',
        '{"type":"STATE","value":{"bookmarks":{"users":2}}}',
      ].join("\n"),
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('{"bookmarks":{"users":1}}\n{"bookmarks":{"users":2}}\n');
    expect(result.read("users")).toBe('{"id":1}\n{"id":2}\n');
  });

  it("fails on a record before its schema, naming the line and stream", () => {
    const result = run('{"type":"RECORD","stream":"users","record":{"id":1}}\n');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /FATAL target-jsonl {2}line 1, stream users: RECORD before its SCHEMA\n$/,
    );
  });

  it("fails on an invalid record, naming the field", () => {
    const result = run(`${schema}\n{"type":"RECORD","stream":"users","record":{"id":"x"}}\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /line 2, stream users, field \/id: must be integer, got "x" \(string\)\n$/,
    );
  });
});
