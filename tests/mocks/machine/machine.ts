/**
 * What runs inside one mock container: its file system, its process table
 * (pids from 1, the main command first), and its freezer. Processes sleep on
 * the runtime's clock, stop at the freezer while the container is paused,
 * and are killed together with their group (an exec's, or everything when
 * the main command ends, as when a container's init process exits).
 *
 * @module
 */
import { ContainerFs, type Mount } from "../fs/view.js";
import type { ProcessInfo, ProcessSource } from "../fs/special.js";
import { FsError } from "../fs/tree.js";
import type { RuntimeTimers } from "../timers.js";
import { type Fds, Proc, type ProcessGroup, ProcessKilled, type ProcessSpec } from "./process.js";
import { BrokenPipe } from "./streams.js";

/** The code a process runs: resolves with its exit status. */
export type ProcessBody = (proc: Proc, fds: Fds) => Promise<number> | number;

/** The status of a process that broke inside the mock (a bug of the mock, reported on its stderr). */
export const INTERNAL_ERROR_STATUS = 255;

/** How many steps a process takes before it lets the event loop run (a busy loop must not starve timers). */
const STEPS_PER_YIELD = 512;

const encoder = new TextEncoder();

/** What a machine needs from its runtime. */
export type MachineOptions = {
  /** The runtime's clock, read for times. */
  readonly now: () => number;
  /** The runtime's waits. */
  readonly timers: RuntimeTimers;
  /** Numbers in `[0, 1)` for `/dev/urandom`, from the driver's seeded source. */
  readonly random: () => number;
  /** The mounts, given the process source `/proc` reads. */
  readonly mounts: (source: ProcessSource) => readonly Mount[];
};

/**
 * The inside of one container.
 *
 * @example
 * ```ts
 * const machine = new Machine({ now: () => clock.now(), timers, mounts: (source) => mountsOf(record, source) });
 * const main = machine.spawn(spec, fds, (proc, fds) => runShell(proc, fds));
 * ```
 */
export class Machine implements ProcessSource {
  readonly fs: ContainerFs;
  readonly timers: RuntimeTimers;
  readonly now: () => number;
  readonly random: () => number;
  readonly #processes = new Map<number, Proc>();
  #nextPid = 1;
  #frozen = false;
  #thawed: Promise<void> | undefined;
  #thaw: (() => void) | undefined;
  #steps = 0;

  constructor(options: MachineOptions) {
    this.now = options.now;
    this.timers = options.timers;
    this.random = options.random;
    this.fs = new ContainerFs(options.mounts(this), options.now);
  }

  /** Whether the container is paused. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** How many processes run. */
  get size(): number {
    return this.#processes.size;
  }

  /** The process with this pid, if it runs. */
  process(pid: number): Proc | undefined {
    return this.#processes.get(pid);
  }

  /**
   * Start a process running `body`. It holds `fds` (retained now, released
   * when it ends) and ends with what `body` resolves, or with its kill
   * status. A {@link BrokenPipe} ends it as SIGPIPE would, a file system
   * error (a full disk under `>`) as a write error (status 1); anything else
   * `body` throws is a bug of the mock, written to its stderr.
   */
  spawn(spec: ProcessSpec, fds: Fds, body: ProcessBody): Proc {
    const proc = new Proc(this.#nextPid++, spec);
    this.#processes.set(proc.pid, proc);
    spec.group.members.add(proc);
    for (const fd of fds) fd.retain();
    void proc.exited.then(() => {
      this.#processes.delete(proc.pid);
      spec.group.members.delete(proc);
      for (const fd of fds) fd.release();
    });
    Promise.resolve()
      .then(() => body(proc, fds))
      .then(
        (status) => proc.finish(status),
        async (error: unknown) => {
          if (proc.done) return;
          if (error instanceof ProcessKilled) proc.finish(error.status);
          else if (error instanceof BrokenPipe) proc.finish(141);
          else {
            // A full file system under a redirection is the command's write error; anything else is a bug of the mock.
            const name = (proc.argv[0] ?? "process").split("/").pop();
            const message =
              error instanceof FsError
                ? `${name}: write error: ${error.message}\n`
                : `mock: internal error in ${name}: ${error instanceof Error ? error.stack : String(error)}\n`;
            await Promise.resolve(fds[2].write(encoder.encode(message), new AbortController().signal)).catch(
              () => undefined,
            );
            proc.finish(error instanceof FsError ? 1 : INTERNAL_ERROR_STATUS);
          }
        },
      );
    return proc;
  }

  /** Kill every process of `group` with `status`. */
  killGroup(group: ProcessGroup, status: number): void {
    for (const proc of [...group.members]) proc.finish(status);
  }

  /** Kill every process of the container with `status` (its init process ended, or it was removed). */
  killAll(status: number): void {
    for (const proc of [...this.#processes.values()]) proc.finish(status);
  }

  /** Freeze every process (pause). */
  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    this.#thawed = new Promise<void>((resolve) => {
      this.#thaw = resolve;
    });
  }

  /** Let frozen processes go on (resume). */
  thaw(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    this.#thaw?.();
    this.#thawed = undefined;
    this.#thaw = undefined;
  }

  /**
   * Where a process stops while the container is frozen: `undefined` when it
   * is not (no promise, no cost), else a promise that resolves on thaw and
   * rejects when the process is killed meanwhile.
   */
  gate(proc: Proc): Promise<void> | undefined {
    if (proc.signal.aborted) return Promise.reject(proc.signal.reason);
    const thawed = this.#thawed;
    if (thawed === undefined) return this.#yieldNow(proc);
    return new Promise<void>((resolve, reject) => {
      const onKill = () => reject(proc.signal.reason);
      proc.signal.addEventListener("abort", onKill, { once: true });
      void thawed.then(() => {
        proc.signal.removeEventListener("abort", onKill);
        resolve();
      });
    });
  }

  /** Sleep `ms` on the runtime's clock as `proc` (rejects when it is killed), then pass the freezer. */
  async sleep(proc: Proc, ms: number): Promise<void> {
    await this.timers.background(ms, proc.signal);
    await this.gate(proc);
  }

  /** Every live pid, ascending. */
  pids(): number[] {
    return [...this.#processes.keys()];
  }

  /** A process as `/proc` shows it. */
  info(pid: number): ProcessInfo | undefined {
    const proc = this.#processes.get(pid);
    if (proc === undefined) return undefined;
    const state = this.#frozen ? "T" : "S";
    return { pid, ppid: proc.ppid, argv: proc.argv, env: proc.env, cred: proc.cred, state };
  }

  /** The text of `/proc/mounts`. */
  mounts(): string {
    return this.fs.mountsText();
  }

  /** Now and then, let the event loop run, so a loop that never waits cannot starve timers and other containers. */
  #yieldNow(proc: Proc): Promise<void> | undefined {
    if (++this.#steps < STEPS_PER_YIELD) return undefined;
    this.#steps = 0;
    return new Promise<void>((resolve, reject) => {
      setImmediate(() => (proc.signal.aborted ? reject(proc.signal.reason) : resolve()));
    });
  }
}
