import type { Filter, PartitionDimension, StreamDef } from "./stream-def.js";

/** A slice of a stream's query: the extra filters that select it and a stable key for STATE. */
export interface Part {
  /** `""` for the whole query; `type=table/integration_id=…` for a partition. */
  readonly key: string;
  readonly filters: readonly Filter[];
}

export const WHOLE: Part = { key: "", filters: [] };

/**
 * Splits `part` along one dimension: one partition per value plus a remainder (`not in values`),
 * so every record of `part` is in exactly one child, including records whose value is null or
 * one we did not know. Values are de-duplicated; no values means no split (empty list).
 */
export function split(
  part: Part,
  dimension: PartitionDimension,
  values: readonly string[],
): Part[] {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return [];
  const prefix = part.key === "" ? "" : `${part.key}/`;
  const children: Part[] = distinct.map((value) => ({
    key: `${prefix}${dimension.field}=${value}`,
    filters: [...part.filters, { operator: "exact", field: dimension.field, value }],
  }));
  children.push({
    key: `${prefix}${dimension.field}=~other`,
    filters: [
      ...part.filters,
      { operator: "not", operands: [{ operator: "in", field: dimension.field, value: distinct }] },
    ],
  });
  return children;
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
