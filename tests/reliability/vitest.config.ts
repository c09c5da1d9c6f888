import { defineConfig } from "vitest/config";

// Each file runs real processes against one PostgreSQL (and sometimes a fake Secoda); one file
// at a time keeps the two-core machine from turning timing into flakiness.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
