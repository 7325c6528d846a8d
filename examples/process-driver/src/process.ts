/**
 * One container's main process: spawned in its own process group (so a stop
 * reaches everything it started), its output written to the container's
 * `LogBuffer`, and, as in a container, everything it left behind killed
 * when it ends.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import type { Clock, LogBuffer } from "../../../src/index.js";

/** A started main process. */
export type MainProcess = {
  /** Its pid, also the id of its process group. */
  readonly pid: number;
  /** Settles once it and its output have ended: its exit code, 128 + the signal's number when killed. */
  readonly ended: Promise<number>;
};

/** What {@link startProcess} needs besides the command. */
export type StartOptions = {
  /** The working directory: the container's own directory. */
  readonly cwd: string;
  /** The whole environment (the host's does not leak in). */
  readonly env: Readonly<Record<string, string>>;
  /** Written to the process's standard input, which is then closed; none: stdin is empty. */
  readonly stdin?: string | Uint8Array | undefined;
  /** Where its stdout and stderr go. */
  readonly logs: LogBuffer;
};

/**
 * Send `signal` to every process of the group `pid` leads; a group that is
 * gone already is fine.
 *
 * @example
 * ```ts
 * signalGroup(main.pid, "SIGTERM");
 * ```
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return number === undefined ? 1 : 128 + number;
}

/**
 * Spawn `command` as a container's main process. Resolves once it runs;
 * rejects with the spawn's error (an unknown command, a missing directory)
 * after ending the log, so nothing waits on it.
 *
 * @example
 * ```ts
 * const main = await startProcess(["sh", "-c", "echo hi"], { cwd, env, logs });
 * const code = await main.ended; // 0
 * ```
 */
export async function startProcess(command: readonly string[], options: StartOptions): Promise<MainProcess> {
  const [file, ...args] = command;
  let child: ChildProcess;
  try {
    child = spawn(file ?? "", args, {
      cwd: options.cwd,
      env: { ...options.env },
      detached: true,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
  } catch (error) {
    options.logs.end();
    throw error;
  }
  const { logs } = options;
  logs.begin();
  child.stdout?.on("data", (chunk: Buffer) => logs.write("stdout", chunk));
  child.stderr?.on("data", (chunk: Buffer) => logs.write("stderr", chunk));
  const ended = new Promise<number>((resolve) => {
    child.once("close", (code, signal) => {
      logs.end();
      resolve(exitCodeOf(code, signal));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  } catch (error) {
    logs.end();
    throw error;
  }
  const pid = child.pid as number;
  // A container ends with its main process: whatever it started in the background goes too.
  child.once("exit", () => signalGroup(pid, "SIGKILL"));
  if (options.stdin !== undefined && child.stdin !== null) {
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin);
  }
  return { pid, ended };
}

/**
 * Stop a main process: SIGTERM to its group, then SIGKILL once `graceMs`
 * has passed (at once when 0); resolves with its exit code once it ended.
 *
 * @example
 * ```ts
 * const code = await stopProcess(main, 10_000, systemClock);
 * ```
 */
export async function stopProcess(main: MainProcess, graceMs: number, clock: Clock): Promise<number> {
  if (graceMs <= 0) {
    signalGroup(main.pid, "SIGKILL");
    return main.ended;
  }
  signalGroup(main.pid, "SIGTERM");
  const timer = new AbortController();
  const graceOver = clock.sleep(graceMs, timer.signal).then(
    () => true,
    () => false,
  );
  const first = await Promise.race([main.ended.then(() => false), graceOver]);
  timer.abort();
  if (first) signalGroup(main.pid, "SIGKILL");
  return main.ended;
}
