import { recordSchema, resourceBase } from "./common.js";

/** An event category (parent of events; `entity_type` category). */
export const eventCategories = recordSchema(resourceBase);
