import type { Dataset } from "./dataset.js";
import { compareValues, type FilterNode, matches, type SortKey } from "./filter.js";
import { fastField } from "./generate.js";
import type { JsonObject, JsonValue } from "./json.js";
import { entityType, isCatalogKind, type Kind } from "./kinds.js";
import { type Ref, refOf, unref } from "./refs.js";

/** What a list endpoint asks of the data: which kinds, which rows, in which order. */
export interface ListQuery {
  readonly kinds: readonly Kind[];
  readonly filter?: FilterNode;
  /** Empty = creation order (kind order, then index). Ties always fall back to that order. */
  readonly sort: readonly SortKey[];
  /** Keep only the first `cap` rows (the catalog's 10,000 cap); `count` stays the full total. */
  readonly cap?: number;
}

export interface ListResult {
  /** Every matching row, before the cap. */
  readonly count: number;
  /** Matching rows in order, at most `cap` of them. */
  readonly refs: readonly Ref[];
}

/** A lazy field reader for one record: cheap fields first, the full record at most once. */
function reader(dataset: Dataset, kind: Kind, k: number): (field: string) => JsonValue {
  let record: JsonObject | undefined;
  return (field) => {
    const fast = fastField(dataset, kind, k, field);
    if (fast !== undefined) return fast;
    record ??= dataset.record(kind, k);
    return record[field] ?? null;
  };
}

/** Drops catalog kinds an `entity_type` exact/in condition (at the top or under `and`) rules out. */
export function pruneKinds(kinds: readonly Kind[], node: FilterNode | undefined): readonly Kind[] {
  if (node === undefined || !kinds.every(isCatalogKind)) return kinds;
  if (node.operator === "and") return node.operands.reduce(pruneKinds, kinds);
  if ("operands" in node) return kinds;
  if (node.field !== "entity_type" || (node.operator !== "exact" && node.operator !== "in")) {
    return kinds;
  }
  const wanted: readonly JsonValue[] = Array.isArray(node.value) ? node.value : [node.value];
  return kinds.filter((kind) => isCatalogKind(kind) && wanted.includes(entityType(kind)));
}

function scan(dataset: Dataset, query: ListQuery): Ref[] {
  const refs: Ref[] = [];
  for (const kind of pruneKinds(query.kinds, query.filter)) {
    const size = dataset.size(kind);
    for (let k = 0; k < size; k += 1) {
      if (!dataset.isLive(kind, k)) continue;
      if (query.filter !== undefined && !matches(query.filter, reader(dataset, kind, k))) continue;
      refs.push(refOf(kind, k));
    }
  }
  return refs;
}

function sortRefs(dataset: Dataset, refs: Ref[], keys: readonly SortKey[]): Ref[] {
  if (keys.length === 0) return refs;
  const columns = keys.map((key) =>
    refs.map((ref) => {
      const { kind, k } = unref(ref);
      return dataset.sortKey(kind, k, key.field);
    }),
  );
  const order = Array.from(refs, (_, i) => i);
  order.sort((a, b) => {
    for (const [i, key] of keys.entries()) {
      const column = columns[i] ?? [];
      const diff = compareValues(column[a] ?? null, column[b] ?? null);
      if (diff !== 0) return key.order === "asc" ? diff : -diff;
    }
    return (refs[a] ?? 0) - (refs[b] ?? 0);
  });
  return order.map((i) => refs[i] ?? 0);
}

/**
 * Runs list queries over the lazy dataset. Results are cached per (query, dataset version), so
 * paging through a large filtered and sorted set scans it once, not once per page.
 */
export class QueryEngine {
  readonly #dataset: Dataset;
  readonly #cache = new Map<string, ListResult>();
  readonly #limit: number;

  constructor(dataset: Dataset, cacheEntries = 32) {
    this.#dataset = dataset;
    this.#limit = cacheEntries;
  }

  run(query: ListQuery): ListResult {
    const key = `${this.#dataset.version}|${JSON.stringify(query)}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key); // re-insert: Map order is the LRU order
      this.#cache.set(key, cached);
      return cached;
    }
    const result = this.#compute(query);
    this.#cache.set(key, result);
    for (const old of this.#cache.keys()) {
      if (this.#cache.size <= this.#limit) break;
      this.#cache.delete(old);
    }
    return result;
  }

  #compute(query: ListQuery): ListResult {
    const matched = scan(this.#dataset, query);
    const sorted = sortRefs(this.#dataset, matched, query.sort);
    const refs = query.cap === undefined ? sorted : sorted.slice(0, query.cap);
    return { count: matched.length, refs };
  }
}
