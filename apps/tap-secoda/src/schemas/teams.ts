import { boolean, recordSchema, string, stringOrNull, timestamps, uuid } from "./common.js";

/** A team (secoda-api.md §4.5); `type` is OPEN (public) or CLOSED (private). */
export const teams = recordSchema({
  id: uuid,
  ...timestamps,
  name: string,
  icon: stringOrNull,
  type: string,
  description: stringOrNull,
  sidebar_settings: {
    type: "object",
    properties: {
      home: boolean,
      catalog: boolean,
      documents: boolean,
      questions: boolean,
      glossary: boolean,
      collections: boolean,
    },
    additionalProperties: boolean,
  },
  workspace_id: uuid,
  archived: boolean,
  is_default_team: boolean,
  onboarding_completed: boolean,
});
