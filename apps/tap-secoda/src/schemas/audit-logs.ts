import {
  boolean,
  dateTime,
  recordSchema,
  string,
  stringList,
  stringOrNull,
  timestamps,
  uuid,
  uuidOrNull,
} from "./common.js";

/** An audit event (secoda-api.md §4.10); admin keys only. */
export const auditLogs = recordSchema({
  id: uuid,
  parent_id: uuidOrNull,
  activity_type: string,
  performer_id: uuidOrNull,
  performer_type: string,
  performer_metadata: {
    type: ["object", "null"],
    properties: {
      id: uuidOrNull,
      email: stringOrNull,
      first_name: stringOrNull,
      last_name: stringOrNull,
      name: stringOrNull,
    },
  },
  resource_id: uuidOrNull,
  resource_type: stringOrNull,
  resource_metadata: {
    type: ["object", "null"],
    properties: {
      id: uuidOrNull,
      title: stringOrNull,
      name: stringOrNull,
      icon: stringOrNull,
      type: stringOrNull,
      integration_id: uuidOrNull,
    },
  },
  related_resource_ids: stringList,
  related_resource_type: stringOrNull,
  event_blocks: {
    type: "array",
    items: { type: "object", properties: { type: string, style: stringOrNull, value: string } },
  },
  logged_at: dateTime,
  ...timestamps,
  is_legacy: boolean,
  version_history_id: uuidOrNull,
});
