import { fileURLToPath } from "node:url";

/** The built bins, exactly what a user runs (turbo builds them before tests). */
export const bins = {
  tap: fileURLToPath(new URL("../../../apps/tap-secoda/dist/cli.js", import.meta.url)),
  target: fileURLToPath(new URL("../../../apps/target-postgres/dist/cli.js", import.meta.url)),
} as const;
