import { type ErrorStatus, type FaultPlan, type FaultScope, parseFaultPlan } from "./fault-plan.js";

/** The CLI's fault switches (see `secoda-fake --help`). */
export interface FaultFlags {
  readonly faults?: string;
  readonly rateLimit?: number;
  readonly rateLimitBurst?: number;
  /** commander's `--no-retry-after` sets this to false. */
  readonly retryAfter?: boolean;
  readonly errorEvery?: number;
  readonly errorShare?: number;
  readonly errorStatuses?: string;
  readonly slowMs?: number;
  readonly resetEvery?: number;
  readonly truncateEvery?: number;
  readonly missingResultsEvery?: number;
  readonly faultPath?: string;
  readonly faultAfter?: number;
  readonly faultFor?: number;
  readonly faultMax?: number;
  readonly faultSeed?: number;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>; // same keys, minus undefined
}

/**
 * Builds a fault plan: `--faults <json>` first, then each switch adds or replaces one fault.
 * The scope switches (--fault-path/-after/-for/-max) apply to every switch-made fault.
 * Throws FaultPlanError naming the bad value.
 */
export function faultPlanFromFlags(flags: FaultFlags): FaultPlan {
  const base: Record<string, unknown> =
    flags.faults === undefined ? {} : { ...parseFaultPlan(JSON.parse(flags.faults)) };
  const scope: FaultScope = defined({
    pathPrefix: flags.faultPath,
    afterRequests: flags.faultAfter,
    forRequests: flags.faultFor,
    maxFaults: flags.faultMax,
  });
  const every = (n: number | undefined) => (n === undefined ? undefined : { ...scope, every: n });
  const statuses = flags.errorStatuses?.split(",").map((s) => Number(s.trim()) as ErrorStatus); // validated below
  const errors =
    flags.errorEvery === undefined && flags.errorShare === undefined
      ? undefined
      : defined({ ...scope, every: flags.errorEvery, share: flags.errorShare, statuses });
  const plan = defined({
    ...base,
    seed: flags.faultSeed ?? base.seed,
    rateLimit:
      flags.rateLimit === undefined
        ? base.rateLimit
        : defined({
            ...scope,
            perMinute: flags.rateLimit,
            burst: flags.rateLimitBurst,
            retryAfter: flags.retryAfter === false ? false : undefined,
          }),
    errors: errors ?? base.errors,
    slow: flags.slowMs === undefined ? base.slow : { ...scope, delayMs: flags.slowMs },
    reset: every(flags.resetEvery) ?? base.reset,
    truncate: every(flags.truncateEvery) ?? base.truncate,
    missingResults: every(flags.missingResultsEvery) ?? base.missingResults,
  });
  return parseFaultPlan(plan);
}
