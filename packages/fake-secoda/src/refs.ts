import { KINDS, type Kind, kindIndex } from "./kinds.js";

/** A record reference packed into one number: kind index × 2³² + record index. */
export type Ref = number;

const SPACE = 4294967296;

export function refOf(kind: Kind, k: number): Ref {
  return kindIndex(kind) * SPACE + k;
}

export function unref(ref: Ref): { readonly kind: Kind; readonly k: number } {
  const index = Math.floor(ref / SPACE);
  const kind = KINDS[index];
  if (kind === undefined) throw new RangeError(`not a record ref: ${ref}`);
  return { kind, k: ref - index * SPACE };
}
