import type { ErrorStatus, FaultPlan, FaultScope, FaultTrigger } from "./fault-plan.js";
import { hash4, prng } from "./ids.js";

/** What to do to one response. */
export type FaultOutcome =
  | { readonly type: "none" }
  | { readonly type: "rate-limited"; readonly retryAfterSeconds: number | undefined }
  | { readonly type: "error"; readonly status: ErrorStatus }
  | { readonly type: "reset"; readonly fraction: number }
  | { readonly type: "truncate"; readonly fraction: number }
  | { readonly type: "missing-results" };

export interface FaultDecision {
  readonly delayMs: number;
  readonly outcome: FaultOutcome;
}

/** Counts one fault's scope: which requests are in it and how many faults it has injected. */
class ScopeCounter {
  readonly #scope: FaultScope;
  #seen = 0;
  #injected = 0;

  constructor(scope: FaultScope) {
    this.#scope = scope;
  }

  /** The 1-based position among eligible requests, or undefined when out of scope. */
  eligible(path: string): number | undefined {
    const { pathPrefix, afterRequests = 0, forRequests, maxFaults } = this.#scope;
    if (pathPrefix !== undefined && !path.startsWith(pathPrefix)) return undefined;
    this.#seen += 1;
    const position = this.#seen - afterRequests;
    if (position < 1 || (forRequests !== undefined && position > forRequests)) return undefined;
    if (maxFaults !== undefined && this.#injected >= maxFaults) return undefined;
    return position;
  }

  injected(): void {
    this.#injected += 1;
  }
}

class Trigger {
  readonly #spec: FaultTrigger;
  readonly #counter: ScopeCounter;
  readonly #random: () => number;

  constructor(spec: FaultTrigger, seed: number, salt: number) {
    this.#spec = spec;
    this.#counter = new ScopeCounter(spec);
    this.#random = prng(hash4(seed, salt, 0x6661756c, 0));
  }

  /** True when this request should get the fault. */
  fires(path: string): boolean {
    const position = this.#counter.eligible(path);
    if (position === undefined) return false;
    const { every, share } = this.#spec;
    const fire =
      every !== undefined
        ? position % every === 0
        : share !== undefined
          ? this.#random() < share
          : true;
    if (fire) this.#counter.injected();
    return fire;
  }
}

/** A token bucket over wall-clock time (injectable for unit tests). */
class RateLimiter {
  readonly #counter: ScopeCounter;
  readonly #perMs: number;
  readonly #capacity: number;
  readonly #retryAfter: boolean;
  readonly #nowMs: () => number;
  #tokens: number;
  #last: number;

  constructor(spec: NonNullable<FaultPlan["rateLimit"]>, nowMs: () => number) {
    this.#counter = new ScopeCounter(spec);
    this.#perMs = spec.perMinute / 60_000;
    this.#capacity = spec.burst ?? spec.perMinute;
    this.#retryAfter = spec.retryAfter ?? true;
    this.#nowMs = nowMs;
    this.#tokens = this.#capacity;
    this.#last = nowMs();
  }

  check(path: string): FaultOutcome | undefined {
    if (this.#counter.eligible(path) === undefined) return undefined;
    const now = this.#nowMs();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return undefined;
    }
    this.#counter.injected();
    const wait = Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs / 1000));
    return { type: "rate-limited", retryAfterSeconds: this.#retryAfter ? wait : undefined };
  }
}

const DEFAULT_STATUSES: readonly ErrorStatus[] = [500, 502, 503];

/**
 * Decides, per request, which fault (if any) to inject. Priority: 429, then 5xx, then the body
 * faults (reset, truncate, missing results); a delay combines with any of them. Deterministic
 * for a given plan, seed and request order.
 */
export class FaultInjector {
  readonly plan: FaultPlan;
  readonly #rateLimit: RateLimiter | undefined;
  readonly #triggers: Partial<
    Record<"errors" | "slow" | "reset" | "truncate" | "missingResults", Trigger>
  >;
  #errorsFired = 0;

  constructor(plan: FaultPlan, seed: number, nowMs: () => number = () => performance.now()) {
    this.plan = plan;
    const faultSeed = plan.seed ?? seed;
    this.#rateLimit =
      plan.rateLimit === undefined ? undefined : new RateLimiter(plan.rateLimit, nowMs);
    const make = (spec: FaultTrigger | undefined, salt: number) =>
      spec === undefined ? undefined : new Trigger(spec, faultSeed, salt);
    this.#triggers = {
      ...optional("errors", make(plan.errors, 1)),
      ...optional("slow", make(plan.slow, 2)),
      ...optional("reset", make(plan.reset, 3)),
      ...optional("truncate", make(plan.truncate, 4)),
      ...optional("missingResults", make(plan.missingResults, 5)),
    };
  }

  decide(path: string): FaultDecision {
    const limited = this.#rateLimit?.check(path);
    const fired = {
      errors: this.#triggers.errors?.fires(path) ?? false,
      slow: this.#triggers.slow?.fires(path) ?? false,
      reset: this.#triggers.reset?.fires(path) ?? false,
      truncate: this.#triggers.truncate?.fires(path) ?? false,
      missingResults: this.#triggers.missingResults?.fires(path) ?? false,
    };
    const delayMs = fired.slow ? (this.plan.slow?.delayMs ?? 0) : 0;
    return { delayMs, outcome: limited ?? this.#outcome(fired) };
  }

  #outcome(
    fired: Record<"errors" | "reset" | "truncate" | "missingResults", boolean>,
  ): FaultOutcome {
    if (fired.errors) {
      const statuses = this.plan.errors?.statuses ?? DEFAULT_STATUSES;
      const status = statuses[this.#errorsFired % statuses.length] ?? 500;
      this.#errorsFired += 1;
      return { type: "error", status };
    }
    if (fired.reset) return { type: "reset", fraction: this.plan.reset?.fraction ?? 0.5 };
    if (fired.truncate) return { type: "truncate", fraction: this.plan.truncate?.fraction ?? 0.5 };
    if (fired.missingResults) return { type: "missing-results" };
    return { type: "none" };
  }
}

function optional<K extends string>(
  key: K,
  value: Trigger | undefined,
): Partial<Record<K, Trigger>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, Trigger>); // key is K by construction
}
