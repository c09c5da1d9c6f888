import { productFields, recordSchema, resourceBase } from "./common.js";

/** A chart; its `parent` is the dashboard. */
export const charts = recordSchema({ ...resourceBase, ...productFields });
