/**
 * `sh`, the program: `sh -c 'script' [name [args...]]`, `sh file [args...]`,
 * or `sh` reading its script from standard input, with `-e`. It runs the
 * script with the interpreter of this directory.
 *
 * @module
 */
import type { Fds } from "../machine/process.js";
import { collectText } from "../programs/io.js";
import { runScript, runShellBody, SHELL_RUNNER } from "./interpreter.js";
import { parseScript } from "./parser.js";
import type { Program } from "./program.js";
import { Shell } from "./session.js";
import { ShellSyntaxError } from "./tokenizer.js";

/**
 * The shell program.
 *
 * @example
 * ```ts
 * const status = await sh(programContext(machine, proc, fds, ["sh", "-c", "echo hi"], env, table, resolve));
 * ```
 */
export const sh: Program = async (context) => {
  const args = context.argv.slice(1);
  let errexit = false;
  let command: string | undefined;
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--") {
      index++;
      break;
    }
    if (!/^[-+][a-z]+$/.test(arg)) break;
    if (arg.includes("e") && arg.startsWith("-")) errexit = true;
    if (arg.includes("c")) {
      command = args[++index];
      if (command === undefined) {
        await context.error("-c requires an argument");
        return 2;
      }
    }
  }
  const operands = args.slice(index);
  let source: string;
  let name = context.argv[0] ?? "sh";
  let positional: string[];
  if (command !== undefined) {
    source = command;
    name = operands[0] ?? name;
    positional = operands.slice(1);
  } else if (operands[0] !== undefined) {
    name = operands[0];
    try {
      const file = context.fs.open(name, context.access, context.cwd);
      source =
        file.kind === "bytes"
          ? new TextDecoder().decode(Buffer.concat(file.chunks.map((chunk) => Buffer.from(chunk))))
          : "";
    } catch (error) {
      await context.error(`can't open '${name}': ${(error as Error).message}`);
      return 127;
    }
    positional = operands.slice(1);
  } else {
    source = await collectText(context.input());
    positional = [];
  }
  const shell = new Shell(context.process, context.machine, context.programs, {
    name,
    positional,
    env: context.env,
    runner: SHELL_RUNNER,
  });
  shell.errexit = errexit;
  if (shell.get("PWD") === undefined) shell.set("PWD", context.cwd);
  const fds: Fds = [context.stdin, context.stdout, context.stderr];
  let script: ReturnType<typeof parseScript>;
  try {
    script = parseScript(source);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    await context.error(error.message);
    return 2;
  }
  return runShellBody(shell, fds, () => runScript(script, shell, fds));
};
