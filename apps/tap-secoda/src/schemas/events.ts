import { recordSchema, resourceBase } from "./common.js";

/** A product-analytics event; its `parent` is the event category. */
export const events = recordSchema(resourceBase);
