import { boolean, recordSchema, resourceBase } from "./common.js";

/** An answer to a question; `parent` is the question. */
export const questionReplies = recordSchema({ ...resourceBase, accepted_answer: boolean });
