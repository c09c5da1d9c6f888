import type { Counts, Kind } from "./kinds.js";

/** A change applied to a base record by an update mutation. */
export interface Revision {
  readonly rev: number;
  /** New `updated_at`, microseconds. */
  readonly at: number;
}

/** A record added by a mutation (index >= the base count). */
export interface Added {
  /** `created_at`, microseconds. */
  readonly at: number;
  /** Audit logs only: the catalog ref the entry is about, and what happened. */
  readonly resource?: number;
  readonly activity?: string;
}

/** The read-only view of the dataset that record generators see. */
export interface World {
  readonly seed: number;
  /** Base counts: fixed at start, they define the parent arithmetic. */
  readonly counts: Counts;
  /** The clock at start (microseconds); base timestamps are before it. */
  readonly initialNow: number;
  readonly workspaceId: string;
  id(kind: Kind, k: number): string;
  /** An id in a space that is not a kind (e.g. MEASUREMENT_ID_SPACE). */
  spaceId(space: number, k: number): string;
  /** Base count plus added records (deleted ones included). */
  size(kind: Kind): number;
  /** In range, not deleted, and every ancestor live (deletes cascade). */
  isLive(kind: Kind, k: number): boolean;
  revision(kind: Kind, k: number): Revision | undefined;
  added(kind: Kind, k: number): Added | undefined;
}
