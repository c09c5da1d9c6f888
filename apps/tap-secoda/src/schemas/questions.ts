import { questionFields, recordSchema, resourceBase } from "./common.js";

/** A Q&A question. */
export const questions = recordSchema({ ...resourceBase, ...questionFields });
