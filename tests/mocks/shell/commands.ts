/**
 * Simple commands: expand the words, apply the redirections, then run a
 * shell builtin in the shell itself or a program in a child process (the
 * few commands a shell has built in, such as `echo` and `kill`, run in the
 * shell's own process, as busybox's do).
 *
 * @module
 */
import { FsError } from "../fs/tree.js";
import type { Machine } from "../machine/machine.js";
import type { Fds, Proc } from "../machine/process.js";
import {
  bytesInput,
  deviceInput,
  EMPTY_INPUT,
  type Input,
  NULL_OUTPUT,
  type Output,
  sinkOutput,
} from "../machine/streams.js";
import type { Redirect, SimpleCommand } from "./ast.js";
import { SHELL_BUILTINS } from "./builtins.js";
import { expandFields, expandText } from "./expand.js";
import { findProgram, resolverOf } from "./path.js";
import { type Program, type ProgramContext, programContext } from "./program.js";
import { expansionScope, ShellFailure } from "./scope.js";
import type { Shell } from "./session.js";

/** Programs a shell runs in its own process when called by their bare name. */
const IN_SHELL = new Set(["echo", "printf", "test", "[", "pwd", "kill", "true", "false"]);

const encoder = new TextEncoder();

async function report(shell: Shell, fds: Fds, message: string): Promise<void> {
  await shell.machine.gate(shell.proc);
  await fds[2].write(encoder.encode(`sh: ${message}\n`), shell.proc.signal);
}

/**
 * Run a simple command; resolves with its status.
 *
 * @example
 * ```ts
 * await runSimple(command, shell, fds);
 * ```
 */
export async function runSimple(command: SimpleCommand, shell: Shell, fds: Fds): Promise<number> {
  const scope = expansionScope(shell, fds);
  const argv = await expandFields(command.words, scope);
  const assignments: [string, string][] = [];
  for (const assignment of command.assignments)
    assignments.push([assignment.name, await expandText(assignment.value, scope)]);
  if (argv.length === 0) {
    for (const [name, value] of assignments) shell.set(name, value);
    return withRedirects(command.redirects, shell, fds, async () => scope.substitutionStatus ?? 0);
  }
  return withRedirects(command.redirects, shell, fds, (redirected) => runArgv(argv, assignments, shell, redirected));
}

async function runArgv(argv: string[], assignments: [string, string][], shell: Shell, fds: Fds): Promise<number> {
  const name = argv[0] as string;
  const builtin = SHELL_BUILTINS.get(name);
  if (builtin !== undefined) {
    for (const [variable, value] of assignments) shell.set(variable, value);
    return builtin(shell, argv, fds);
  }
  const { machine, proc, programs } = shell;
  const env = shell.environment(Object.fromEntries(assignments));
  const access = { cred: proc.cred, pid: proc.pid };
  const found = findProgram(name, programs, machine.fs, access, proc.cwd, env.PATH ?? "");
  if (found.kind !== "program") {
    await report(shell, fds, found.kind === "missing" ? `${name}: not found` : `${name}: Permission denied`);
    return found.kind === "missing" ? 127 : 126;
  }
  const resolve = resolverOf(programs);
  if (IN_SHELL.has(name)) {
    const context = programContext(machine, proc, fds, argv, env, programs, resolve);
    try {
      return await found.program(context);
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      await report(shell, fds, `${name}: write error: ${error.message}`);
      return 1;
    }
  }
  const child = spawnProgram(machine, proc, fds, { argv, env, program: found.program, programs, resolve });
  return child.exited;
}

/**
 * Start `program` in a child process of `parent`, with `fds`.
 *
 * @example
 * ```ts
 * const child = spawnProgram(machine, shell.proc, fds, { argv: ["sleep", "1"], env, program, resolve });
 * ```
 */
