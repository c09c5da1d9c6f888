export function keyOf(record: Record<string, unknown>, keyProperties: readonly string[]): string {
  return JSON.stringify(keyProperties.map((name) => record[name]));
}
