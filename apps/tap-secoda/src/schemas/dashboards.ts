import { productFields, recordSchema, resourceBase } from "./common.js";

/** A BI dashboard from the catalog. */
export const dashboards = recordSchema({ ...resourceBase, ...productFields });
