import { recordSchema, resourceBase } from "./common.js";

/** A document (detail shape: `definition` holds the full markdown). */
export const documents = recordSchema(resourceBase);
