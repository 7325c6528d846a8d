/**
 * The state of one shell process: variables (and which are exported),
 * positional parameters, `$?`, `$!`, background jobs, the `EXIT` trap and
 * options; and the control-flow signals (`exit`, `break`, `continue`) that
 * unwind the interpreter.
 *
 * @module
 */
import type { Machine } from "../machine/machine.js";
import type { Fds, Proc } from "../machine/process.js";
import type { Script } from "./ast.js";
import type { ProgramTable } from "./program.js";

/**
 * What the interpreter lends the parts of the shell that run scripts of
 * their own (command substitution, `eval`, `.`, traps), so they need not
 * import it.
 */
export type ShellRunner = {
  readonly parse: (source: string) => Script;
  readonly runScript: (script: Script, shell: Shell, fds: Fds) => Promise<number>;
  readonly fork: (shell: Shell, fds: Fds, body: (child: Shell, fds: Fds) => Promise<number>) => Proc;
};

/** `exit N` (or the end of the script): unwinds to the shell's top with its status. */
export class ExitShell extends Error {
  override name = "ExitShell";
  readonly status: number;
  constructor(status: number) {
    super(`exit ${status}`);
    this.status = status;
  }
}

/** `break N` / `continue N`: unwinds to the loop `levels` out. */
export class LoopControl extends Error {
  override name = "LoopControl";
  readonly kind: "break" | "continue";
  levels: number;
  constructor(kind: "break" | "continue", levels: number) {
    super(kind);
    this.kind = kind;
    this.levels = levels;
  }
}

/**
 * One shell: the process it runs as, and its variables and jobs. A subshell
 * or a background job gets a {@link Shell.fork}: a copy it may change
 * without touching its parent.
 *
 * @example
 * ```ts
 * const shell = new Shell(proc, machine, programs, { name: "sh", positional: [], env: proc.env, runner: SHELL_RUNNER });
 * shell.set("i", "0");
 * ```
 */
export class Shell {
  readonly proc: Proc;
  readonly machine: Machine;
  readonly programs: ProgramTable;
  readonly runner: ShellRunner;
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  positional: string[];
  name: string;
  /** `$?`. */
  status = 0;
  /** `$!`. */
  lastBackground: number | undefined;
  /** Background jobs not yet waited for. */
  readonly jobs = new Set<Proc>();
  /** What `trap '...' EXIT` set. */
  exitTrap: string | undefined;
  /** `set -e`. */
  errexit = false;
  /** How deep the interpreter is in conditions (`if`, `while`, `&&`), where `set -e` does not apply. */
  conditionDepth = 0;
  /** How many loops enclose the running command. */
  loopDepth = 0;

  constructor(
    proc: Proc,
    machine: Machine,
    programs: ProgramTable,
    init: {
      name: string;
      positional: readonly string[];
      env: Readonly<Record<string, string>>;
      runner: ShellRunner;
    },
  ) {
    this.proc = proc;
    this.machine = machine;
    this.programs = programs;
    this.runner = init.runner;
    this.name = init.name;
    this.positional = [...init.positional];
    this.vars = new Map(Object.entries(init.env));
    this.exported = new Set(Object.keys(init.env));
    if (!this.vars.has("IFS")) this.vars.set("IFS", " \t\n");
  }

  /** A variable or parameter: positional (`1`...), special (`?`, `$`, `!`, `#`, `0`, `-`) or named. */
  get(name: string): string | undefined {
    switch (name) {
      case "?":
        return String(this.status);
      case "$":
        return String(this.#shellPid());
      case "!":
        return this.lastBackground === undefined ? "" : String(this.lastBackground);
      case "#":
        return String(this.positional.length);
      case "0":
        return this.name;
      case "-":
        return this.errexit ? "e" : "";
    }
    if (/^\d+$/.test(name)) return this.positional[Number(name) - 1];
    return this.vars.get(name);
  }

  /** Set a variable (exported ones reach the commands the shell starts). */
  set(name: string, value: string): void {
    this.vars.set(name, value);
  }

  /** The environment a command started now gets: the exported variables. */
  environment(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of this.exported) {
      const value = this.vars.get(name);
      if (value !== undefined) env[name] = value;
    }
    return Object.assign(env, extra);
  }

  /** A copy for a subshell or job running as `proc`: same variables, its own jobs; traps are not inherited. */
  fork(proc: Proc): Shell {
    const child = new Shell(proc, this.machine, this.programs, {
      name: this.name,
      positional: this.positional,
      env: {},
      runner: this.runner,
    });
    for (const [name, value] of this.vars) child.vars.set(name, value);
    for (const name of this.exported) child.exported.add(name);
    child.status = this.status;
    child.lastBackground = this.lastBackground;
    child.errexit = this.errexit;
    child.#parentPid = this.#shellPid();
    return child;
  }

  /** `$$` is the pid of the shell the script started in, also inside a subshell. */
  #parentPid: number | undefined;

  #shellPid(): number {
    return this.#parentPid ?? this.proc.pid;
  }
}
