import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Integration tests run the real bin, `node dist/cli.js`. Turbo builds before `test`; when the
 * tests are started directly (`pnpm --filter @singerkit/target-postgres test`, `vitest`), rebuild
 * here if any source file is newer than the build, so a test never runs stale code.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const cli = `${root}dist/cli.js`;
  const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
  const sources = readdirSync(`${root}src`).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
  );
  if (sources.some((f) => statSync(`${root}src/${f}`).mtimeMs > built)) {
    execFileSync(`${root}node_modules/.bin/tsc`, ["-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: "inherit",
    });
  }
}
