/** Where a failure happened. Never holds secrets: values are names and numbers only. */
export interface ErrorContext {
  /** 1-based input line (targets, state/catalog files). */
  readonly line?: number;
  readonly stream?: string;
  /** JSON pointer into the record, e.g. `/owner/email`. */
  readonly field?: string;
}

export type ErrorOptions = ErrorContext & { readonly cause?: unknown };

/** Base of every error we throw on purpose. `runCli` turns it into `exitCode`. */
export abstract class SingerError extends Error {
  abstract readonly exitCode: number;
  readonly context: ErrorContext;

  constructor(message: string, options: ErrorOptions = {}) {
    const { cause, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.context = context;
  }

  /** `line 42, stream users, field /email: expected string, got number` */
  describe(): string {
    const { line, stream, field } = this.context;
    const where = [
      line === undefined ? undefined : `line ${line}`,
      stream === undefined ? undefined : `stream ${stream}`,
      field === undefined ? undefined : `field ${field}`,
    ].filter((part) => part !== undefined);
    return where.length > 0 ? `${where.join(", ")}: ${this.message}` : this.message;
  }
}

/** Missing or invalid configuration. Nothing has been read or written yet. */
export class ConfigError extends SingerError {
  override readonly exitCode = 2;
}

/** Malformed Singer input: bad JSON, RECORD before SCHEMA, a record that fails its schema. */
export class InputError extends SingerError {
  override readonly exitCode = 1;
}

/** The reader of our stdout went away (EPIPE). Not a bug of ours; reported in one line. */
export class OutputClosedError extends SingerError {
  override readonly exitCode = 1;
}

/** The run was interrupted by a signal (SIGINT/SIGTERM). */
export class InterruptedError extends SingerError {
  override readonly exitCode: number;
  readonly signal: string;

  constructor(signal: string, options: ErrorOptions = {}) {
    super(`interrupted by ${signal}`, options);
    this.signal = signal;
    this.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}

/** The source API failed. `retryable` is read by an HTTP client's retry loop and nothing else. */
export class SourceError extends SingerError {
  override readonly exitCode = 1;
  readonly status: number | undefined;
  /** URL path only: query strings can carry secrets. */
  readonly endpoint: string;
  readonly retryable: boolean;
  /** Seconds the server asked us to wait (Retry-After), when it said so. */
  readonly retryAfter: number | undefined;

  constructor(
    message: string,
    details: {
      readonly status?: number;
      readonly endpoint: string;
      readonly retryable: boolean;
      readonly retryAfter?: number;
    },
    options: ErrorOptions = {},
  ) {
    super(message, options);
    this.status = details.status;
    this.endpoint = details.endpoint;
    this.retryable = details.retryable;
    this.retryAfter = details.retryAfter;
  }
}

/** The destination failed. Keeps the database's own code and the table/column it named. */
export class LoadError extends SingerError {
  override readonly exitCode = 1;
  readonly code: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;

  constructor(
    message: string,
    details: { readonly code?: string; readonly table?: string; readonly column?: string } = {},
    options: ErrorOptions = {},
  ) {
    super(message, options);
    this.code = details.code;
    this.table = details.table;
    this.column = details.column;
  }

  override describe(): string {
    const base = super.describe();
    const where = [
      this.table === undefined ? undefined : `table ${this.table}`,
      this.column === undefined ? undefined : `column ${this.column}`,
    ].filter((part) => part !== undefined);
    return where.length > 0 ? `${where.join(", ")}: ${base}` : base;
  }
}

/** Turns anything thrown into one line of text (no stack). */
export function describeUnknown(error: unknown): string {
  if (error instanceof SingerError) return error.describe();
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
