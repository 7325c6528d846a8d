/**
 * The shell's interpreter: lists, `&&`/`||`, background jobs, pipelines,
 * subshells, groups, `if`, loops and `for`, and the signal traps that run
 * between commands. Simple commands (expansion, redirection, running a
 * program) are `commands.ts`.
 *
 * A subshell, a background job and each stage of a pipeline run in a child
 * process of their own (a fork of the shell), as in a real shell: they are
 * in `/proc`, can be killed, and do not change their parent's variables.
 *
 * @module
 */
import type { Fds, Proc } from "../machine/process.js";
import { EMPTY_INPUT, Pipe } from "../machine/streams.js";
import { ArithmeticError } from "./arithmetic.js";
import type { AndOr, Command, Pipeline, Script } from "./ast.js";
import { runSimple, withRedirects } from "./commands.js";
import { expandFields } from "./expand.js";
import { parseScript } from "./parser.js";
import { ExitShell, LoopControl, type Shell, type ShellRunner } from "./session.js";
import { expansionScope, ShellFailure } from "./scope.js";
import { ShellSyntaxError } from "./tokenizer.js";

const parsed = new Map<string, Script>();

/**
 * `source` parsed, from a small cache: a trap or a command substitution in
 * a loop is parsed once.
 *
 * @example
 * ```ts
 * const script = cachedParse("exit 0");
 * ```
 */
export function cachedParse(source: string): Script {
  let script = parsed.get(source);
  if (script === undefined) {
    script = parseScript(source);
    if (parsed.size > 256) parsed.clear();
    parsed.set(source, script);
  }
  return script;
}

/**
 * Run `script` in `shell` with `fds`; resolves with the status of its last
 * command. `exit` unwinds past it (as {@link ExitShell}).
 *
 * @example
 * ```ts
 * const status = await runScript(parseScript("echo hi; exit 3"), shell, fds).catch((e) => e.status);
 * ```
 */
export async function runScript(script: Script, shell: Shell, fds: Fds): Promise<number> {
  for (const item of script.items) {
    await runPendingTraps(shell, fds);
    if (item.background) {
      startJob(item.command, shell, fds);
      shell.status = 0;
    } else {
      shell.status = await runAndOr(item.command, shell, fds);
    }
  }
  await runPendingTraps(shell, fds);
  return shell.status;
}

/** Run the traps of the signals that arrived, in order; `$?` is what it was before. */
export async function runPendingTraps(shell: Shell, fds: Fds): Promise<void> {
  const { proc } = shell;
  while (proc.pending.length > 0) {
    const signal = proc.pending.shift();
    const action = signal === undefined ? undefined : proc.traps.get(signal);
    if (action === undefined || action === "") continue;
    const saved = shell.status;
    await runScript(cachedParse(action), shell, fds);
    shell.status = saved;
  }
}

async function runAndOr(node: AndOr, shell: Shell, fds: Fds): Promise<number> {
  const chained = node.rest.length > 0;
  if (chained) shell.conditionDepth++;
  let status: number;
  try {
    status = await runPipeline(node.first, shell, fds);
    for (const [index, { op, pipeline }] of node.rest.entries()) {
      if ((op === "&&") !== (status === 0)) continue;
      if (index === node.rest.length - 1) shell.conditionDepth--;
      try {
        status = await runPipeline(pipeline, shell, fds);
      } finally {
        if (index === node.rest.length - 1) shell.conditionDepth++;
      }
    }
  } finally {
    if (chained) shell.conditionDepth--;
  }
  return status;
}

async function runPipeline(pipeline: Pipeline, shell: Shell, fds: Fds): Promise<number> {
  if (pipeline.negate) shell.conditionDepth++;
  let status: number;
  try {
    status =
      pipeline.commands.length === 1
        ? await runCommand(pipeline.commands[0] as Command, shell, fds)
        : await runStages(pipeline.commands, shell, fds);
  } finally {
    if (pipeline.negate) shell.conditionDepth--;
  }
  if (pipeline.negate) return status === 0 ? 1 : 0;
  if (status !== 0 && shell.errexit && shell.conditionDepth === 0) throw new ExitShell(status);
  return status;
}

/** Each stage of a pipeline in a process of its own, joined by pipes; the status is the last stage's. */
async function runStages(commands: readonly Command[], shell: Shell, fds: Fds): Promise<number> {
  const pipes = commands.slice(1).map(() => new Pipe());
  const stages = commands.map((command, index) => {
    const input = index === 0 ? fds[0] : (pipes[index - 1] as Pipe).reader;
    const output = index === commands.length - 1 ? fds[1] : (pipes[index] as Pipe).writer;
    return fork(shell, [input, output, fds[2]], (child, childFds) => runCommand(command, child, childFds));
  });
  // The stages hold the pipes now; the shell lets go of its own ends.
  for (const pipe of pipes) {
    pipe.writer.release();
    pipe.reader.release();
  }
  const statuses = await Promise.all(stages.map((stage) => stage.exited));
  return statuses.at(-1) ?? 0;
}

/**
 * Run `body` in a fork of `shell` (a child process with a copy of its
 * variables), with `fds`. `exit` in the child ends only the child.
 */
