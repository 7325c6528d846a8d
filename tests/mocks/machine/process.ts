/**
 * A mock process: its pid, argv, environment, working directory and
 * credentials, the group it is killed with (everything one exec or one main
 * command started), its signal handlers, and how it ended. Killing a
 * process aborts its signal, so every wait of the code that runs it (a
 * sleep, a read, a pipe write) rejects at once: nothing of a killed process
 * goes on running.
 *
 * @module
 */
import type { Credentials } from "../fs/credentials.js";
import type { Input, Output } from "./streams.js";

/** Signal numbers, as `kill -l` lists them on Linux. */
export const SIGNALS = Object.freeze({
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  WINCH: 28,
});

/** A signal's name without `SIG`. */
export type SignalName = keyof typeof SIGNALS;

/** Signals a process ignores unless it handles them. */
const IGNORED_BY_DEFAULT: ReadonlySet<SignalName> = new Set([
  "CHLD",
  "CONT",
  "URG",
  "WINCH",
  "STOP",
  "TSTP",
  "TTIN",
  "TTOU",
]);

/**
 * The name of signal `spec` (`TERM`, `SIGTERM`, `15`), or `undefined`.
 *
 * @example
 * ```ts
 * signalName("SIGUSR1"); // "USR1"
 * ```
 */
export function signalName(spec: string): SignalName | undefined {
  const upper = spec.toUpperCase().replace(/^SIG/, "");
  if (Object.hasOwn(SIGNALS, upper)) return upper as SignalName;
  if (/^\d+$/.test(spec)) {
    const found = Object.entries(SIGNALS).find(([, number]) => number === Number(spec));
    return found?.[0] as SignalName | undefined;
  }
  return undefined;
}

/** The exit status of a process ended by `signal`: 128 plus its number. */
export function killedStatus(signal: SignalName): number {
  return 128 + SIGNALS[signal];
}

/** A process's standard input, output and error. */
export type Fds = readonly [Input, Output, Output];

/** The reason a killed process's waits reject with. */
export class ProcessKilled extends Error {
  override name = "ProcessKilled";
  readonly status: number;
  constructor(status: number) {
    super(`killed (status ${status})`);
    this.status = status;
  }
}

/**
 * The processes killed together: everything one exec started (its command,
 * what that ran in the background, in a session of its own, or orphaned),
 * or everything the main command started.
 */
export class ProcessGroup {
  readonly members = new Set<Proc>();
}

/** What a process is started with. */
export type ProcessSpec = {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly cred: Credentials;
  readonly group: ProcessGroup;
  readonly ppid: number;
};

/**
 * One process of a container.
 *
 * @example
 * ```ts
 * const proc = machine.spawn(spec, fds, async (self) => { await machine.sleep(self, 100); return 0; });
 * await proc.exited; // 0
 * ```
 */
export class Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  cwd: string;
  readonly cred: Credentials;
  readonly group: ProcessGroup;
  /** Aborted when the process is killed; every wait of its code takes this signal. */
  readonly signal: AbortSignal;
  /** What a shell runs when a signal arrives (`trap`); `""` ignores the signal. */
  readonly traps = new Map<SignalName, string>();
  /** Signals that arrived and wait for their trap to run. */
  readonly pending: SignalName[] = [];
  /** Set while the process waits in a way a handled signal interrupts (`wait`). */
  interrupt: (() => void) | undefined;
  /** Its exit status, once it ended. */
  status: number | undefined;
  /** Resolves with the exit status when the process ends (at once when killed). */
  readonly exited: Promise<number>;
  readonly #controller = new AbortController();
  #resolveExit!: (status: number) => void;

  constructor(pid: number, spec: ProcessSpec) {
    this.pid = pid;
    this.ppid = spec.ppid;
    this.argv = spec.argv;
    this.env = spec.env;
    this.cwd = spec.cwd;
    this.cred = spec.cred;
    this.group = spec.group;
    this.signal = this.#controller.signal;
    this.exited = new Promise<number>((resolve) => {
      this.#resolveExit = resolve;
    });
  }

  /** Whether it has ended. */
  get done(): boolean {
    return this.status !== undefined;
  }

  /** End the process with `status`: its waits reject, `exited` resolves. Returns whether it was still running. */
  finish(status: number): boolean {
    if (this.status !== undefined) return false;
    this.status = status;
    if (!this.#controller.signal.aborted) this.#controller.abort(new ProcessKilled(status));
    this.#resolveExit(status);
    return true;
  }

  /**
   * A signal arrives: `KILL` ends the process; a handled signal is queued
   * for its trap (and interrupts a `wait`); an ignored one does nothing; any
   * other ends the process with 128 + its number.
   */
  deliver(signal: SignalName): void {
    if (this.done) return;
    if (signal !== "KILL") {
      const trap = this.traps.get(signal);
      if (trap === "") return;
      if (trap !== undefined) {
        this.pending.push(signal);
        this.interrupt?.();
        return;
      }
      if (IGNORED_BY_DEFAULT.has(signal)) return;
    }
    this.finish(killedStatus(signal));
  }
}
