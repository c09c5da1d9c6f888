/**
 * Deterministic randomness, reversible UUIDs and microsecond timestamps.
 * Every generated value is a pure function of (seed, kind index, record index, salt), so record i
 * can be rebuilt on demand and nothing has to be kept in memory.
 */

/** murmur3's 32-bit finaliser: a cheap, well-mixed bijection on uint32. */
export function mix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 hash of four integers. */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b + 0x7f4a7c15, 0x27d4eb2d));
  h = mix32(h ^ Math.imul(c + 0x165667b1, 0x85ebca77));
  return mix32(h ^ Math.imul(d + 0x2545f491, 0xc2b2ae3d));
}

/** A float in [0, 1) from a uint32. */
export function unit(h: number): number {
  return h / 4294967296;
}

/** mulberry32: a small seeded PRNG for sequences of draws. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROUNDS = 4;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function hex(value: number, digits: number): string {
  return (value >>> 0)
    .toString(16)
    .padStart(8, "0")
    .slice(8 - digits);
}

/**
 * Random-looking v4 UUIDs that encode (kind index, record index), so an id from a URL can be
 * turned back into a record without any lookup table. A keyed 4-round Feistel network scrambles
 * the 64 payload bits; 56 check bits (and the variant bits) reject ids we never issued.
 */
export class IdCodec {
  readonly #keys: readonly number[];
  readonly #seed: number;

  constructor(seed: number) {
    this.#seed = seed;
    this.#keys = Array.from({ length: ROUNDS }, (_, round) => hash4(seed, 0xfe157e1, round, 7));
  }

  encode(kindIndex: number, index: number): string {
    let left = kindIndex >>> 0;
    let right = index >>> 0;
    for (const key of this.#keys) {
      const next = (left ^ mix32(right ^ key)) >>> 0;
      left = right;
      right = next;
    }
    const nibbles = hex(left, 8) + hex(right, 8) + this.#check(left, right);
    const variant = "89ab"[hash4(this.#seed, left, right, 3) & 3];
    const all = `${nibbles.slice(0, 12)}4${nibbles.slice(12, 15)}${variant}${nibbles.slice(15)}`;
    return `${all.slice(0, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}-${all.slice(16, 20)}-${all.slice(20)}`;
  }

  /** The (kind index, record index) an id encodes, or undefined if we never issued it. */
  decode(id: string): { readonly kindIndex: number; readonly index: number } | undefined {
    const lower = id.toLowerCase();
    if (!UUID_PATTERN.test(lower)) return undefined;
    const all = lower.replaceAll("-", "");
    const nibbles = all.slice(0, 12) + all.slice(13, 16) + all.slice(17);
    let left = Number.parseInt(nibbles.slice(0, 8), 16);
    let right = Number.parseInt(nibbles.slice(8, 16), 16);
    if (nibbles.slice(16) !== this.#check(left, right)) return undefined;
    if (all[16] !== "89ab"[hash4(this.#seed, left, right, 3) & 3]) return undefined;
    for (let round = ROUNDS - 1; round >= 0; round -= 1) {
      const previous = (right ^ mix32(left ^ (this.#keys[round] ?? 0))) >>> 0;
      right = left;
      left = previous;
    }
    return { kindIndex: left, index: right };
  }

  #check(left: number, right: number): string {
    return hex(hash4(this.#seed, left, right, 1), 8) + hex(hash4(this.#seed, left, right, 2), 6);
  }
}

/** Microseconds since the epoch → `2026-03-01T12:00:00.123456Z` (secoda-api.md §4). */
export function formatMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const rest = micros - millis * 1000;
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, -1)}${String(rest).padStart(3, "0")}Z`;
}

/** Parses an ISO-8601 timestamp (with up to microsecond precision) to microseconds. */
export function parseMicros(text: string): number | undefined {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (match === null) return undefined;
  const millis = Date.parse(`${match[1] ?? ""}${match[3] ?? ""}`);
  if (Number.isNaN(millis)) return undefined;
  return millis * 1000 + Number((match[2] ?? "").padEnd(6, "0"));
}
