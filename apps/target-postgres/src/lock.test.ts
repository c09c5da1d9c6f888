import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Logger } from "@singerkit/singer";
import { afterEach, describe, expect, it } from "vitest";
import { acquireLock, LOCK_FILE } from "./lock.js";

describe("acquireLock (embedded database: one session per folder)", () => {
  const folders: string[] = [];
  const logged: string[] = [];
  const log = new Logger({
    name: "test",
    out: new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        logged.push(chunk.toString());
        done();
      },
    }),
  });
  const fresh = () => {
    const folder = mkdtempSync(join(tmpdir(), "lock-test-"));
    folders.push(folder);
    return folder;
  };
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
    logged.splice(0);
  });

  it("creates the lock with our pid and removes it on release", () => {
    const folder = join(fresh(), "nested");
    const release = acquireLock(folder, log);
    expect(readFileSync(join(folder, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
  });

  it("a second acquire while held fails naming folder and pid", () => {
    const folder = fresh();
    const release = acquireLock(folder, log);
    expect(() => acquireLock(folder, log)).toThrow(
      `the embedded database ${folder} is in use by process ${process.pid}`,
    );
    release();
  });

  it.each(["2147483646\n", "garbage"])("takes over a stale lock (%j) with a warning", (content) => {
    const folder = fresh();
    writeFileSync(join(folder, LOCK_FILE), content);
    const release = acquireLock(folder, log);
    expect(logged.join("")).toContain("taking over the stale lock");
    expect(readFileSync(join(folder, LOCK_FILE), "utf8")).toBe(`${process.pid}\n`);
    release();
  });
});
