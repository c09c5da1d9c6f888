/**
 * DDL statements → a few multi-statement query strings (simple query protocol: no parameters),
 * so a SCHEMA with 853 columns and their `COMMENT ON COLUMN`s costs a handful of round trips
 * instead of one per statement. Each string stays under `maxBytes`; a statement longer than
 * that is sent alone. The transaction around them (ddl.ts) keeps them all-or-nothing.
 */
export function statementBatches(statements: readonly string[], maxBytes = 256 * 1024): string[] {
  const batches: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const statement of statements) {
    const bytes = Buffer.byteLength(statement) + 2;
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current.join(";\n"));
      current = [];
      size = 0;
    }
    current.push(statement);
    size += bytes;
  }
  if (current.length > 0) batches.push(current.join(";\n"));
  return batches;
}
