import { boolean, recordSchema, resourceBase } from "./common.js";

/** A collection of resources. */
export const collections = recordSchema({ ...resourceBase, pinned: boolean });
