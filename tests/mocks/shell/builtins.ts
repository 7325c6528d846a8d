/**
 * The shell's own commands, which change the shell itself and so run in
 * its process: `exit`, `cd`, `export`, `unset`, `set`, `shift`, `trap`,
 * `wait`, `break`, `continue`, `read`, `eval`, `exec`, `.`, `command -v`.
 *
 * @module
 */
import { type Fds, type Proc, SIGNALS, type SignalName, signalName } from "../machine/process.js";
import type { Input } from "../machine/streams.js";
import { programContext } from "./program.js";
import { findProgram, resolverOf } from "./path.js";
import { ExitShell, LoopControl, type Shell } from "./session.js";

/** A shell builtin: resolves with its status. */
export type Builtin = (shell: Shell, argv: readonly string[], fds: Fds) => Promise<number>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function say(shell: Shell, fds: Fds, fd: 1 | 2, text: string): Promise<void> {
  await shell.machine.gate(shell.proc);
  await fds[fd].write(encoder.encode(text), shell.proc.signal);
}

function complain(shell: Shell, fds: Fds, message: string, status = 1): Promise<number> {
  return say(shell, fds, 2, `sh: ${message}\n`).then(() => status);
}

/** Rejects once `proc` is killed: raced against a wait so a killed shell's code stops there. */
function untilKilled(proc: Proc): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (proc.signal.aborted) reject(proc.signal.reason);
    else proc.signal.addEventListener("abort", () => reject(proc.signal.reason), { once: true });
  });
}

/** `wait [pid...]`: until the jobs end; a signal the shell handles interrupts it (status 128 + its number). */
async function wait(shell: Shell, argv: readonly string[], fds: Fds): Promise<number> {
  const { proc } = shell;
  const jobs = [...shell.jobs];
  const targets = argv.length > 1 ? jobs.filter((job) => argv.slice(1).includes(String(job.pid))) : jobs;
  if (argv.length > 1 && targets.length < argv.length - 1)
    await complain(shell, fds, "wait: pid is not a child of this shell", 127);
  if (targets.length === 0) return argv.length > 1 ? 127 : 0;
  if (proc.pending.length > 0) return 128 + SIGNALS[proc.pending[0] as SignalName];
  const interrupted = new Promise<number>((resolve) => {
    proc.interrupt = () => resolve(128 + SIGNALS[(proc.pending[0] ?? "TERM") as SignalName]);
  });
  try {
    const ended = Promise.all(targets.map((job) => job.exited)).then((statuses) => {
      for (const job of targets) shell.jobs.delete(job);
      return statuses.at(-1) ?? 0;
    });
    return await Promise.race([ended, interrupted, untilKilled(proc)]);
  } finally {
    proc.interrupt = undefined;
  }
}

/** `trap [action] signal...`: set what a signal runs (`''` ignores it, `-` restores the default); no arguments lists the traps. */
async function trap(shell: Shell, argv: readonly string[], fds: Fds): Promise<number> {
  const { traps } = shell.proc;
  if (argv.length === 1) {
    let listing = "";
    for (const [signal, action] of traps) listing += `trap -- '${action}' ${signal}\n`;
    if (shell.exitTrap !== undefined) listing += `trap -- '${shell.exitTrap}' EXIT\n`;
    await say(shell, fds, 1, listing);
    return 0;
  }
  const action = argv[1] as string;
  const specs = argv.length === 2 ? [action] : argv.slice(2);
  const reset = argv.length === 2 || action === "-";
  let status = 0;
  for (const spec of specs) {
    if (spec === "EXIT" || spec === "0") {
      shell.exitTrap = reset ? undefined : action;
      continue;
    }
    const signal = signalName(spec);
    if (signal === undefined || signal === "KILL" || signal === "STOP") {
      status = await complain(shell, fds, `trap: ${spec}: invalid signal specification`);
      continue;
    }
    if (reset) traps.delete(signal);
    else traps.set(signal, action);
  }
  return status;
}

/** Bytes read ahead of a line by `read`, kept for the next `read` of the same input. */
const readAhead = new WeakMap<Input, Uint8Array>();

/** `read [-r] name...`: one line of standard input, split on blanks into the names (the last takes the rest). */
async function read(shell: Shell, argv: readonly string[], fds: Fds): Promise<number> {
  const raw = argv[1] === "-r";
  const names = argv.slice(raw ? 2 : 1);
  let buffered = readAhead.get(fds[0]) ?? new Uint8Array();
  let newline = buffered.indexOf(10);
  let ended = false;
  while (newline < 0) {
    const chunk = await fds[0].read(shell.proc.signal);
    if (chunk === null) {
      ended = true;
      break;
    }
    const joined = new Uint8Array(buffered.byteLength + chunk.byteLength);
    joined.set(buffered);
    joined.set(chunk, buffered.byteLength);
    buffered = joined;
    newline = buffered.indexOf(10);
  }
  const end = newline < 0 ? buffered.byteLength : newline;
  readAhead.set(fds[0], buffered.subarray(Math.min(buffered.byteLength, end + 1)));
  let line = decoder.decode(buffered.subarray(0, end));
  if (!raw) line = line.replace(/\\(.)/g, "$1");
  const words = line.trim().split(/[ \t]+/);
  (names.length === 0 ? ["REPLY"] : names).forEach((name, index, all) => {
    shell.set(name, index === all.length - 1 ? words.slice(index).join(" ") : (words[index] ?? ""));
  });
  return ended && end === 0 ? 1 : 0;
}

