import { InputError, type SchemaMessage } from "@singerkit/singer";
import type { TableState } from "./catalog.js";
import { type Plan, planTable, resultingType, type WantedTable } from "./ddl.js";
import { assignNames, SYSTEM_COLUMNS } from "./identifiers.js";
import { allowsString, columnType, PG } from "./type-mapping.js";

/** One loaded column: the Singer property, its identifier and its (effective) type. */
export interface Column {
  readonly property: string;
  readonly name: string;
  readonly type: string;
  /** jsonb column whose schema does not allow strings (see copy.ts `parseJsonStrings`). */
  readonly parseJsonStrings: boolean;
}

/** A SCHEMA message turned into columns and the DDL that makes the table hold them. */
export interface Layout {
  readonly wanted: WantedTable;
  readonly plan: Plan;
  /** Key columns first (the row buffer dedupes on that prefix), then schema order. */
  readonly columns: readonly Column[];
}

/**
 * Pure: names every property (identifiers.ts, keeping existing columns' names), maps its type
 * (type-mapping.ts), and plans the DDL against the table as it is (ddl.ts). Columns get the type
 * they will have after the plan, which may be wider than the schema asks for.
 */
export function schemaLayout(
  message: SchemaMessage,
  line: number,
  target: {
    readonly schema: string;
    readonly table: string;
    readonly existing: TableState | undefined;
  },
): Layout {
  const properties = Object.keys(message.schema.properties);
  const keys = message.key_properties;
  for (const key of keys) {
    if (!properties.includes(key))
      throw new InputError(`key property ${key} is not one of the schema's properties`, {
        line,
        stream: message.stream,
      });
  }
  const names = assignNames(
    properties,
    target.existing?.columns ?? [],
    (property) => property,
    SYSTEM_COLUMNS,
  );
  const nameOf = (property: string) => names.get(property) ?? property;
  const typeOf = (property: string) => columnType(message.schema.properties[property] ?? {});
  const wanted: WantedTable = {
    schema: target.schema,
    name: target.table,
    stream: message.stream,
    columns: properties.map((property) => ({
      name: nameOf(property),
      original: property,
      type: typeOf(property),
    })),
    primaryKey: keys.map(nameOf),
  };
  const ordered = [...keys, ...properties.filter((property) => !keys.includes(property))];
  const columns = ordered.map((property) => {
    const name = nameOf(property);
    const type = resultingType(target.existing, name, typeOf(property));
    const schema = message.schema.properties[property] ?? {};
    return { property, name, type, parseJsonStrings: type === PG.jsonb && !allowsString(schema) };
  });
  return { wanted, plan: planTable(target.existing, wanted), columns };
}

/** Canonical JSON (object keys sorted) of what makes two SCHEMA messages different. */
export function schemaSignature(message: SchemaMessage): string {
  return canonical({ schema: message.schema, key_properties: [...message.key_properties] });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The schema records are validated against. Dropped always: `format: "time"` (the validator's
 * lenient mode still requires a zone on times, while taps send `10:00:00`; the time column checks
 * them) and a fractional `multipleOf` (a decimal scale such as tap-postgres's `1e-10` for
 * numeric(p,s): doubles cannot check it exactly, e.g. 1e17 is "not a multiple" of 1e-10, and the
 * numeric column keeps every digit). `lenient` (the default policy) also drops `date-time` and
 * `date`: their columns read the variants taps write (timestamps.ts) and widen for the rest, so
 * the column, not the format, decides what is off-schema.
 */
export function validationSchema<S>(schema: S, lenient = false): S {
  const text = JSON.stringify(schema);
  const formats = lenient ? ["time", "date-time", "date"] : ["time"];
  if (!formats.some((f) => text.includes(`"${f}"`)) && !text.includes('"multipleOf"'))
    return schema;
  return JSON.parse(text, (key, value: unknown) => {
    if (key === "format" && typeof value === "string" && formats.includes(value)) return undefined;
    if (key === "multipleOf" && typeof value === "number" && !Number.isInteger(value))
      return undefined;
    return value;
  }) as S; // same JSON with keywords removed
}
