import { boolean, recordSchema, timestamps, uuid } from "./common.js";

/** A lineage edge (secoda-api.md §4.8); creating one direction creates the reverse edge too. */
export const lineage = recordSchema({
  id: uuid,
  ...timestamps,
  from_entity_id: uuid,
  to_entity_id: uuid,
  direction: { type: "string", enum: ["UPSTREAM", "DOWNSTREAM"] },
  workspace_id: uuid,
  is_manual: boolean,
});