/** `. file`: run the file's commands in this shell. */
async function dot(shell: Shell, argv: readonly string[], fds: Fds): Promise<number> {
  const path = argv[1] ?? "";
  let text: string;
  try {
    const source = shell.machine.fs.open(path, { cred: shell.proc.cred, pid: shell.proc.pid }, shell.proc.cwd);
    text =
      source.kind === "bytes" ? source.chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") : "";
  } catch (error) {
    return complain(shell, fds, `.: can't open '${path}': ${(error as Error).message}`, 2);
  }
  return shell.runner.runScript(shell.runner.parse(text), shell, fds);
}

function loopControl(kind: "break" | "continue"): Builtin {
  return async (shell, argv) => {
    if (shell.loopDepth === 0) return 0;
    const levels = Math.max(1, Math.min(Number(argv[1] ?? "1") || 1, shell.loopDepth));
    throw new LoopControl(kind, levels);
  };
}

/** The shell's own commands by name. */
export const SHELL_BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  [":", async () => 0],
  [
    "exit",
    async (shell, argv) => {
      throw new ExitShell(argv[1] === undefined ? shell.status : Number(argv[1]) & 255);
    },
  ],
  [
    "cd",
    async (shell, argv, fds) => {
      const target = argv[1] ?? shell.get("HOME") ?? "/";
      const access = { cred: shell.proc.cred, pid: shell.proc.pid };
      try {
        const stat = shell.machine.fs.stat(target, access, shell.proc.cwd);
        if (stat.kind !== "dir") return complain(shell, fds, `cd: can't cd to ${target}: Not a directory`, 2);
      } catch (error) {
        return complain(shell, fds, `cd: can't cd to ${target}: ${(error as Error).message}`, 2);
      }
      const absolute = target.startsWith("/") ? target : `${shell.proc.cwd}/${target}`;
      shell.proc.cwd = `/${absolute
        .split("/")
        .reduce<string[]>((segments, segment) => {
          if (segment === "..") segments.pop();
          else if (segment !== "" && segment !== ".") segments.push(segment);
          return segments;
        }, [])
        .join("/")}`;
      shell.set("PWD", shell.proc.cwd);
      return 0;
    },
  ],
  [
    "export",
    async (shell, argv) => {
      for (const argument of argv.slice(1)) {
        const equals = argument.indexOf("=");
        const name = equals < 0 ? argument : argument.slice(0, equals);
        if (equals >= 0) shell.set(name, argument.slice(equals + 1));
        shell.exported.add(name);
      }
      return 0;
    },
  ],
  [
    "unset",
    async (shell, argv) => {
      for (const name of argv.slice(1).filter((argument) => !argument.startsWith("-"))) {
        shell.vars.delete(name);
        shell.exported.delete(name);
      }
      return 0;
    },
  ],
  [
    "set",
    async (shell, argv) => {
      for (const [index, argument] of argv.slice(1).entries()) {
        if (argument === "--") {
          shell.positional = argv.slice(index + 2);
          break;
        }
        if (argument === "-e") shell.errexit = true;
        else if (argument === "+e") shell.errexit = false;
      }
      return 0;
    },
  ],
  [
    "shift",
    async (shell, argv) => {
      const count = Number(argv[1] ?? "1");
      if (count > shell.positional.length) return 1;
      shell.positional = shell.positional.slice(count);
      return 0;
    },
  ],
  ["trap", trap],
  ["wait", wait],
  ["break", loopControl("break")],
  ["continue", loopControl("continue")],
  ["read", read],
  ["eval", async (shell, argv, fds) => shell.runner.runScript(shell.runner.parse(argv.slice(1).join(" ")), shell, fds)],
  [
    "exec",
    async (shell, argv, fds) => {
      if (argv.length === 1) return 0;
      const env = shell.environment();
      const resolve = resolverOf(shell.programs);
      const context = programContext(shell.machine, shell.proc, fds, argv.slice(1), env, shell.programs, resolve);
      throw new ExitShell(await context.exec(argv.slice(1)));
    },
  ],
  [".", dot],
  ["source", dot],
  [
    "command",
    async (shell, argv, fds) => {
      if (argv[1] !== "-v") return complain(shell, fds, "command: only 'command -v name' is supported", 2);
      let status = 0;
      for (const name of argv.slice(2)) {
        if (SHELL_BUILTINS.has(name)) {
          await say(shell, fds, 1, `${name}\n`);
          continue;
        }
        const access = { cred: shell.proc.cred, pid: shell.proc.pid };
        const found = findProgram(
          name,
          shell.programs,
          shell.machine.fs,
          access,
          shell.proc.cwd,
          shell.get("PATH") ?? "",
        );
        if (found.kind === "program") await say(shell, fds, 1, `${found.path}\n`);
        else status = 1;
      }
      return status;
    },
  ],
]);