export function fork(shell: Shell, fds: Fds, body: (child: Shell, fds: Fds) => Promise<number>): Proc {
  const { proc, machine } = shell;
  const spec = { argv: proc.argv, env: proc.env, cwd: proc.cwd, cred: proc.cred, group: proc.group, ppid: proc.pid };
  return machine.spawn(spec, fds, async (childProc, childFds) => {
    const child = shell.fork(childProc);
    return runShellBody(child, childFds, () => body(child, childFds));
  });
}

/**
 * Run a shell's top-level work: `exit` gives its status, an expansion
 * failure is reported on standard error (status 1, or 2 for arithmetic),
 * and the `EXIT` trap runs at the end.
 */
export async function runShellBody(shell: Shell, fds: Fds, body: () => Promise<number>): Promise<number> {
  let status: number;
  try {
    status = await body();
  } catch (error) {
    status = await statusOfFailure(error, shell, fds);
  }
  const exitTrap = shell.exitTrap;
  if (exitTrap !== undefined) {
    shell.exitTrap = undefined;
    shell.status = status;
    try {
      await runScript(cachedParse(exitTrap), shell, fds);
    } catch (error) {
      status = await statusOfFailure(error, shell, fds);
    }
  }
  return status;
}

async function statusOfFailure(error: unknown, shell: Shell, fds: Fds): Promise<number> {
  if (error instanceof ExitShell) return error.status;
  if (error instanceof LoopControl) return shell.status;
  const failure =
    error instanceof ShellFailure
      ? error
      : error instanceof ShellSyntaxError || error instanceof ArithmeticError
        ? new ShellFailure(error.message, 2)
        : undefined;
  if (failure !== undefined) {
    const chunk = new TextEncoder().encode(`sh: ${failure.message}\n`);
    await shell.machine.gate(shell.proc);
    await fds[2].write(chunk, shell.proc.signal);
    return failure.status;
  }
  throw error;
}

/** A background job: the and-or list in a fork, standard input `/dev/null`, `$!` its pid. */
function startJob(command: AndOr, shell: Shell, fds: Fds): void {
  const job = fork(shell, [EMPTY_INPUT, fds[1], fds[2]], (child, childFds) => runAndOr(command, child, childFds));
  shell.jobs.add(job);
  shell.lastBackground = job.pid;
}

/**
 * Run one command of a pipeline in `shell`.
 *
 * @example
 * ```ts
 * await runCommand(command, shell, fds);
 * ```
 */
export async function runCommand(command: Command, shell: Shell, fds: Fds): Promise<number> {
  await shell.machine.gate(shell.proc);
  switch (command.kind) {
    case "simple":
      return runSimple(command, shell, fds);
    case "subshell":
      return withRedirects(
        command.redirects,
        shell,
        fds,
        (redirected) => fork(shell, redirected, (child, childFds) => runScript(command.body, child, childFds)).exited,
      );
    case "group":
      return withRedirects(command.redirects, shell, fds, (redirected) => runScript(command.body, shell, redirected));
    case "if":
      return withRedirects(command.redirects, shell, fds, async (redirected) => {
        for (const branch of command.branches) {
          if ((await condition(branch.condition, shell, redirected)) === 0)
            return runScript(branch.body, shell, redirected);
        }
        return command.otherwise === undefined ? 0 : runScript(command.otherwise, shell, redirected);
      });
    case "loop":
      return withRedirects(command.redirects, shell, fds, (redirected) =>
        loop(shell, async () => {
          const met = (await condition(command.condition, shell, redirected)) === 0;
          return met !== command.until ? () => runScript(command.body, shell, redirected) : undefined;
        }),
      );
    case "for":
      return withRedirects(command.redirects, shell, fds, async (redirected) => {
        const items =
          command.items === undefined
            ? [...shell.positional]
            : await expandFields(command.items, expansionScope(shell, redirected));
        let index = 0;
        return loop(shell, async () => {
          const item = items[index++];
          if (item === undefined) return undefined;
          return () => {
            shell.set(command.name, item);
            return runScript(command.body, shell, redirected);
          };
        });
      });
  }
}

async function condition(script: Script, shell: Shell, fds: Fds): Promise<number> {
  shell.conditionDepth++;
  try {
    return await runScript(script, shell, fds);
  } finally {
    shell.conditionDepth--;
  }
}

/** A loop: `next` gives the body of the next round, or `undefined` to stop; `break` and `continue` apply. */
async function loop(shell: Shell, next: () => Promise<(() => Promise<number>) | undefined>): Promise<number> {
  let status = 0;
  shell.loopDepth++;
  try {
    for (;;) {
      const body = await next();
      if (body === undefined) return status;
      try {
        status = await body();
      } catch (error) {
        if (!(error instanceof LoopControl)) throw error;
        if (error.levels > 1) {
          error.levels--;
          throw error;
        }
        if (error.kind === "break") return 0;
      }
    }
  } finally {
    shell.loopDepth--;
  }
}

/**
 * The interpreter as the shell's parts that run scripts of their own reach it.
 *
 * @example
 * ```ts
 * const shell = new Shell(proc, machine, programs, { name: "sh", positional: [], env, runner: SHELL_RUNNER });
 * ```
 */
export const SHELL_RUNNER: ShellRunner = Object.freeze({ parse: cachedParse, runScript, fork });
