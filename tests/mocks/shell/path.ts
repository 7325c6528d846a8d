/**
 * Finding the program a command names, as `execvp` does: a name with a `/`
 * is a path; any other is looked up in the directories of `PATH`. What is
 * found must be an executable file of the container: one of the image's
 * programs (its `/bin` entries), a test's own program, or a script whose
 * first line is `#!` and names a shell.
 *
 * @module
 */
import type { AccessContext } from "../fs/special.js";
import type { ContainerFs } from "../fs/view.js";
import type { Program, ProgramContext, ProgramTable } from "./program.js";

/** What looking a command up gives. */
export type FoundProgram =
  | { readonly kind: "program"; readonly program: Program; readonly path: string }
  | { readonly kind: "missing" }
  | { readonly kind: "denied" };

/** Directories whose entries are the table's programs: the image's, and where a test's own are installed. */
const PROGRAM_DIRECTORIES = new Set(["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]);

function executable(mode: number, uid: number, gid: number, access: AccessContext): boolean {
  if (access.cred.override) return (mode & 0o111) !== 0;
  const bits = access.cred.uid === uid ? mode >> 6 : access.cred.gid === gid ? mode >> 3 : mode;
  return (bits & 1) !== 0;
}

const decoder = new TextDecoder();

/** A program that runs the script at `path` with the shell its `#!` line names. */
function scriptProgram(path: string): Program {
  return (context) => context.exec(["sh", path, ...context.argv.slice(1)]);
}

function atPath(path: string, table: ProgramTable, fs: ContainerFs, access: AccessContext, cwd: string): FoundProgram {
  let stat: ReturnType<ContainerFs["stat"]>;
  try {
    stat = fs.stat(path, access, cwd);
  } catch {
    return { kind: "missing" };
  }
  if (stat.kind !== "file") return { kind: "denied" };
  if (!executable(stat.mode, stat.uid, stat.gid, access)) return { kind: "denied" };
  const absolute = path.startsWith("/") ? path : `${cwd === "/" ? "" : cwd}/${path}`;
  const slash = absolute.lastIndexOf("/");
  const directory = absolute.slice(0, slash) || "/";
  const program = PROGRAM_DIRECTORIES.has(directory) ? table.get(absolute.slice(slash + 1)) : undefined;
  if (program !== undefined) return { kind: "program", program, path: absolute };
  try {
    const source = fs.open(path, access, cwd);
    const head = source.kind === "bytes" ? decoder.decode(source.chunks[0]?.subarray(0, 128) ?? new Uint8Array()) : "";
    if (/^#!\s*\S*sh\b/.test(head)) return { kind: "program", program: scriptProgram(absolute), path: absolute };
  } catch {
    return { kind: "denied" };
  }
  return { kind: "denied" };
}

/**
 * The program `name` runs in a container whose `PATH` is `searchPath`.
 *
 * @example
 * ```ts
 * findProgram("cat", table, fs, access, "/", "/usr/bin:/bin"); // { kind: "program", path: "/bin/cat", ... }
 * ```
 */
export function findProgram(
  name: string,
  table: ProgramTable,
  fs: ContainerFs,
  access: AccessContext,
  cwd: string,
  searchPath: string,
): FoundProgram {
  if (name === "") return { kind: "missing" };
  if (name.includes("/")) return atPath(name, table, fs, access, cwd);
  let denied = false;
  for (const directory of searchPath.split(":")) {
    const found = atPath(`${directory === "" ? "." : directory}/${name}`, table, fs, access, cwd);
    if (found.kind === "program") return found;
    if (found.kind === "denied") denied = true;
  }
  return denied ? { kind: "denied" } : { kind: "missing" };
}

/**
 * How a program finds another to `exec` (by name through its `PATH`, or by path).
 *
 * @example
 * ```ts
 * const program = resolverOf(table)("cat", context);
 * ```
 */
export function resolverOf(table: ProgramTable): (name: string, context: ProgramContext) => Program | undefined {
  return (name, context) => {
    const found = findProgram(name, table, context.fs, context.access, context.cwd, context.env.PATH ?? "");
    return found.kind === "program" ? found.program : undefined;
  };
}
