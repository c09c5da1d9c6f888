import type { Logger } from "@singerkit/singer";
import { PG } from "./type-mapping.js";

/** What happened to a field's off-schema values (as `_sdc_loads.streams` records it). */
export interface FieldReport {
  /** Records whose value of this field did not match the schema or did not fit its column. */
  values: number;
  /** The first JSON Schema keyword that failed (`type`, `maxLength`, …), or `column` when only
   * the column could not hold the value (validation off, or a value the schema allows). */
  keyword: string;
  /** Input line of the first such record. */
  first_line: number;
  /** `loaded as sent`, or `column widened to <type>` once the column had to widen. */
  action: string;
}

export interface StreamReport {
  values: number;
  fields: Record<string, FieldReport>;
}

/**
 * The run's off-schema values (the default validation policy, docs/decisions-target.md):
 * counted per stream and field, warned once per stream and field with the first line, and
 * reported in the load summary and `_sdc_loads`. Nothing here decides what is loaded: the check
 * (record-encoder.ts) and the column encoders (copy.ts) do; this only keeps the account.
 */
export class OffSchemaLog {
  readonly #log: Logger;
  readonly #streams = new Map<string, Map<string, FieldReport & { lastLine: number }>>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** A value that failed the schema's check (`message`: what and the value); loaded as sent. */
  issue(stream: string, field: string, keyword: string, message: string, line: number): void {
    const report = this.#field(stream, field, keyword, line);
    if (report === undefined) return;
    if (report.values === 1)
      this.#log.warn(
        `line ${line}, stream ${stream}, field ${field}: ${message}; loaded as sent (off-schema values are counted in the load summary; warned once per field)`,
      );
  }

  /**
   * A value the column could not hold: the column widens to `type` (text, or the lattice's next
   * type). A widening to numeric of an integer column is only noted when the check already
   * counted the value (an integer too large for bigint is not off-schema).
   */
  widened(stream: string, field: string, column: string, type: string, line: number): void {
    const known = this.#streams.get(stream)?.get(field);
    if (type === PG.numeric && known?.lastLine !== line) return;
    const report = this.#field(stream, field, "column", line) ?? known;
    if (report === undefined) return;
    const action = `column widened to ${type}`;
    if (report.action === action) return;
    report.action = action;
    this.#log.warn(
      `line ${line}, stream ${stream}, field ${field}: column ${column} cannot hold the value as its type; the column is widened to ${type} and the value loaded as sent (warned once per field)`,
    );
  }

  /** Per stream with off-schema values: the counts and actions. */
  report(): Map<string, StreamReport> {
    const out = new Map<string, StreamReport>();
    for (const [stream, fields] of this.#streams) {
      let values = 0;
      const entries: Record<string, FieldReport> = {};
      for (const [field, { lastLine: _, ...report }] of fields) {
        values += report.values;
        entries[field] = report;
      }
      out.set(stream, { values, fields: entries });
    }
    return out;
  }

  /** The load summary's words for one stream (empty when it had none). */
  summary(stream: string): string {
    const report = this.report().get(stream);
    if (report === undefined) return "";
    const fields = Object.entries(report.fields)
      .map(([field, f]) => `${field} ${f.values} (${f.keyword}: ${f.action})`)
      .join(", ");
    return `; ${report.values} off-schema value(s): ${fields}`;
  }

  /** Counts the record once per field (a record can be noted by the check and the column). */
  #field(stream: string, field: string, keyword: string, line: number) {
    let fields = this.#streams.get(stream);
    if (fields === undefined) {
      fields = new Map();
      this.#streams.set(stream, fields);
    }
    const report = fields.get(field);
    if (report === undefined) {
      const created = {
        values: 1,
        keyword,
        first_line: line,
        action: "loaded as sent",
        lastLine: line,
      };
      fields.set(field, created);
      return created;
    }
    if (report.lastLine === line) return undefined;
    report.values += 1;
    report.lastLine = line;
    return report;
  }
}
