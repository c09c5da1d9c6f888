// Proves the published packages work as published: packs every non-private workspace package with
// `pnpm pack` (what `pnpm publish` uploads: workspace:/catalog: ranges rewritten), checks each
// tarball's package.json and file list, installs the tarballs together with npm into an empty
// folder (dependencies from the registry, ours from the tarballs), and runs the installed commands:
// --about, --version, a three-line load into the embedded PostgreSQL, and the installed tap piped
// into the installed target against the workspace's fake Secoda API.
// Usage: node scripts/pack-check.mjs [--keep]   (after `npm run build`; --keep leaves the temp dir)
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const PNPM = process.env.PNPM || "pnpm";
const SCOPE = "@singerkit/";
const keep = process.argv.includes("--keep");
const say = (line) => process.stdout.write(`pack-check: ${line}\n`);

class CheckFailed extends Error {}

/** Children started with spawn(), killed if we are interrupted. */
const children = new Set();
function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

// ---- the workspace ---------------------------------------------------------------------------

/** Every workspace package ({ dir, pkg }), from pnpm-workspace.yaml's `packages:` globs. */
function workspacePackages() {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const section = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const globs = [...section.matchAll(/^\s+-\s+["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1]);
  const dirs = globs.flatMap((glob) => {
    if (!glob.endsWith("/*")) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  return dirs.flatMap((dir) => {
    try {
      return [{ dir, pkg: JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) }];
    } catch {
      return []; // a folder without package.json is not a package
    }
  });
}

// ---- tarballs ----------------------------------------------------------------------------------

/** Entries of a .tgz: Map(path without the leading "package/" → { mode, data }). */
function readTarball(file) {
  const tar = gunzipSync(readFileSync(file));
  const entries = new Map();
  const text = (at, length) => tar.toString("utf8", at, at + length).replace(/\0.*$/s, "");
  let longName;
  for (let at = 0; at + 512 <= tar.length; ) {
    if (tar[at] === 0) break; // end-of-archive block
    const size = Number.parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] || 48);
    const prefix = text(at + 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
    const data = tar.subarray(at + 512, at + 512 + size);
    longName = undefined;
    if (type === "x") longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1];
    else if (type === "0")
      entries.set(name.replace(/^package\//, ""), {
        mode: Number.parseInt(text(at + 100, 8).trim(), 8),
        data,
      });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Everything wrong with one packed package; [] when it is publishable. */
function tarballProblems({ pkg, entries, workspace, rootEngines }) {
  const problems = [];
  const manifest = entries.get("package.json");
  if (!manifest) return ["package.json is missing from the tarball"];
  const packed = JSON.parse(manifest.data.toString("utf8"));

  // package.json
  const raw = manifest.data.toString("utf8");
  for (const protocol of ["workspace:", "catalog:", "link:", "file:"])
    if (raw.includes(`"${protocol}`)) problems.push(`package.json still has a "${protocol}" range`);
  if (packed.name !== pkg.name) problems.push(`packed name ${packed.name} ≠ ${pkg.name}`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(packed.version ?? ""))
    problems.push(`version ${JSON.stringify(packed.version)} is not semver`);
  if (!packed.description) problems.push("no description");
  if (packed.license !== "Apache-2.0")
    problems.push(`license is ${packed.license}, not Apache-2.0`);
  if (packed.engines?.node !== rootEngines)
    problems.push(`engines.node is ${packed.engines?.node}, the workspace says ${rootEngines}`);
  if (packed.private) problems.push("private: true (pnpm publish would refuse it)");
  if (packed.name.startsWith("@") && packed.publishConfig?.access !== "public")
    problems.push('scoped but publishConfig.access is not "public"');
  for (const script of ["preinstall", "install", "postinstall", "prepare"])
    if (packed.scripts?.[script]) problems.push(`has a "${script}" script`);
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      const local = workspace.get(name);
      if (!local) continue;
      if (local.private) problems.push(`${field} has ${name}, a private workspace package`);
      else if (range !== local.version)
        problems.push(`${field}.${name} is ${range}, the workspace has ${local.version}`);
    }
  }

  // files
  for (const file of ["README.md", "LICENSE"])
    if (!entries.has(file)) problems.push(`${file} is missing`);
  const license = entries.get("LICENSE")?.data.toString("utf8") ?? "";
  if (entries.has("LICENSE") && !/Apache License\s+Version 2\.0/.test(license))
    problems.push("LICENSE is not the Apache-2.0 text");
  const unwanted = [
    [/(^|\/)(test|tests|__tests__)\//, "a test folder"],
    [/\.(test|spec)\.[cm]?[jt]s$/, "a test file"],
    [/\.map$/, "a source map"],
    [/(?<!\.d)\.[cm]?ts$/, "TypeScript source"],
    [/(^|\/)(tsconfig[\w.]*\.json|vitest\.config\.\w+|\.tsbuildinfo)$/, "build config"],
    [/(^|\/)\.env/, "an env file"],
  ];
  for (const path of entries.keys())
    for (const [pattern, what] of unwanted)
      if (pattern.test(path)) problems.push(`ships ${what}: ${path}`);

  // entry points exist; bins are executables
  const bins = typeof packed.bin === "string" ? { [packed.name]: packed.bin } : (packed.bin ?? {});
  const norm = (path) => posix.normalize(path).replace(/^\.\//, "");
  for (const [command, path] of Object.entries(bins)) {
    const entry = entries.get(norm(path));
    if (!entry) {
      problems.push(`bin ${command} → ${path} is not in the tarball`);
      continue;
    }
    if ((entry.mode & 0o111) === 0)
      problems.push(`bin ${command} → ${path} is not executable (mode ${entry.mode.toString(8)})`);
    if (!entry.data.toString("utf8").startsWith("#!/usr/bin/env node\n"))
      problems.push(`bin ${command} → ${path} does not start with #!/usr/bin/env node`);
  }
  const targets = (value) =>
    typeof value === "string"
      ? [value]
      : Object.values(value ?? {}).flatMap((v) => (v === null ? [] : targets(v)));
  for (const path of [packed.main, packed.types, ...targets(packed.exports)].filter(Boolean))
    if (!entries.has(norm(path))) problems.push(`entry point ${path} is not in the tarball`);

  // every relative import of a shipped module is shipped too
  const specifiers = [
    /\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g,
    /new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url/g,
  ];
  for (const [path, { data }] of entries) {
    if (!/\.(m?js|d\.ts)$/.test(path)) continue;
    const source = data.toString("utf8");
    for (const pattern of specifiers)
      for (const [, specifier] of source.matchAll(pattern)) {
        let target = posix.join(posix.dirname(path), specifier);
        if (path.endsWith(".d.ts")) target = target.replace(/\.js$/, ".d.ts");
        if (!entries.has(target)) problems.push(`${path} imports ${specifier}, not in the tarball`);
      }
  }
  if (!Object.keys(bins).length && !packed.exports && !packed.main)
    problems.push("neither bin nor exports: nothing to use");
  return problems;
}

// ---- processes ---------------------------------------------------------------------------------

/** The environment for installed commands: no npm/pnpm lifecycle vars, no database or plugin settings. */
function cleanEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(npm_|pnpm_|PG|DATABASE_URL$|TAP_SECODA_|TARGET_POSTGRES_|LOGLEVEL$)/.test(key))
      env[key] = value;
  return env;
}

function run(what, command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (result.status === 0) return result.stdout;
  const why = result.error
    ? result.error.message
    : result.signal
      ? `killed by ${result.signal}`
      : `exit ${result.status}`;
  const tail = `${result.stderr ?? ""}${result.stdout ?? ""}`.trim().split("\n").slice(-15);
  throw new CheckFailed(
    `${what} failed (${why}): ${command} ${args.join(" ")}\n    ${tail.join("\n    ")}`,
  );
}

function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Runs `left | right` (argv arrays, in cwd) with real OS pipes; resolves with both results. */
function pipe(left, right, options) {
  const start = (argv, stdin) =>
    track(spawn(argv[0], argv.slice(1), { ...options, stdio: [stdin, "pipe", "pipe"] }));
  const a = start(left, "ignore");
  const b = start(right, "pipe");
  a.stdout.pipe(b.stdin);
  const done = (child) =>
    new Promise((resolve) => {
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  const timer = setTimeout(() => {
    a.kill();
    b.kill();
  }, 120_000);
  return Promise.all([done(a), done(b)]).finally(() => clearTimeout(timer));
}

const lastLine = (text) => text.trim().split("\n").at(-1) ?? "";

// ---- the check ---------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const all = workspacePackages();
  const workspace = new Map(all.map(({ pkg }) => [pkg.name, pkg]));
  const rootEngines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines?.node;
  const publishable = all.filter(({ pkg }) => !pkg.private);
  const strays = publishable.filter(({ pkg }) => !pkg.name.startsWith(SCOPE));
  expect(
    strays.length === 0,
    `not private and not under ${SCOPE} (add "private": true or move it to the scope): ${strays
      .map(({ dir, pkg }) => `${pkg.name} (${dir})`)
      .join(", ")}`,
  );
  expect(publishable.length > 0, "no publishable package found");

  const temp = mkdtempSync(join(tmpdir(), "pack-check-"));
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ])
    process.once(signal, () => {
      for (const child of children) child.kill();
      if (!keep) rmSync(temp, { recursive: true, force: true });
      process.exit(code);
    });
  try {
    // 1. pack and inspect
    const packs = join(temp, "packs");
    mkdirSync(packs);
    const tarballs = [];
    const failures = [];
    for (const { dir, pkg } of publishable) {
      const out = run(
        `pnpm pack of ${pkg.name}`,
        PNPM,
        ["pack", "--pack-destination", packs, "--json"],
        {
          cwd: join(root, dir),
        },
      );
      const file = JSON.parse(out.slice(out.indexOf("{"))).filename;
      const entries = readTarball(file);
      const problems = tarballProblems({ pkg, entries, workspace, rootEngines });
      const bytes = [...entries.values()].reduce((sum, { data }) => sum + data.length, 0);
      say(`${pkg.name}@${pkg.version}: ${entries.size} files, ${Math.round(bytes / 1024)} KiB`);
      for (const problem of problems) failures.push(`${pkg.name}: ${problem}`);
      tarballs.push({ pkg, file });
    }
    expect(failures.length === 0, `the tarballs are not publishable:\n  ${failures.join("\n  ")}`);

    // 2. install them together, as a user would from the registry
    const app = join(temp, "install");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), '{ "name": "pack-check-install", "private": true }\n');
    const env = cleanEnv();
    const installStarted = Date.now();
    run(
      "npm install of the tarballs",
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--prefix",
        app,
        ...tarballs.map((t) => t.file),
      ],
      { cwd: app, env },
    );
    say(`installed with npm in ${((Date.now() - installStarted) / 1000).toFixed(1)} s`);
    const installed = (name) =>
      JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8"));
    for (const { pkg } of tarballs)
      expect(
        installed(pkg.name).version === pkg.version,
        `${pkg.name} installed as ${installed(pkg.name).version}, not the tarball's ${pkg.version}`,
      );
    for (const { pkg } of tarballs)
      for (const dep of Object.keys(pkg.dependencies ?? {}))
        expect(
          !workspace.has(dep) ||
            !existsSync(join(app, "node_modules", pkg.name, "node_modules", dep)),
          `${pkg.name} got its own copy of ${dep} instead of the tarball's`,
        );

    // 3. the installed commands
    const npx = (what, args, options = {}) =>
      run(what, "npx", ["--no-install", ...args], { cwd: app, env, ...options });
    const versionOf = (name) => tarballs.find((t) => t.pkg.name === name)?.pkg.version;
    const tapVersion = versionOf(`${SCOPE}tap-secoda`);
    const targetVersion = versionOf(`${SCOPE}target-postgres`);
    expect(tapVersion && targetVersion, "tap-secoda or target-postgres is not published");

    const about = JSON.parse(
      npx("tap-secoda --about", ["tap-secoda", "--about", "--format", "json"]),
    );
    expect(
      about.name === "tap-secoda" && about.version === tapVersion,
      `tap-secoda --about says ${about.name} ${about.version}, expected tap-secoda ${tapVersion}`,
    );
    const targetAbout = npx("target-postgres --about", ["target-postgres", "--about"]);
    expect(
      targetAbout.includes("Name: target-postgres") && targetAbout.includes(targetVersion),
      `target-postgres --about does not name target-postgres ${targetVersion}:\n${targetAbout}`,
    );
    const version = npx("target-postgres --version", ["target-postgres", "--version"]).trim();
    expect(version === targetVersion, `target-postgres --version: ${version} ≠ ${targetVersion}`);
    say("installed tap-secoda and target-postgres answer --about and --version");

    // a three-line load into the embedded PostgreSQL
    const config = join(temp, "target.json");
    writeFileSync(
      config,
      JSON.stringify({
        embedded: true,
        embedded_path: join(temp, "db"),
        default_target_schema: "pack_check",
      }),
    );
    const state = { bookmarks: { items: { id: 2 } } };
    const input = [
      {
        type: "SCHEMA",
        stream: "items",
        schema: {
          type: "object",
          properties: { id: { type: "integer" }, name: { type: ["string", "null"] } },
        },
        key_properties: ["id"],
      },
      { type: "RECORD", stream: "items", record: { id: 2, name: "published" } },
      { type: "STATE", value: state },
    ];
    const loaded = npx("target-postgres load", ["target-postgres", "--config", config], {
      input: `${input.map((m) => JSON.stringify(m)).join("\n")}\n`,
    });
    expect(
      lastLine(loaded) === JSON.stringify(state),
      `target-postgres did not print the STATE after loading; stdout was:\n${loaded}`,
    );
    const rows = npx("target-postgres inspect", [
      "target-postgres",
      "inspect",
      "--config",
      config,
      "--sql",
      "select id, name from pack_check.items",
    ]);
    expect(
      rows.includes("published") && rows.includes("(1 row)"),
      `the loaded row is not in the embedded database; inspect printed:\n${rows}`,
    );
    say("installed target-postgres loaded a record into the embedded PostgreSQL, then its STATE");

    // the installed tap piped into the installed target, against the fake Secoda API
    await tapIntoTarget({ app, env, temp, config });

    say(`ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (keep) say(`kept ${temp}`);
    else rmSync(temp, { recursive: true, force: true });
  }
}

async function tapIntoTarget({ app, env, temp, config }) {
  const fakeCli = join(root, "packages/fake-secoda/dist/cli.js");
  const fake = track(
    spawn(process.execPath, [fakeCli, "--port", "0", "--scale", "100"], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  try {
    const url = await new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      fake.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.split("\n")[0].trim());
      });
      fake.stderr.on("data", (chunk) => {
        err += chunk;
      });
      fake.on("exit", (code) =>
        reject(new CheckFailed(`the fake Secoda API (${fakeCli}) exited with ${code}:\n${err}`)),
      );
    });
    const tapConfig = join(temp, "tap.json");
    writeFileSync(tapConfig, JSON.stringify({ api_key: "test-key", base_url: url }));
    const bin = (name) => join(app, "node_modules", ".bin", name);
    const [tap, target] = await pipe(
      [bin("tap-secoda"), "--config", tapConfig],
      [bin("target-postgres"), "--config", config],
      { cwd: app, env },
    );
    for (const [name, result] of [
      ["tap-secoda", tap],
      ["target-postgres", target],
    ])
      expect(
        result.code === 0,
        `installed ${name} in the pipe exited with ${result.code ?? result.signal}:\n${result.stderr
          .trim()
          .split("\n")
          .slice(-10)
          .join("\n")}`,
      );
    const last = lastLine(target.stdout);
    let state;
    try {
      state = JSON.parse(last);
    } catch {
      // reported below
    }
    expect(
      typeof state?.bookmarks === "object",
      `the pipe printed no final state with bookmarks; its last line: ${last.slice(0, 200)}`,
    );
    say("installed tap-secoda | installed target-postgres: a full sync of the fake API, STATE out");
  } finally {
    fake.kill();
  }
}

main().catch((error) => {
  process.stderr.write(
    `pack-check: FAILED: ${error instanceof CheckFailed ? error.message : error.stack}\n`,
  );
  process.exitCode = 1;
});
