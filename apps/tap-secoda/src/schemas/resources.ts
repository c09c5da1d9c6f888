import {
  boolean,
  columnFields,
  integerOrNull,
  productFields,
  questionFields,
  recordSchema,
  resourceBase,
  stringOrNull,
  tableFields,
} from "./common.js";

/**
 * Any resource of the catalog, every entity type at once: the common fields plus each type's own
 * (absent on other types). `type` means table type, column data type or query type.
 */
export const resources = recordSchema({
  ...resourceBase,
  ...tableFields,
  ...columnFields,
  ...productFields,
  ...questionFields,
  type: stringOrNull,
  freq: integerOrNull,
  pinned: boolean,
  accepted_answer: boolean,
  regex: stringOrNull,
});