export function spawnProgram(
  machine: Machine,
  parent: Proc,
  fds: Fds,
  options: {
    readonly argv: readonly string[];
    readonly env: Readonly<Record<string, string>>;
    readonly program: Program;
    readonly programs: Shell["programs"];
    readonly resolve: (name: string, context: ProgramContext) => Program | undefined;
  },
): Proc {
  const spec = {
    argv: options.argv,
    env: options.env,
    cwd: parent.cwd,
    cred: parent.cred,
    group: parent.group,
    ppid: parent.pid,
  };
  return machine.spawn(spec, fds, (proc, childFds) =>
    options.program(
      programContext(machine, proc, childFds, options.argv, options.env, options.programs, options.resolve),
    ),
  );
}

/**
 * Run `body` with the redirections applied to `fds`. A redirection that
 * fails (a missing file, a read-only file system) is reported as the shell
 * reports it and gives status 1, without running `body`.
 *
 * @example
 * ```ts
 * await withRedirects(command.redirects, shell, fds, (redirected) => runScript(body, shell, redirected));
 * ```
 */
export async function withRedirects(
  redirects: readonly Redirect[],
  shell: Shell,
  fds: Fds,
  body: (fds: Fds) => Promise<number>,
): Promise<number> {
  if (redirects.length === 0) return body(fds);
  const table: [Input, Output, Output] = [fds[0], fds[1], fds[2]];
  const scope = expansionScope(shell, fds);
  for (const redirect of redirects) {
    const target = await expandText(redirect.target, scope);
    try {
      applyRedirect(redirect, target, table, shell);
    } catch (error) {
      if (error instanceof ShellFailure) {
        await report(shell, fds, error.message);
        return error.status;
      }
      if (!(error instanceof FsError)) throw error;
      const verb = redirect.op.startsWith("<") ? "open" : "create";
      await report(shell, fds, `can't ${verb} ${target}: ${error.message}`);
      return 1;
    }
  }
  return body(table);
}

function applyRedirect(redirect: Redirect, target: string, table: [Input, Output, Output], shell: Shell): void {
  const { fd, op } = redirect;
  if (fd > 2) throw new ShellFailure(`${fd}: bad file descriptor (the mock shell has only 0, 1 and 2)`, 1);
  if (op === "<&" || op === ">&") {
    if (target === "-") {
      if (fd === 0) table[0] = EMPTY_INPUT;
      else table[fd] = NULL_OUTPUT;
      return;
    }
    const from = Number(target);
    if (!/^[0-2]$/.test(target)) throw new ShellFailure(`${target}: bad file descriptor`, 1);
    if (fd === 0) {
      if (from !== 0) throw new ShellFailure(`${target}: bad file descriptor`, 1);
      return;
    }
    if (from === 0) throw new ShellFailure(`${target}: bad file descriptor`, 1);
    table[fd] = table[from as 1 | 2];
    return;
  }
  if (op === "<<<") {
    if (fd !== 0) throw new ShellFailure(`${fd}: bad file descriptor`, 1);
    table[0] = bytesInput([encoder.encode(`${target}\n`)]);
    return;
  }
  const access = { cred: shell.proc.cred, pid: shell.proc.pid };
  const { fs } = shell.machine;
  if (op === "<" || op === "<>") {
    const source = fs.open(target, access, shell.proc.cwd);
    const input: Input =
      source.kind === "bytes"
        ? bytesInput(source.chunks)
        : source.device === "stdin"
          ? table[0]
          : deviceInput(source.device, shell.machine.random);
    if (fd === 0) table[0] = input;
    return;
  }
  const written = fs.openWrite(target, access, { append: op === ">>", cwd: shell.proc.cwd });
  let output: Output;
  if (written.kind === "file") output = sinkOutput((chunk) => written.write(chunk));
  else if (written.device === "stdout" || written.device === "tty") output = table[1];
  else if (written.device === "stderr") output = table[2];
  else output = NULL_OUTPUT;
  if (fd === 0) throw new ShellFailure("0: bad file descriptor", 1);
  table[fd] = output;
}
