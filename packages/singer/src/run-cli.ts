import { CommanderError } from "commander";
import { describeUnknown, SingerError } from "./errors.js";
import type { ProcessIo } from "./io.js";
import { loggerFor } from "./run-context.js";

/** What runCli needs of a commander program (any option types). */
export interface CliProgram {
  name(): string;
  exitOverride(): unknown;
  configureOutput(output: { writeOut(text: string): void; writeErr(text: string): void }): unknown;
  parseAsync(argv: readonly string[]): Promise<unknown>;
}

/**
 * Parses argv and runs the program. The only place where failures become exit codes; it never
 * calls process.exit(): the caller sets process.exitCode, so stdout drains and the final STATE
 * line is not cut off. Every failure ends with one FATAL line on stderr.
 */
export async function runCli(program: CliProgram, io: ProcessIo): Promise<number> {
  program.exitOverride();
  program.configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  try {
    await program.parseAsync([...io.argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed why
    const log = loggerFor(program.name(), io);
    if (error instanceof SingerError) {
      log.fatal(error.describe(), { ...error.context }); // stream, line, field: keys of a JSON line
      if (log.isEnabled("debug") && error.cause instanceof Error)
        log.debug(error.cause.stack ?? String(error.cause));
      return error.exitCode;
    }
    log.fatal(`internal error (a bug, please report it): ${describeUnknown(error)}`);
    if (error instanceof Error && error.stack !== undefined) log.error(error.stack);
    return 70; // EX_SOFTWARE
  }
}
