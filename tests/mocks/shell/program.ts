/**
 * What a program of the mock's containers is: a function of its context
 * (argv, environment, working directory, standard streams, file system, its
 * process) that resolves with its exit status. The shell and every command
 * the mock knows (`cat`, `sleep`, ...) are programs; a test adds its own
 * through the driver's `programs` option.
 *
 * @module
 */
import { FsError } from "../fs/tree.js";
import type { AccessContext } from "../fs/special.js";
import type { ContainerFs } from "../fs/view.js";
import type { Machine } from "../machine/machine.js";
import type { Fds, Proc } from "../machine/process.js";
import { chunksOf, type Input, type Output } from "../machine/streams.js";

const encoder = new TextEncoder();

/** Everything a running program can reach. */
export type ProgramContext = {
  /** Its arguments, `argv[0]` being the name it was called by. */
  readonly argv: readonly string[];
  /** Its environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Its working directory (absolute). */
  readonly cwd: string;
  /** Its process: pid, credentials, and the signal that aborts when it is killed. */
  readonly process: Proc;
  /** The container it runs in: processes, file system, clock. */
  readonly machine: Machine;
  readonly stdin: Input;
  readonly stdout: Output;
  readonly stderr: Output;
  /** The container's file system. */
  readonly fs: ContainerFs;
  /** The programs the container has (what `sh` runs commands from). */
  readonly programs: ProgramTable;
  /** Who asks, for the file system's permission checks. */
  readonly access: AccessContext;
  /** Write text or bytes to standard output (waits while the container is paused, or for a full pipe). */
  write(data: string | Uint8Array): Promise<void>;
  /** Write a line `name: message` to standard error. */
  error(message: string): Promise<void>;
  /** Every chunk of standard input, until its end. */
  input(): AsyncGenerator<Uint8Array>;
  /** Sleep `ms` on the runtime's clock (rejects when the process is killed; waits out a pause). */
  sleep(ms: number): Promise<void>;
  /** Run another program in this process, as `exec` does (`setsid cmd`, `env cmd`): its status, 127 when not found. */
  exec(argv: readonly string[], env?: Readonly<Record<string, string>>): Promise<number>;
};

/** A program: resolves (or returns) its exit status. */
export type Program = (context: ProgramContext) => Promise<number> | number;

/** Where programs are found by name, and how a context is made for one. */
export type ProgramTable = {
  /** The program of this name, if the container has it. */
  get(name: string): Program | undefined;
  /** Every name, for the image's `/bin`. */
  names(): Iterable<string>;
};

/**
 * The context of a program run as `proc` with `fds`.
 *
 * @param resolve - finds a program for `exec` (by name or path, through `PATH`).
 * @example
 * ```ts
 * const context = programContext(machine, proc, fds, argv, env, table, (name) => table.get(name));
 * ```
 */
export function programContext(
  machine: Machine,
  proc: Proc,
  fds: Fds,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  programs: ProgramTable,
  resolve: (name: string, context: ProgramContext) => Program | undefined,
): ProgramContext {
  const name = (argv[0] ?? "sh").split("/").pop() ?? "sh";
  const write = async (output: Output, data: string | Uint8Array) => {
    await machine.gate(proc);
    const chunk = typeof data === "string" ? encoder.encode(data) : data;
    if (chunk.byteLength > 0) await output.write(chunk, proc.signal);
  };
  const context: ProgramContext = {
    argv,
    env,
    cwd: proc.cwd,
    process: proc,
    machine,
    stdin: fds[0],
    stdout: fds[1],
    stderr: fds[2],
    fs: machine.fs,
    programs,
    access: { cred: proc.cred, pid: proc.pid },
    write: (data) => write(fds[1], data),
    error: (message) => write(fds[2], `${name}: ${message}\n`),
    input: () => chunksOf(fds[0], proc.signal),
    sleep: (ms) => machine.sleep(proc, ms),
    async exec(next, nextEnv = env) {
      const program = resolve(next[0] ?? "", context);
      if (program === undefined) {
        await context.error(`${next[0] ?? ""}: not found`);
        return 127;
      }
      return program(programContext(machine, proc, fds, next, nextEnv, programs, resolve));
    },
  };
  return context;
}

/**
 * The message of a file system error as a command prints it: `path: reason`.
 *
 * @example
 * ```ts
 * fsMessage(new FsError("ENOENT", "/x")); // "/x: No such file or directory"
 * ```
 */
export function fsMessage(error: unknown, path?: string): string {
  if (error instanceof FsError) return `${path ?? error.path}: ${error.message}`;
  throw error;
}
