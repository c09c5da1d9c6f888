import { fileURLToPath } from "node:url";

/** The built bins, exactly what a user runs (`npm run build` first; turbo does it for tests). */
export const bins = {
  tap: fileURLToPath(new URL("../../../apps/tap-secoda/dist/cli.js", import.meta.url)),
  target: fileURLToPath(new URL("../../../apps/target-postgres/dist/cli.js", import.meta.url)),
  jsonl: fileURLToPath(new URL("../../../apps/target-jsonl/dist/cli.js", import.meta.url)),
} as const;
