import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bins } from "../support/bins.js";

/** The orchestrator examples under examples/ and the meltano.yml check behind them. */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

type Problems = (project: unknown) => string[];
const { problems } = (await import(
  pathToFileURL(join(root, "scripts/meltano-schema.mjs")).href
)) as {
  problems: Problems;
};

interface Project {
  plugins: { extractors: { name: string; select?: string[] }[]; loaders: unknown[] };
  jobs: { name: string; tasks: string[] }[];
}
const fanOut = parse(read("examples/meltano/meltano.yml")) as Project;

describe("meltano.yml against what Meltano's schema allows", () => {
  it("the project's meltano.yml and the fan-out example pass", () => {
    expect(problems(parse(read("meltano.yml")))).toEqual([]);
    expect(problems(fanOut)).toEqual([]);
  });

  it("rejects capabilities, setting kinds and keys Meltano does not know, naming the place", () => {
    const project = parse(read("meltano.yml")) as {
      plugins: { loaders: { capabilities: string[]; settings: Record<string, unknown>[] }[] };
      jobs?: unknown;
      schedules?: unknown;
    };
    const loader = project.plugins.loaders[0];
    if (loader === undefined) throw new Error("no loader");
    loader.capabilities.push("target-schema", "validate-records");
    loader.settings.push({ name: "x", kind: "secret" }, { name: "y", secret: true });
    project.schedules = [{ name: "nightly", job: "j" }];
    expect(problems(project)).toEqual([
      'plugins.loaders[0] (target-postgres): capability "target-schema" is not one Meltano allows for loaders',
      'plugins.loaders[0] (target-postgres): capability "validate-records" is not one Meltano allows for loaders',
      `plugins.loaders[0] (target-postgres).settings[${loader.settings.length - 2}] (x): kind "secret" is not one Meltano allows`,
      `plugins.loaders[0] (target-postgres).settings[${loader.settings.length - 1}] (y): "secret" is not allowed here`,
      "schedules[0] (nightly): a schedule needs a name, an interval and either a job or an extractor and a loader",
    ]);
  });
});

describe("the fan-out examples", () => {
  it("every stream a group selects is one the tap discovers, and no stream is in two groups", () => {
    const discovered = spawnSync(process.execPath, [bins.tap, "--discover"], {
      encoding: "utf8",
      env: { ...process.env, TAP_SECODA_API_KEY: "unused-for-discovery" },
    });
    expect(discovered.status, discovered.stderr).toBe(0);
    const streams = new Set(
      (JSON.parse(discovered.stdout) as { streams: { tap_stream_id: string }[] }).streams.map(
        (s) => s.tap_stream_id,
      ),
    );
    const selected = fanOut.plugins.extractors.flatMap((e) =>
      (e.select ?? []).map((rule) => rule.replace(/\.\*$/, "")),
    );
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.filter((stream) => !streams.has(stream))).toEqual([]);
    expect(new Set(selected).size).toBe(selected.length);
  });

  it.each(["examples/airflow/secoda_fan_out.py", "examples/dagster/secoda_fan_out.py"])(
    "%s parses as Python and runs exactly the example's Meltano jobs",
    (file) => {
      const source = read(file);
      const python = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], {
        input: source,
        encoding: "utf8",
      });
      if (python.error === undefined) expect(python.status, python.stderr).toBe(0);
      else console.warn(`python3 not found: the syntax of ${file} was not checked`);
      const groups = JSON.parse(
        (/^GROUPS = (\[.*\])$/m.exec(source)?.[1] ?? "[]").replaceAll("'", '"'),
      ) as string[];
      expect(groups.map((g) => `secoda-${g}`)).toEqual(fanOut.jobs.map((j) => j.name));
      expect(source).toMatch(/"(meltano run )?secoda-\{group\}"/);
    },
  );
});
