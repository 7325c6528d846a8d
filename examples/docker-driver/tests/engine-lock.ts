/**
 * The cross-process lock that keeps engine test files (and the engine
 * benchmarks) from running at the same time: the fault test kills the
 * engine, and a benchmark must not share the engine with tests. A directory,
 * created atomically, with the holder's pid; a lock whose holder died or has
 * held it too long is taken over. No vitest here, so `tsx` scripts can use it.
 *
 * @module
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LOCK_DIR = join(tmpdir(), "openagent-docker-tests.lock");

/** A holder that kept the lock this long has hung or lost its afterAll; the lock is taken over. */
export const LOCK_MAX_AGE_MS = 15 * 60_000;

function lockHolderAlive(): boolean {
  try {
    if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_MAX_AGE_MS) return false;
    const pid = Number(readFileSync(join(LOCK_DIR, "pid"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Take the engine lock, waiting while another live process holds it.
 *
 * @example
 * ```ts
 * await acquireEngineLock();
 * try { await work(); } finally { releaseEngineLock(); }
 * ```
 */
export async function acquireEngineLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, "pid"), String(process.pid));
      return;
    } catch {
      // Held. Give a just-created lock a moment to get its pid file before calling it stale.
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (!lockHolderAlive()) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (!lockHolderAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
      }
    }
  }
}

/** Give the engine lock back. */
export function releaseEngineLock(): void {
  rmSync(LOCK_DIR, { recursive: true, force: true });
}
