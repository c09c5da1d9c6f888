/** What one pass over a part saw. */
export interface Pass {
  /** The part must be split: over the cap, cut short of its count, or as long as the cap. */
  readonly capped: boolean;
  /** The last page's count. */
  readonly count: number | undefined;
  readonly delivered: number;
  readonly pages: number;
  readonly firstCount: number | undefined;
  readonly lastCount: number | undefined;
  /**
   * A record may have been skipped: on a trusted newest-first list, the count went down between
   * two pages in page order (inserts land in front of the cursor and can only push records to
   * pages not read yet); on any other list, the count changed at all.
   */
  readonly drifted: boolean;
}

/** The raw observations of one pass, as the engine gathered them page by page. */
export interface PassObservations {
  /** Every page's count, in page order (pages without one left out). */
  readonly counts: readonly number[];
  /** The last page's count (undefined when that page had none). */
  readonly count: number | undefined;
  readonly delivered: number;
  readonly pages: number;
  /** The page the pass started at (1 unless it resumed mid-list). */
  readonly startPage: number;
  /** The declared result cap of the stream, if any. */
  readonly capLimit: number | undefined;
  /** A page reached the cap (count or rows so far). */
  readonly overCap: boolean;
  /** The pass ended early at the bookmark (newest first). */
  readonly reachedBookmark: boolean;
  /** The --test record limit was reached. */
  readonly limitReached: boolean;
  /** Splitting is possible (not a --test run). */
  readonly canSplit: boolean;
  /** The list is trusted to be newest first by the replication key. */
  readonly ordered: boolean;
}

/**
 * Judges a pass. A listing that ends short of its count was cut off by a cap (declared or not);
 * one that holds as many rows as the cap may have been cut at it (a count saturated at the cap,
 * or none at all). Both are split, never trusted.
 */
export function judgePass(seen: PassObservations): Pass {
  const { counts, count, delivered } = seen;
  const stable = counts.length === 0 || Math.min(...counts) === Math.max(...counts);
  const cut = seen.startPage === 1 && count !== undefined && delivered < count && stable;
  const atCap = seen.capLimit !== undefined && seen.startPage === 1 && delivered >= seen.capLimit;
  const capped =
    !seen.reachedBookmark && !seen.limitReached && (seen.overCap || cut || atCap) && seen.canSplit;
  return {
    capped,
    count,
    delivered,
    pages: seen.pages,
    firstCount: counts[0],
    lastCount: counts.at(-1),
    drifted: seen.ordered
      ? counts.some((value, index) => index > 0 && value < (counts[index - 1] ?? value))
      : !stable,
  };
}

/** How the count moved during a pass, for the log. */
export function describeDrift(pass: Pass): string {
  return `Secoda's count went from ${pass.firstCount} to ${pass.lastCount} while ${pass.pages} pages were read`;
}

/**
 * The query could hold more than the cap lets through: its count reaches the cap (a count
 * saturated at the cap looks exactly like that), or the rows read so far do.
 */
export function reachesCap(
  cap: number | undefined,
  count: number | undefined,
  delivered: number,
): boolean {
  return cap !== undefined && ((count ?? 0) >= cap || delivered >= cap);
}
