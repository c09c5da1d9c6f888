import { recordSchema, resourceBase } from "./common.js";

/** A glossary term (catalog `entity_type` glossary); `parent` is null or another term. */
export const glossaryTerms = recordSchema(resourceBase);
