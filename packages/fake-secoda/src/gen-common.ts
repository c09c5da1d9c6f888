import { formatMicros, hash4, prng, unit } from "./ids.js";
import { type Kind, kindIndex } from "./kinds.js";
import type { World } from "./world.js";

const DAY = 86_400_000_000;
/** Base records were created during the three years before the start clock. */
const SPAN = 3 * 365 * DAY;
/** Audit logs cover the documented 90-day retention window. */
const AUDIT_WINDOW = 90 * DAY;

/** Salts for values that must be computable on their own (fast fields, sort keys). */
export const SALT = { draws: 0, created: 1, updated: 2, usage: 3, pick: 4 } as const;

/** A uint32 that depends only on (seed, kind, k, salt). */
export function h(world: World, kind: Kind, k: number, salt: number): number {
  return hash4(world.seed, kindIndex(kind), k, salt);
}

/** A sequence of draws for one record. The order of draws is part of the data format. */
export class Draw {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = prng(seed);
  }

  static of(world: World, kind: Kind, k: number): Draw {
    return new Draw(h(world, kind, k, SALT.draws));
  }

  float(): number {
    return this.#next();
  }

  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(list: readonly T[]): T {
    const value = list[this.int(list.length)];
    if (value === undefined) throw new RangeError("pick from an empty list");
    return value;
  }

  /** Up to `max` distinct live ids of `kind` drawn from its base records. */
  ids(world: World, kind: Kind, max: number): string[] {
    const n = this.int(max + 1);
    const picked = new Set<number>();
    for (let i = 0; i < n; i += 1) picked.add(this.int(world.counts[kind]));
    return [...picked].filter((k) => world.isLive(kind, k)).map((k) => world.id(kind, k));
  }
}

export function createdMicros(world: World, kind: Kind, k: number): number {
  const added = world.added(kind, k);
  if (added !== undefined) return added.at;
  const u = unit(h(world, kind, k, SALT.created));
  if (kind === "audit_log") {
    const step = AUDIT_WINDOW / world.counts.audit_log;
    return Math.floor(world.initialNow - AUDIT_WINDOW + (k + u) * step);
  }
  return world.initialNow - DAY - Math.floor(u * SPAN);
}

export function updatedMicros(world: World, kind: Kind, k: number): number {
  const revision = world.revision(kind, k);
  if (revision !== undefined) return revision.at;
  const created = createdMicros(world, kind, k);
  if (kind === "audit_log" || world.added(kind, k) !== undefined) return created;
  return created + Math.floor(unit(h(world, kind, k, SALT.updated)) * (world.initialNow - created));
}

export function created(world: World, kind: Kind, k: number): string {
  return formatMicros(createdMicros(world, kind, k));
}

export function updated(world: World, kind: Kind, k: number): string {
  return formatMicros(updatedMicros(world, kind, k));
}

/** `base`, `base_2`, ... so names stay unique as k grows past the vocabulary. */
export function cycle(list: readonly string[], k: number, separator = "_"): string {
  const base = list[k % list.length] ?? "";
  const round = Math.floor(k / list.length);
  return round === 0 ? base : `${base}${separator}${round + 1}`;
}

/** A description edited by an update mutation says so, so tests can see the new content. */
export function edited(text: string | null, world: World, kind: Kind, k: number): string | null {
  const revision = world.revision(kind, k);
  if (revision === undefined) return text;
  return `${text ?? ""} (edited, revision ${revision.rev})`.trimStart();
}
