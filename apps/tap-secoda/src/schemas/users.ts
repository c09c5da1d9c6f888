import {
  boolean,
  dateTimeOrNull,
  recordSchema,
  string,
  stringOrNull,
  uuid,
  uuidList,
} from "./common.js";

/** A workspace member (secoda-api.md §4.3); no created_at/updated_at, so FULL_TABLE only. */
export const users = recordSchema({
  id: uuid,
  first_name: string,
  last_name: string,
  email: string,
  role: string,
  workspace_id: uuid,
  profile_picture: stringOrNull,
  pending: boolean,
  user_groups: uuidList,
  bookmarks: uuidList,
  workspace: uuid,
  is_service_account: boolean,
  service_account_count_popularity: boolean,
  last_login: dateTimeOrNull,
  new_feature_acknowledged: boolean,
  disabled: boolean,
});
