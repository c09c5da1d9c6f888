import type { Logger, MessageWriter } from "@singerkit/singer";
import { COMMIT_MARKER_TABLE } from "./commit-markers.js";
import type { TargetConfig } from "./config.js";
import type { Row } from "./db.js";
import { quoteIdent } from "./identifiers.js";
import { mappedSchemas } from "./mapping.js";
import { dbTarget, describeTarget, openDb } from "./open-db.js";

/**
 * `target-postgres inspect`: opens the database the config points to (the server, or the
 * embedded folder, taking its lock) and prints, as an aligned text table on stdout, every table
 * of `default_target_schema` (and of the schemas the mappings name) with its row count — or, with `sql`, that query's rows.
 */
export async function inspect(
  config: TargetConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
  out: MessageWriter,
  sql: string | undefined,
): Promise<void> {
  const schema = config.default_target_schema;
  log.info(`inspecting ${describeTarget(dbTarget(config, env))}, schema ${schema}`);
  const db = openDb(config, env, log);
  try {
    if (sql !== undefined) {
      const rows = (await db.query(sql)) ?? [];
      const header = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      await write(
        out,
        formatTable(
          header,
          rows.map((row) => header.map((key) => row[key])),
        ),
      );
      await out.writeLine(`(${rows.length} ${rows.length === 1 ? "row" : "rows"})`);
      return;
    }
    const schemas = mappedSchemas(config);
    const tables = await db.query<{ schema: string; name: string }>(
      `select n.nspname as schema, c.relname as name from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1) and c.relkind in ('r', 'p') and c.relname <> $2 order by 1, 2`,
      [schemas, COMMIT_MARKER_TABLE], // bookkeeping, empty between runs
    );
    const counted: unknown[][] = [];
    for (const { schema: where, name } of tables) {
      const [row] = await db.query<Row & { n: string }>(
        `select count(*) as n from ${quoteIdent(where)}.${quoteIdent(name)}`,
      );
      counted.push([...(schemas.length > 1 ? [where] : []), name, row?.n ?? "0"]);
    }
    const header = schemas.length > 1 ? ["schema", "table", "rows"] : ["table", "rows"];
    await write(out, formatTable(header, counted, new Set([header.length - 1])));
    await out.writeLine(
      `(${tables.length} ${tables.length === 1 ? "table" : "tables"} in ${schemas.join(", ")})`,
    );
  } finally {
    await db.close();
  }
}

async function write(out: MessageWriter, lines: readonly string[]): Promise<void> {
  for (const line of lines) await out.writeLine(line);
}

/** A header, a rule and the rows, each column as wide as its widest cell. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
  rightAligned: ReadonlySet<number> = new Set(),
): string[] {
  if (header.length === 0) return [];
  const cells = rows.map((row) => header.map((_, i) => cellText(row[i])));
  const widths = header.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => (row[i] ?? "").length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) =>
        rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value).replace(/\n/g, "\\n");
}
