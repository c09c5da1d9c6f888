import { recordSchema, string, stringList, uuid } from "./common.js";

/** A custom property definition (secoda-api.md §4.7); no timestamps, so FULL_TABLE only. */
export const customProperties = recordSchema({
  id: uuid,
  name: string,
  entity_types: stringList,
  value_type: string,
  integration: {
    type: ["object", "null"],
    properties: { id: uuid, name: string, type: string },
  },
});
