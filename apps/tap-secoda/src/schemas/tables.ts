import { recordSchema, resourceBase, tableFields } from "./common.js";

/** A table or view from the catalog (`type` is `table`). */
export const tables = recordSchema({ ...resourceBase, ...tableFields });
