/**
 * What word expansion reaches in a running shell: its variables and
 * parameters, command substitution (the command runs in a fork, its output
 * captured), and pathname expansion over the container's file system.
 *
 * @module
 */
import type { Fds } from "../machine/process.js";
import { sinkOutput } from "../machine/streams.js";
import type { ExpansionScope } from "./expand.js";
import { expandPathname } from "./glob.js";
import type { Shell } from "./session.js";

/** A failure the shell reports as `sh: message` and ends with `status` (`${x?}` unset, bad arithmetic). */
export class ShellFailure extends Error {
  override name = "ShellFailure";
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** The most output of one command substitution the shell keeps, in bytes. */
const SUBSTITUTION_LIMIT = 16 * 1024 * 1024;

const decoder = new TextDecoder();

/** An expansion scope that also tells the status of the last command substitution it ran. */
export type ShellScope = ExpansionScope & { readonly substitutionStatus: number | undefined };

/**
 * The expansion scope of `shell` running with `fds`.
 *
 * @example
 * ```ts
 * const argv = await expandFields(command.words, expansionScope(shell, fds));
 * ```
 */
export function expansionScope(shell: Shell, fds: Fds): ShellScope {
  const access = { cred: shell.proc.cred, pid: shell.proc.pid };
  let substitutionStatus: number | undefined;
  return {
    get: (name) => shell.get(name),
    set: (name, value) => shell.set(name, value),
    positional: () => shell.positional,
    async substitute(source) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const output = sinkOutput((chunk) => {
        if (size >= SUBSTITUTION_LIMIT) return;
        chunks.push(chunk);
        size += chunk.byteLength;
      });
      const { runner } = shell;
      const child = runner.fork(shell, [fds[0], output, fds[2]], (sub, childFds) =>
        runner.runScript(runner.parse(source), sub, childFds),
      );
      const status = await child.exited;
      substitutionStatus = status;
      shell.status = status;
      const joined = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk.subarray(0, Math.max(0, Math.min(chunk.byteLength, size - offset))), offset);
        offset += chunk.byteLength;
      }
      return decoder.decode(joined);
    },
    pathnames: (pattern) =>
      expandPathname(
        pattern,
        shell.proc.cwd,
        (directory) => shell.machine.fs.readdir(directory, access),
        (path) => shell.machine.fs.exists(path, access),
      ),
    fail(message) {
      throw new ShellFailure(message, 1);
    },
    get substitutionStatus() {
      return substitutionStatus;
    },
  };
}
