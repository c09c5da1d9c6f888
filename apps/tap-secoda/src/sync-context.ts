import type {
  Logger,
  MessageWriter,
  MetricCounter,
  PartitionSpec,
  ProgressReporter,
} from "@singerkit/singer";
import type { SecodaClient } from "./client.js";
import type { SweepCadence } from "./deletion-sweep.js";
import type { StateTracker } from "./state.js";

/** What the engine needs from the run; one per run, shared by every stream. */
export interface SyncContext {
  readonly client: SecodaClient;
  readonly output: MessageWriter;
  readonly state: StateTracker;
  readonly log: Logger;
  readonly now: () => Date;
  readonly startDate: string | undefined;
  readonly activateVersions: boolean;
  /** `deletion_sweep`: how often incremental streams are swept for deleted records. */
  readonly deletionSweep: SweepCadence;
  /** Detail requests of one page run this many at a time. */
  readonly detailConcurrency: number;
  /** Pages of one list requested ahead of the one being written. */
  readonly readAhead: number;
  readonly records: MetricCounter;
  /** Records per stream on stderr at a steady interval (and the total, when Secoda counts it). */
  readonly progress: ProgressReporter;
  /** Ids of another stream's records, for `valuesFromStream` partitions (cached per run). */
  readonly lookupIds: (stream: string) => Promise<string[]>;
  /** --test: stop each stream after this many records and write no STATE. */
  readonly recordLimit?: number;
  /** --partition K/N (N > 1): read only this process's share of each stream (shareOf). */
  readonly partition?: PartitionSpec;
}
