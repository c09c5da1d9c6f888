import {
  dateTimeOrNull,
  freeObject,
  integer,
  recordSchema,
  string,
  stringList,
  timestamps,
  uuid,
  uuidList,
  uuidOrNull,
} from "./common.js";

/** A connected source (secoda-api.md §4.2); `credentials` come back empty or redacted. */
export const integrations = recordSchema({
  id: uuid,
  ...timestamps,
  name: string,
  type: string,
  credentials: freeObject,
  workspace_id: uuid,
  ssh_tunnel: uuidOrNull,
  execute_access: uuidList,
  scheduled_extractions_hour: integer,
  scheduled_extractions_frequency: integer,
  scheduled_extractions_next_run: dateTimeOrNull,
  scheduled_extractions_last_run: dateTimeOrNull,
  properties: freeObject,
  preview_access_users: uuidList,
  preview_access_roles: stringList,
  preview_access_groups: uuidList,
  teams: uuidList,
});
