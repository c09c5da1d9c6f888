import { type Logger, SourceError } from "@singerkit/singer";
import type { StreamPlan } from "./plan.js";

/**
 * A stream's failure, unless it is an admin-only stream refused with 403 (the API key is not an
 * admin's): selected by default, it is skipped with a warning (returns); selected explicitly in
 * the catalog, the run fails with the reason and the fix. Anything else is rethrown as it is.
 */
export function skipIfAdminOnly(error: unknown, plan: StreamPlan, log: Logger): void {
  const { def, explicitlySelected } = plan;
  if (!(error instanceof SourceError) || error.status !== 403 || def.access !== "admin") {
    throw error;
  }
  if (explicitlySelected) {
    throw new SourceError(
      `${error.message}. The catalog selects this admin-only stream explicitly, so the run fails; deselect it or use an admin's key`,
      { status: 403, endpoint: error.endpoint, retryable: false },
      { stream: def.name, cause: error },
    );
  }
  log.warn(`stream ${def.name}: ${error.message}; stream skipped`);
}
