import {
  dateTimeOrNull,
  numberOrNull,
  recordSchema,
  timestamps,
  uuid,
  uuidOrNull,
} from "./common.js";

/** A monitor incident (fields not documented by Secoda; secoda-api.md §4.9 proposes them). */
export const incidents = recordSchema({
  id: uuid,
  ...timestamps,
  monitor: uuid,
  target: uuidOrNull,
  status: { type: "string", enum: ["active", "acknowledged", "resolved"] },
  value: numberOrNull,
  expected_min: numberOrNull,
  expected_max: numberOrNull,
  resolved_at: dateTimeOrNull,
  workspace: uuid,
});
