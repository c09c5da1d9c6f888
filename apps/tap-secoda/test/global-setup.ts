import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startFakeSecoda } from "@repo/fake-secoda";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared fake (read-only tests): scale 1000, seed 7, keys test-key / admin-key. */
    fakeSecodaUrl: string;
    /** The same data in the fake's real-API mode (the documented variants; README "Real-API mode"). */
    fakeSecodaRealUrl: string;
  }
}

const root = new URL("..", import.meta.url).pathname;

/** Newest modification time under a folder. */
function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    }),
  );
}

/**
 * Integration tests run the built CLI (`node dist/cli.js`), like a user does. Rebuild it when
 * src is newer, so `vitest` alone never tests stale code. Then start the shared fake.
 */
export default async function setup(project: TestProject) {
  let built = 0;
  try {
    built = statSync(join(root, "dist/cli.js")).mtimeMs;
  } catch {
    // not built yet
  }
  if (built < newest(join(root, "src"))) {
    execFileSync(
      "node",
      [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: root,
        stdio: "inherit",
      },
    );
  }
  const fake = await startFakeSecoda({ scale: 1000, seed: 7 });
  const real = await startFakeSecoda({ scale: 1000, seed: 7, realApi: true });
  project.provide("fakeSecodaUrl", fake.url);
  project.provide("fakeSecodaRealUrl", real.url);
  return async () => {
    await fake.close();
    await real.close();
  };
}
