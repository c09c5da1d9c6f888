/**
 * Fault switches as plain data, so the same plan can come from code, the CLI or the admin API.
 * Every fault counts the requests in its own scope independently of the others.
 */
import { isJsonObject } from "./json.js";

/** Which requests a fault may hit. */
export interface FaultScope {
  /** Only requests whose path starts with this (e.g. "/api/v1/resource/catalog"). */
  readonly pathPrefix?: string;
  /** Let the first N requests in scope through untouched. */
  readonly afterRequests?: number;
  /** Then only the next K requests in scope are eligible (omit = all later requests). */
  readonly forRequests?: number;
  /** Stop after injecting this many faults (the fault "recovers"). */
  readonly maxFaults?: number;
}

/** Which eligible requests fire: every Nth, a seeded share, or (neither given) all of them. */
export interface FaultTrigger extends FaultScope {
  readonly every?: number;
  readonly share?: number;
}

export interface RateLimitFault extends FaultScope {
  /** Token bucket refill rate; requests without a token get 429. */
  readonly perMinute: number;
  /** Bucket size (default: perMinute). */
  readonly burst?: number;
  /** Send `Retry-After` (whole seconds until the next token; default true). */
  readonly retryAfter?: boolean;
}

export type ErrorStatus = 500 | 502 | 503;

export interface FaultPlan {
  /** Seed for `share` triggers (default: the dataset seed). */
  readonly seed?: number;
  readonly rateLimit?: RateLimitFault;
  /** 5xx answers; `statuses` are used in turn (default [500, 502, 503]). */
  readonly errors?: FaultTrigger & { readonly statuses?: readonly ErrorStatus[] };
  /** Delay before answering (combines with any other fault). */
  readonly slow?: FaultTrigger & { readonly delayMs: number };
  /** Send the headers and part of the body, then destroy the socket. */
  readonly reset?: FaultTrigger & { readonly fraction?: number };
  /** 200 with a complete HTTP message whose JSON body is cut short. */
  readonly truncate?: FaultTrigger & { readonly fraction?: number };
  /** 200 whose body lacks `results`. */
  readonly missingResults?: FaultTrigger;
}

/** An invalid fault plan (the admin API answers 400 with this message). */
export class FaultPlanError extends Error {}

type Checker = (value: unknown, where: string) => void;

const number =
  (min: number, max = Number.POSITIVE_INFINITY, integer = true): Checker =>
  (value, where) => {
    const ok = typeof value === "number" && value >= min && value <= max;
    if (!ok || (integer && !Number.isInteger(value))) {
      throw new FaultPlanError(
        `${where} must be ${integer ? "an integer" : "a number"} in [${min}, ${max}]`,
      );
    }
  };

const fraction = number(0, 1, false);
const SCOPE: Record<string, Checker> = {
  pathPrefix: (value, where) => {
    if (typeof value !== "string") throw new FaultPlanError(`${where} must be a string`);
  },
  afterRequests: number(0),
  forRequests: number(1),
  maxFaults: number(1),
};
const TRIGGER: Record<string, Checker> = { ...SCOPE, every: number(1), share: fraction };
const statuses: Checker = (value, where) => {
  const ok =
    Array.isArray(value) && value.length > 0 && value.every((s) => [500, 502, 503].includes(s));
  if (!ok) throw new FaultPlanError(`${where} must be a non-empty list of 500, 502, 503`);
};
const boolean: Checker = (value, where) => {
  if (typeof value !== "boolean") throw new FaultPlanError(`${where} must be true or false`);
};

const FAULTS: Record<string, { fields: Record<string, Checker>; required: readonly string[] }> = {
  rateLimit: {
    fields: { ...SCOPE, perMinute: number(1), burst: number(1), retryAfter: boolean },
    required: ["perMinute"],
  },
  errors: { fields: { ...TRIGGER, statuses }, required: [] },
  slow: { fields: { ...TRIGGER, delayMs: number(0, 600_000) }, required: ["delayMs"] },
  reset: { fields: { ...TRIGGER, fraction }, required: [] },
  truncate: { fields: { ...TRIGGER, fraction }, required: [] },
  missingResults: { fields: TRIGGER, required: [] },
};

/** Validates a plan from JSON (admin API, `--faults`); names the first wrong field. */
export function parseFaultPlan(value: unknown): FaultPlan {
  if (!isJsonObject(value)) throw new FaultPlanError("a fault plan must be a JSON object");
  for (const [name, spec] of Object.entries(value)) {
    if (name === "seed") {
      number(0)(spec, "seed");
      continue;
    }
    const shape = FAULTS[name];
    if (shape === undefined)
      throw new FaultPlanError(`unknown fault "${name}"; known: ${Object.keys(FAULTS).join(", ")}`);
    if (!isJsonObject(spec)) throw new FaultPlanError(`${name} must be an object`);
    for (const required of shape.required) {
      if (!(required in spec)) throw new FaultPlanError(`${name}.${required} is required`);
    }
    for (const [field, fieldValue] of Object.entries(spec)) {
      const check = shape.fields[field];
      if (check === undefined) throw new FaultPlanError(`${name}.${field} is not a known setting`);
      check(fieldValue, `${name}.${field}`);
    }
  }
  return value as FaultPlan; // every key and value was checked against FAULTS above
}
