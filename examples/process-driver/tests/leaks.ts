/**
 * What the process driver's tests check is gone: processes whose working
 * directory is under a root (every container's process starts in its own
 * directory there, and keeps it after the directory is removed), and the
 * root's entries. Read from /proc and the file system, not from the driver.
 */
import { readdirSync, readlinkSync } from "node:fs";

/** Pids of live processes whose working directory is `root` or under it. */
export function processesUnder(root: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${name}/cwd`);
    } catch {
      continue; // gone meanwhile, a zombie, or not ours to read
    }
    if (cwd === root || cwd.startsWith(`${root}/`)) found.push(Number(name));
  }
  return found;
}

/** The entries of `directory` (its name alone for a missing one). */
export function entriesOf(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}
