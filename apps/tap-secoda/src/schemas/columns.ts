import { columnFields, recordSchema, resourceBase } from "./common.js";

/** A column; `parent` is its table (or its parent column when nested). */
export const columns = recordSchema({ ...resourceBase, ...columnFields });
