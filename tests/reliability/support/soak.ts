/**
 * The soak (issue #19): tap-secoda | target-postgres through real pipes, the target connected
 * through a CommitCutProxy that a seeded schedule drives (cuts mid-COPY, after the COPY, at
 * COMMIT, and COMMIT acknowledgements lost), and kill -9 of either process at a random point.
 * Each iteration resumes from the last STATE the target printed; after the faulty iterations a
 * fault-free run must exit 0, and every table must then equal a clean load, by content hash.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prng } from "@repo/fake-secoda";
import { pgConfigFromEnv, pgUrl, quote, type TestSchema } from "@repo/pg-testing";
import { type KilledRun, runAndKill } from "../../e2e/support/interrupt.js";
import { CommitCutProxy, type CutDecider, type CutPoint } from "./proxy.js";

/** A table's rows without the `_sdc_*` load-time columns: how many, and an md5 of them all. */
export interface TableHash {
  readonly rows: number;
  readonly md5: string;
  /** Rows stamped `_sdc_deleted_at` (ACTIVATE_VERSION): not in `rows` or `md5`. */
  readonly deleted: number;
}

/**
 * Every user table of the schema (not the target's own `_sdc_*` tables) by name. A row is its
 * columns as jsonb minus every `_sdc_*` key; rows are ordered by their text, so the hash is of
 * the multiset of rows and does not depend on column order or physical order.
 */
export async function tableHashes(schema: TestSchema): Promise<Record<string, TableHash>> {
  const tables = await schema.query<{ name: string }>(
    `select table_name as name from information_schema.tables
      where table_schema = $1 and table_type = 'BASE TABLE' and table_name not like '\\_sdc\\_%'
      order by 1`,
    [schema.name],
  );
  const out: Record<string, TableHash> = {};
  for (const { name } of tables) {
    const [row] = await schema.query<TableHash>(
      `select count(*) filter (where not deleted)::int as rows,
              md5(coalesce(string_agg(j::text, E'\\n' order by j::text) filter (where not deleted), '')) as md5,
              count(*) filter (where deleted)::int as deleted
         from (select (select coalesce(jsonb_object_agg(key, value), '{}')
                         from jsonb_each(to_jsonb(t)) where key not like '\\_sdc\\_%') as j,
                      coalesce(to_jsonb(t)->>'_sdc_deleted_at', '') <> '' as deleted
                 from ${quote(schema.name)}.${quote(name)} t) r`,
    );
    if (row !== undefined) out[name] = row;
  }
  return out;
}

export interface SoakSetup {
  readonly seed: number;
  readonly tapConfig: object;
  /** Target settings except the connection and schema. */
  readonly targetConfig: object;
  /** Settings drawn per iteration over `targetConfig` (batch sizes, parallelism). */
  readonly vary?: (random: () => number) => object;
  /** Bytes the tap writes in a full run: kills are drawn below it. */
  readonly tapBytes: number;
  /** Faulty iterations per round at most; then the fault-free run. */
  readonly maxFaulty: number;
  /** Probability that a cut point cuts (per point kind); `outside` is off by default. */
  readonly cutRates: Readonly<Partial<Record<CutPoint, number>>>;
  /** Probability that an iteration kill -9s one of the processes. */
  readonly killRate: number;
  /** Changes the source before every iteration but a round's first (the fake's mutations). */
  readonly between?: (random: () => number) => void;
}

/** What happened, counted across iterations (printed as the soak's report). */
export interface SoakTally {
  iterations: number;
  readonly fired: Map<string, number>;
  readonly outcomes: Map<string, number>;
  /** Target FATAL lines, with names and numbers blanked, by how often. */
  readonly fatals: Map<string, number>;
}

export function newTally(): SoakTally {
  return { iterations: 0, fired: new Map(), outcomes: new Map(), fatals: new Map() };
}

