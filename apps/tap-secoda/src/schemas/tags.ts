import { recordSchema, string, stringOrNull, timestamps, uuid, uuidOrNull } from "./common.js";

/** A tag (secoda-api.md §4.6); `integration_id` is null for tags created in Secoda. */
export const tags = recordSchema({
  id: uuid,
  ...timestamps,
  name: string,
  description: stringOrNull,
  color: stringOrNull,
  integration_id: uuidOrNull,
  workspace_id: uuid,
});
