import type { JsonObject } from "@singerkit/singer";
import { mapLimit } from "./limit.js";
import type { SyncContext } from "./sync-context.js";

/**
 * Each row replaced by its detail (`template` with the row's id), `detailConcurrency` requests
 * at a time, in the rows' order. A detail that is gone (404) is skipped with a warning; a row
 * without a string id stays as it is.
 */
export async function fetchDetails(
  ctx: SyncContext,
  stream: string,
  template: string,
  rows: readonly JsonObject[],
): Promise<JsonObject[]> {
  const details = await mapLimit(rows, ctx.detailConcurrency, async (row) => {
    const id = row.id;
    if (typeof id !== "string") return row;
    const detail = await ctx.client.detail(stream, template, id);
    if (detail === undefined) {
      ctx.log.warn(`stream ${stream}: ${template} returned 404 for ${id}; record skipped`);
    }
    return detail;
  });
  return details.filter((detail) => detail !== undefined);
}