function count(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** One iteration's result, with a short description for the log. */
export interface Iteration extends KilledRun {
  readonly faulty: boolean;
  /** Who was sent SIGKILL (if the run reached the kill's point). */
  readonly victim: "tap" | "target" | undefined;
  readonly plan: string;
}

/**
 * One round into `schema`, from no STATE: faulty iterations (each from the last printed STATE)
 * until one exits 0 or `maxFaulty` ran, then the fault-free run. Returns every iteration; the
 * caller checks them and the tables. Each iteration draws its kill from its own PRNG and its
 * cuts from another (seeded by seed, round, iteration), so a seed replays the same schedule; only
 * the order in which the target reaches cut points can differ between runs.
 */
export async function soakRound(
  setup: SoakSetup,
  schema: TestSchema,
  round: number,
  tally: SoakTally,
): Promise<Iteration[]> {
  const dir = mkdtempSync(join(tmpdir(), "reliability-soak-"));
  const iterations: Iteration[] = [];
  let state: unknown;
  let faultyLeft = setup.maxFaulty;
  for (let i = 0; ; i++) {
    const faulty = faultyLeft > 0;
    const random = draws(setup.seed, round, i, 1);
    const cutRandom = draws(setup.seed, round, i, 2);
    if (i > 0) setup.between?.(draws(setup.seed, round, i, 3));
    const varied = setup.vary?.(draws(setup.seed, round, i, 4)) ?? {};
    const decide: CutDecider = (point) => {
      if (!faulty || cutRandom() >= (setup.cutRates[point] ?? 0)) return undefined;
      return point === "commit" && cutRandom() < 0.5 ? "ack" : "cut";
    };
    const proxy = new CommitCutProxy(pgConfigFromEnv(), decide);
    await proxy.start();
    const kill = faulty && random() < setup.killRate ? drawKill(random, setup.tapBytes) : undefined;
    let run: KilledRun;
    try {
      run = await runAndKill({
        dir,
        tapConfig: setup.tapConfig,
        targetConfig: {
          ...setup.targetConfig,
          ...varied,
          connection_string: proxy.url(pgUrl()),
          default_target_schema: schema.name,
        },
        ...(state === undefined ? {} : { state }),
        ...(kill === undefined ? {} : { kill }),
      });
    } finally {
      await proxy.stop();
    }
    tally.iterations += 1;
    for (const [name, n] of proxy.fired) count(tally.fired, name, n);
    if (run.killed && kill !== undefined) count(tally.fired, `kill -9 ${kill.who}`);
    count(tally.outcomes, outcome(run));
    const fatal = run.targetStderr.split("\n").find((line) => / FATAL /.test(line));
    if (fatal !== undefined) count(tally.fatals, blanked(fatal, schema.name));
    const plan = `${faulty ? "faulty" : "fault-free"} ${JSON.stringify(varied)}${kill === undefined ? "" : `, kill -9 ${kill.who} after ${kill.afterBytes} tap bytes${run.killed ? "" : " (not reached)"}`}; cuts ${[...proxy.fired].map(([k, n]) => `${k} ×${n}`).join(", ") || "none"}`;
    iterations.push({ ...run, faulty, victim: run.killed ? kill?.who : undefined, plan });
    if (run.states.length > 0) state = run.states.at(-1);
    if (!faulty) return iterations;
    // A faulty run that exits 0 loaded everything: the fault-free run comes next.
    const clean = run.tapExit.code === 0 && run.targetExit.code === 0;
    faultyLeft = clean ? 0 : faultyLeft - 1;
  }
}

function drawKill(random: () => number, tapBytes: number) {
  return {
    who: random() < 0.5 ? "tap" : "target",
    afterBytes: Math.floor(random() * tapBytes),
  } as const;
}

/** A FATAL line without its time, schema, ids and numbers, so like failures count together. */
function blanked(line: string, schema: string): string {
  return line
    .replace(/^\S+ FATAL target-postgres\s+/, "")
    .replaceAll(schema, "<schema>")
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<id>")
    .replace(/\d+/g, "N");
}

/** `tap <exit> | target <exit>`, signals by name. */
function outcome(run: KilledRun): string {
  const exit = (e: KilledRun["tapExit"]) => e.signal ?? String(e.code);
  return `tap ${exit(run.tapExit)} | target ${exit(run.targetExit)}`;
}

/** A PRNG for one purpose (`stream`) of one iteration of one round of a soak with `seed`. */
function draws(seed: number, round: number, iteration: number, stream: number): () => number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1);
  for (const part of [round, iteration, stream])
    h = Math.imul(h ^ (part + 1), 0x85ebca6b) ^ (h >>> 13);
  return prng(h);
}
