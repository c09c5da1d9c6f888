// One implementation of reading loaded tables back and comparing them, shared with tests/e2e.
export { byKey, differences, normalize, tableRows } from "../../e2e/support/warehouse.js";
