import { recordSchema, resourceBase } from "./common.js";

/** A database schema from the catalog; its `parent` is the database. */
export const schemas = recordSchema(resourceBase);
