/**
 * How a mock container runs a command (its main command, or an exec): the
 * test's exec handler first, if it takes the command; else the program
 * the command names (the built-in shell and commands, or a test's own);
 * else, for a main command, a simulated process that runs until it is
 * stopped (the 1.0 mocks' behaviour for a command they cannot run), and for
 * an exec, exit status 127 with the runtime's message.
 *
 * @module
 */
import type { Machine } from "./machine/machine.js";
import type { ProcessBody } from "./machine/machine.js";
import { findProgram, resolverOf } from "./shell/path.js";
import { type ProgramContext, type ProgramTable, programContext } from "./shell/program.js";

/** A command a container is about to run, as the exec handler sees it. */
export type MockExecRequest = {
  /** `main` for a container's main command (each start), `exec` for `execInContainer`. */
  readonly kind: "main" | "exec";
  readonly containerId: string;
  /** The argv. */
  readonly command: readonly string[];
  /** The whole environment the command gets (the container's, and the request's for an exec). */
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  /** The user it runs as, as configured or requested (`openagent`, `1000:1000`). */
  readonly user: string;
};

/** What a handler's command ended with: an exit status, or one with output to write first. */
export type MockExecOutcome =
  | number
  | {
      readonly exitCode: number;
      readonly stdout?: string | Uint8Array;
      readonly stderr?: string | Uint8Array;
    };

/**
 * A test's own way of running commands. Called for every command a
 * container runs, with the request and the command's context (its
 * standard streams, the container's file system, `sleep` on the runtime's
 * clock, `exec` to run a built-in command). Return `undefined`, at once, to
 * leave the command to the built-in shell and commands; otherwise the exit
 * status (or a promise of it). Output written through the context reaches
 * `onOutput`, the result and the logs like any program's; the context's
 * process signal aborts when the command is killed (timeout, abort, stop).
 *
 * @example
 * ```ts
 * const exec: MockExecHandler = (request, context) =>
 *   request.command[0] === "python3" ? context.write("Python 3.12.0\n").then(() => 0) : undefined;
 * ```
 */
export type MockExecHandler = (
  request: MockExecRequest,
  context: ProgramContext,
) => MockExecOutcome | Promise<MockExecOutcome> | undefined;

/** What the runtime needs to run a command. */
export type CommandRunner = {
  readonly machine: Machine;
  readonly programs: ProgramTable;
  readonly handler: MockExecHandler | undefined;
};

async function settle(outcome: MockExecOutcome, context: ProgramContext): Promise<number> {
  if (typeof outcome === "number") return outcome;
  if (outcome.stdout !== undefined) await context.write(outcome.stdout);
  if (outcome.stderr !== undefined) {
    const text = outcome.stderr;
    await context.machine.gate(context.process);
    const chunk = typeof text === "string" ? new TextEncoder().encode(text) : text;
    await context.stderr.write(chunk, context.process.signal);
  }
  return outcome.exitCode;
}

/** Waits until the process is killed: a main command the mock cannot run. */
function runUntilKilled(context: ProgramContext): Promise<number> {
  return new Promise<number>((_, reject) => {
    const { signal } = context.process;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * The body of the process that runs `request`. `onSimulated` is called when
 * a main command is neither the handler's nor a program of the container.
 *
 * @example
 * ```ts
 * const proc = machine.spawn(spec, fds, commandBody(runner, request, () => (record.simulated = true)));
 * ```
 */
export function commandBody(runner: CommandRunner, request: MockExecRequest, onSimulated: () => void): ProcessBody {
  return async (proc, fds) => {
    const resolve = resolverOf(runner.programs);
    const context = programContext(runner.machine, proc, fds, request.command, request.env, runner.programs, resolve);
    const outcome = runner.handler?.(request, context);
    if (outcome !== undefined) return settle(await outcome, context);
    const name = request.command[0] ?? "";
    const found = findProgram(name, runner.programs, context.fs, context.access, context.cwd, request.env.PATH ?? "");
    if (found.kind === "program") return found.program(context);
    if (request.kind === "main") {
      onSimulated();
      return runUntilKilled(context);
    }
    const reason = found.kind === "missing" ? "executable file not found in $PATH" : "permission denied";
    await context.machine.gate(proc);
    await fds[2].write(new TextEncoder().encode(`exec: "${name}": ${reason}\n`), proc.signal);
    return found.kind === "missing" ? 127 : 126;
  };
}
