/**
 * A set of record ids as one compact string for STATE (decisions-tap.md "Deletes"): the ids,
 * canonical lowercase UUIDs, as 128-bit numbers in ascending order, each stored as the
 * difference to the one before in LEB128 (7 bits a byte), the whole in base64url. Random UUIDs
 * leave differences of about 2^113 at 25,000 ids: 17 bytes, ~23 characters an id instead of the
 * 39 of a JSON list. Ids that are not canonical UUIDs are not in the set (`encodeIds` returns how
 * many it left out).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX = (1n << 128n) - 1n;

export interface EncodedIds {
  readonly text: string;
  /** Ids left out: not a canonical lowercase UUID. */
  readonly skipped: number;
}

export function encodeIds(ids: Iterable<string>): EncodedIds {
  const values: bigint[] = [];
  let skipped = 0;
  for (const id of ids) {
    if (UUID.test(id)) values.push(BigInt(`0x${id.replaceAll("-", "")}`));
    else skipped += 1;
  }
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes: number[] = [];
  let previous = -1n; // the first difference is from -1, so 0 is never a repeated value
  for (const value of values) {
    if (value === previous) continue;
    let delta = value - previous;
    previous = value;
    while (delta >= 0x80n) {
      bytes.push(Number(delta & 0x7fn) | 0x80);
      delta >>= 7n;
    }
    bytes.push(Number(delta));
  }
  return { text: Buffer.from(bytes).toString("base64url"), skipped };
}

/** The ids of `encodeIds`' text, ascending; throws on text it cannot have written. */
export function decodeIds(text: string): string[] {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const bytes = Buffer.from(text, "base64url");
  const ids: string[] = [];
  let previous = -1n;
  let delta = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    delta |= BigInt(byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7n;
      if (shift > 133n) throw new Error("a difference longer than 128 bits");
      continue;
    }
    if (delta === 0n) throw new Error("a zero difference");
    previous += delta;
    if (previous > MAX) throw new Error("an id beyond 128 bits");
    ids.push(formatUuid(previous));
    delta = 0n;
    shift = 0n;
  }
  if (shift !== 0n) throw new Error("cut in the middle of an id");
  return ids;
}

function formatUuid(value: bigint): string {
  const hex = value.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
