import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { LoadError, type Logger } from "@singerkit/singer";

export const LOCK_FILE = "target-postgres.lock";

/**
 * The embedded database is single-session: one process at a time may open a folder. The lock
 * is a file created with O_EXCL holding the owner's pid. A lock whose pid is not running (a
 * crashed run) is taken over with a warning; a live one fails naming the folder and the pid.
 * Returns the release function (removes the file if it is still ours).
 */
export function acquireLock(folder: string, log: Logger): () => void {
  const dir = resolve(folder);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt += 1) {
    const taken = tryCreate(path);
    if (taken) return () => release(path);
    const owner = readOwner(path);
    if (owner !== undefined && isAlive(owner))
      throw new LoadError(
        `the embedded database ${dir} is in use by process ${owner} (lock file ${path}); wait for it to finish, or remove the lock file if that process is not a target-postgres`,
      );
    if (attempt > 0)
      throw new LoadError(`could not take the lock file ${path} of the embedded database ${dir}`);
    log.warn(
      `taking over the stale lock of the embedded database ${dir}: process ${owner ?? "(unreadable pid)"} is not running`,
    );
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // fs errors carry a code
    }
  }
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false; // fs errors carry a code
    throw new LoadError(
      `could not create the lock file ${path}: ${String(error)}`,
      {},
      { cause: error },
    );
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}

function release(path: string): void {
  if (readOwner(path) === process.pid) unlinkSync(path);
}
