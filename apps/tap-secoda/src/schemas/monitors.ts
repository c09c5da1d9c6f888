import {
  boolean,
  dateTimeOrNull,
  freeObject,
  integer,
  integerOrNull,
  numberOrNull,
  recordSchema,
  string,
  stringOrNull,
  timestamps,
  uuid,
  uuidOrNull,
} from "./common.js";

/** A data-quality monitor (secoda-api.md §4.9). */
export const monitors = recordSchema({
  id: uuid,
  ...timestamps,
  integration: uuidOrNull,
  target: uuidOrNull,
  workspace: uuid,
  metric_type: string,
  // Documented as "string/object", seen as null: keep every form, objects free-form.
  metric_config: { anyOf: [freeObject, string, { type: "null" }] },
  frequency: integer,
  name: string,
  is_enabled: boolean,
  last_attempted_at: dateTimeOrNull,
  last_success_at: dateTimeOrNull,
  last_error_at: dateTimeOrNull,
  last_error_message: stringOrNull,
  condition_auto_sensitivity: integerOrNull,
  condition_manual_min: numberOrNull,
  condition_manual_max: numberOrNull,
  status: string,
  display_metadata: {
    type: "object",
    properties: {
      target: {
        type: "object",
        properties: {
          icon: stringOrNull,
          label: stringOrNull,
          entity_type: stringOrNull,
          integration: uuidOrNull,
          integration_type: stringOrNull,
        },
      },
    },
  },
  last_measurement_value: numberOrNull,
  last_incident: uuidOrNull,
  last_measurement: uuidOrNull,
  next_run_at: dateTimeOrNull,
});
