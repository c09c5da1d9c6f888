import type { PartitionSpec } from "@singerkit/singer";
import type { Filter, PartitionDimension, StreamDef } from "./stream-def.js";

/** A slice of a stream's query: the extra filters that select it and a stable key for STATE. */
export interface Part {
  /** `""` for the whole query; `type=table/integration_id=…` for a partition. */
  readonly key: string;
  readonly filters: readonly Filter[];
}

/** Where a part stands in the stream's list of partition dimensions. */
export interface Position {
  /** Index of the next dimension to split by. */
  readonly level: number;
  /** For a `substrings` dimension: index of the next substring. */
  readonly step: number;
}

export const WHOLE: Part = { key: "", filters: [] };
export const START: Position = { level: 0, step: 0 };

function child(part: Part, key: string, filter: Filter): Part {
  return { key: part.key === "" ? key : `${part.key}/${key}`, filters: [...part.filters, filter] };
}

/**
 * Splits `part` by the values of a field: one partition per value plus a remainder
 * (`not in values`), so every record of `part` is in exactly one child, including records whose
 * value is null or one we did not know. No values means no split (empty list).
 */
export function splitByValues(part: Part, field: string, values: readonly string[]): Part[] {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return [];
  const children = distinct.map((value) =>
    child(part, `${field}=${value}`, { operator: "exact", field, value }),
  );
  const rest: Filter = { operator: "in", field, value: distinct };
  children.push(child(part, `${field}=~other`, { operator: "not", operands: [rest] }));
  return children;
}

/** Splits `part` in two: `field` contains `text`, and does not (null included). */
export function bisect(part: Part, field: string, text: string): [Part, Part] {
  const has: Filter = { operator: "contains", field, value: text };
  return [
    child(part, `${field}~${text}`, has),
    child(part, `${field}!~${text}`, { operator: "not", operands: [has] }),
  ];
}

/** A split of a part: its children and where they stand in the list of dimensions. */
export interface Split {
  readonly children: readonly Part[];
  readonly next: Position;
  readonly field: string;
}

/**
 * How to split a part that is over the cap: along the first dimension from `position` on that
 * can (values known, substrings left). Undefined when none is left.
 */
export async function planSplit(
  dimensions: readonly PartitionDimension[],
  part: Part,
  position: Position,
  lookupIds: (stream: string) => Promise<readonly string[]>,
): Promise<Split | undefined> {
  for (let level = position.level; level < dimensions.length; level += 1) {
    const dimension = dimensions[level];
    if (dimension === undefined) break;
    const { field } = dimension;
    if ("substrings" in dimension) {
      const step = level === position.level ? position.step : 0;
      const text = dimension.substrings[step];
      if (text === undefined) continue;
      return { children: bisect(part, field, text), next: { level, step: step + 1 }, field };
    }
    const values =
      "values" in dimension ? dimension.values : await lookupIds(dimension.valuesFromStream);
    const children = splitByValues(part, field, values);
    if (children.length > 0) return { children, next: { level: level + 1, step: 0 }, field };
  }
  return undefined;
}

/** Query parameters of a stream's list request for one part: fixed params, filter and sort. */
export function queryParams(def: StreamDef, part: Part): { [name: string]: string } {
  const filters = def.filter === undefined ? part.filters : [def.filter, ...part.filters];
  const params: { [name: string]: string } = { ...def.params };
  const [only] = filters;
  if (filters.length === 1 && only !== undefined) params.filter = JSON.stringify(only);
  else if (filters.length > 1)
    params.filter = JSON.stringify({ operator: "and", operands: filters });
  if (def.sort !== undefined) params.sort = JSON.stringify(def.sort);
  return params;
}

/**
 * `--partition K/N`: the parts of a stream that process K of N reads (decisions-tap.md "Fan-out").
 * A stream whose first partition dimension has fixed `values` (the resources catalog: by entity
 * type) is cut into its value parts plus the remainder, and part i goes to partition i mod N + 1:
 * disjoint and complete (splitByValues), and stable for a record as long as its type is. Any
 * other stream cannot be split server-side by a key that is fixed for the life of a record, so
 * partition 1 reads it whole (`undefined`) and the others skip it (`[]`).
 */
export function shareOf(def: StreamDef, partition: PartitionSpec): readonly Part[] | undefined {
  const first = def.resultCap?.partitionBy[0];
  if (first === undefined || !("values" in first)) return partition.index === 1 ? undefined : [];
  const parts = splitByValues(WHOLE, first.field, first.values);
  return parts.filter((_, index) => index % partition.count === partition.index - 1);
}
