import { recordSchema, string, stringOrNull, timestamps, uuid, uuidList } from "./common.js";

/** A user group (secoda-api.md §4.4). */
export const groups = recordSchema({
  id: uuid,
  ...timestamps,
  users: uuidList,
  name: string,
  icon: stringOrNull,
  description: stringOrNull,
  workspace_id: uuid,
  snowflake_role: stringOrNull,
});
