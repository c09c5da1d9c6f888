import { recordSchema, resourceBase } from "./common.js";

/** A database from the catalog; its `parent` is null or a cluster. */
export const databases = recordSchema(resourceBase);
