import { defineConfig } from "vitest/config";

// Each file starts its own fake Secoda and runs real processes; one file at a time keeps the
// two-core machine from turning timing into flakiness.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
