import { integerOrNull, recordSchema, resourceBase, stringOrNull } from "./common.js";

/** An extracted or saved SQL query from the catalog. */
export const queries = recordSchema({ ...resourceBase, type: stringOrNull, freq: integerOrNull });
