import { ConfigError } from "./errors.js";

/** One process's share of a fan-out: partition `index` (1-based) of `count`. */
export interface PartitionSpec {
  readonly index: number;
  readonly count: number;
}

/** Parses `K/N` (1 ≤ K ≤ N); a clear ConfigError otherwise. */
export function parsePartition(text: string): PartitionSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(index >= 1 && index <= count)) {
    throw new ConfigError(
      `partition: expected K/N with 1 <= K <= N (e.g. 2/8), got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

export function formatPartition(partition: PartitionSpec): string {
  return `${partition.index}/${partition.count}`;
}
