import type { JsonObject } from "@singerkit/singer";

/**
 * Ids written in one part, plus (read-only) those its parent wrote before it was split. A part
 * frees its own ids when it is done; siblings never share a set (they are disjoint anyway), so
 * memory stays at one part's worth plus what was read before each split.
 */
export class WrittenIds {
  readonly #own = new Set<string>();
  readonly #parent: WrittenIds | undefined;

  constructor(parent?: WrittenIds) {
    this.#parent = parent;
  }

  get size(): number {
    return this.#own.size + (this.#parent?.size ?? 0);
  }

  has(id: string): boolean {
    return this.#own.has(id) || (this.#parent?.has(id) ?? false);
  }

  add(id: string): void {
    this.#own.add(id);
  }
}

/** Whether a row was written earlier in this part (rows without a string id never are). */
export function seenBefore(written: WrittenIds, row: JsonObject): boolean {
  return typeof row.id === "string" && written.has(row.id);
}
