/**
 * The mock's file commands: `cat`, `ls`, `touch`, `mkdir`, `rm`, `rmdir`,
 * `cp`, `mv`, `chmod`, `stat`, `tee`, `mktemp`. They act as the calling
 * process (its user, its permissions) on the container's file system, and
 * report failures the way busybox does.
 *
 * @module
 */
import type { FileStat } from "../fs/special.js";
import { FsError } from "../fs/tree.js";
import type { Program, ProgramContext } from "../shell/program.js";
import { collectText, openSources, OutputBuffer, parseOptions } from "./io.js";

async function invalid(context: ProgramContext, flag: string): Promise<number> {
  await context.error(`invalid option -- '${flag}'`);
  return 1;
}

/** Run `action`; a file system error is reported as `name: path: reason` and gives status 1. */
async function attempt(context: ProgramContext, label: string, action: () => void | Promise<void>): Promise<number> {
  try {
    await action();
    return 0;
  } catch (error) {
    if (!(error instanceof FsError)) throw error;
    await context.error(`${label}: ${error.message}`);
    return 1;
  }
}

const cat: Program = async (context) => {
  const { sources, failed } = await openSources(
    context,
    context.argv.slice(1).filter((arg) => arg !== "-u"),
  );
  for (const source of sources) for await (const chunk of source.chunks()) await context.write(chunk);
  return failed ? 1 : 0;
};

function modeString(stat: FileStat): string {
  const type = stat.kind === "dir" ? "d" : stat.kind === "device" ? "c" : "-";
  let text = type;
  for (const shift of [6, 3, 0]) {
    const bits = stat.mode >> shift;
    text += `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${bits & 1 ? "x" : "-"}`;
  }
  if (stat.mode & 0o1000) text = text.slice(0, 9) + (stat.mode & 1 ? "t" : "T");
  return text;
}

/** uid/gid → name, from the container's `/etc/passwd` and `/etc/group`. */
async function namesOf(context: ProgramContext, file: string): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  try {
    const source = context.fs.open(file, context.access);
    if (source.kind !== "bytes") return names;
    const text = await collectText(
      (async function* () {
        yield* source.chunks;
      })(),
    );
    for (const line of text.split("\n")) {
      const [name, , id] = line.split(":");
      if (name !== undefined && id !== undefined && name !== "") names.set(Number(id), name);
    }
  } catch {
    // No names: ls shows numbers, as it does for an unknown id.
  }
  return names;
}

function shortDate(time: number): string {
  const date = new Date(time);
  const month = date.toUTCString().slice(8, 11);
  return `${month} ${String(date.getUTCDate()).padStart(2)} ${String(date.getUTCHours()).padStart(2, "0")}:${String(date.getUTCMinutes()).padStart(2, "0")}`;
}

const ls: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "", "1aAldnF");
  if (bad !== undefined) return invalid(context, bad);
  const long = flags.has("l") || flags.has("n");
  const users = long && !flags.has("n") ? await namesOf(context, "/etc/passwd") : new Map<number, string>();
  const groups = long && !flags.has("n") ? await namesOf(context, "/etc/group") : new Map<number, string>();
  const out = new OutputBuffer(context);
  const describe = (name: string, stat: FileStat) =>
    long
      ? `${modeString(stat)} ${"1".padStart(4)} ${(users.get(stat.uid) ?? String(stat.uid)).slice(0, 8).padEnd(8)} ${(groups.get(stat.gid) ?? String(stat.gid)).slice(0, 8).padEnd(8)} ${String(stat.size).padStart(9)} ${shortDate(stat.mtime)} ${name}\n`
      : `${name}\n`;
  let status = 0;
  const targets = operands.length === 0 ? ["."] : operands;
  const files: string[] = [];
  const directories: string[] = [];
  for (const target of targets) {
    try {
      const stat = context.fs.stat(target, context.access, context.cwd);
      if (stat.kind === "dir" && !flags.has("d")) directories.push(target);
      else files.push(describe(target, stat));
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      await context.error(`${target}: ${error.message}`);
      status = 1;
    }
  }
  for (const line of files) await out.add(line);
  for (const [index, directory] of directories.entries()) {
    if (targets.length > 1) await out.add(`${index > 0 || files.length > 0 ? "\n" : ""}${directory}:\n`);
    try {
      let names = context.fs.readdir(directory, context.access, context.cwd);
      if (!flags.has("a") && !flags.has("A")) names = names.filter((name) => !name.startsWith("."));
      if (flags.has("a")) names = [".", "..", ...names];
      for (const name of names) {
        const path = `${directory.replace(/\/$/, "")}/${name}`;
        await out.add(long ? describe(name, context.fs.stat(path, context.access, context.cwd)) : `${name}\n`);
      }
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      await context.error(`can't open '${directory}': ${error.message}`);
      status = 1;
    }
  }
  await out.flush();
  return status;
};

const touch: Program = async (context) => {
  let status = 0;
  for (const path of context.argv.slice(1).filter((arg) => !arg.startsWith("-"))) {
    status |= await attempt(context, path, () => context.fs.touch(path, context.access, context.cwd));
  }
  return status;
};

const mkdir: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "m", "pm");
  if (bad !== undefined) return invalid(context, bad);
  const mode = flags.has("m") ? Number.parseInt(flags.get("m") ?? "", 8) : undefined;
  let status = 0;
  for (const path of operands) {
    status |= await attempt(context, `can't create directory '${path}'`, () => {
      context.fs.mkdir(path, context.access, {
        parents: flags.has("p"),
        cwd: context.cwd,
        ...(mode === undefined ? {} : { mode }),
      });
    });
  }
  return status;
};

const rm: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "", "frRi");
  if (bad !== undefined) return invalid(context, bad);
  let status = 0;
  for (const path of operands) {
    try {
      context.fs.remove(path, context.access, { recursive: flags.has("r") || flags.has("R"), cwd: context.cwd });
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      if (flags.has("f") && error.code === "ENOENT") continue;
      await context.error(`can't remove '${path}': ${error.message}`);
      status = 1;
    }
  }
  return status;
};

const rmdir: Program = async (context) => {
  let status = 0;
  for (const path of context.argv.slice(1)) {
    status |= await attempt(context, `'${path}'`, () => {
      if (context.fs.readdir(path, context.access, context.cwd).length > 0) throw new FsError("ENOTEMPTY", path);
      context.fs.remove(path, context.access, { recursive: true, cwd: context.cwd });
    });
  }
  return status;
};

/** Copy `from` to `to` as the process (a directory only with `recursive`). */
async function copy(context: ProgramContext, from: string, to: string, recursive: boolean): Promise<void> {
  const stat = context.fs.stat(from, context.access, context.cwd);
  if (stat.kind === "dir") {
    if (!recursive) throw new FsError("EISDIR", from);
    if (!context.fs.exists(to, context.access, context.cwd))
      context.fs.mkdir(to, context.access, { mode: stat.mode, cwd: context.cwd });
    for (const name of context.fs.readdir(from, context.access, context.cwd))
      await copy(context, `${from}/${name}`, `${to}/${name}`, true);
    return;
  }
  const source = context.fs.open(from, context.access, context.cwd);
  const target = context.fs.openWrite(to, context.access, { cwd: context.cwd });
  if (target.kind !== "file" || source.kind !== "bytes") return;
  for (const chunk of source.chunks) target.write(chunk);
}

function copying(remove: boolean): Program {
  return async (context) => {
    const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "", "rRpfa");
    if (bad !== undefined) return invalid(context, bad);
    const destination = operands.pop();
    if (destination === undefined || operands.length === 0) {
      await context.error("missing file operand");
      return 1;
    }
    const intoDirectory =
      context.fs.exists(destination, context.access, context.cwd) &&
      context.fs.stat(destination, context.access, context.cwd).kind === "dir";
    let status = 0;
    for (const source of operands) {
      const target = intoDirectory
        ? `${destination}/${source.replace(/\/+$/, "").split("/").pop() ?? ""}`
        : destination;
      status |= await attempt(context, `'${source}'`, async () => {
        await copy(context, source, target, remove || flags.has("r") || flags.has("R") || flags.has("a"));
        if (remove) context.fs.remove(source, context.access, { recursive: true, cwd: context.cwd });
      });
    }
    return status;
  };
}

/** `755`, or `u+x`, `go-w`, `a=r` (comma-separated) applied to `mode`. */
function newMode(spec: string, mode: number): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let result = mode;
  for (const clause of spec.split(",")) {
    const match = /^([ugoa]*)([-+=])([rwxt]*)$/.exec(clause);
    if (match === null) return undefined;
    const who = match[1] === "" || match[1]?.includes("a") ? "ugo" : (match[1] as string);
    let bits = 0;
    for (const part of who) {
      const shift = part === "u" ? 6 : part === "g" ? 3 : 0;
      for (const permission of match[3] ?? "") {
        if (permission === "t") bits |= 0o1000;
        else bits |= (permission === "r" ? 4 : permission === "w" ? 2 : 1) << shift;
      }
      if (match[2] === "=") result &= ~(7 << shift);
    }
    result = match[2] === "-" ? result & ~bits : result | bits;
  }
  return result;
}

const chmod: Program = async (context) => {
  const [spec = "", ...paths] = context.argv.slice(1).filter((arg) => arg !== "-R");
  let status = 0;
  for (const path of paths) {
    status |= await attempt(context, path, () => {
      const mode = newMode(spec, context.fs.stat(path, context.access, context.cwd).mode);
      if (mode === undefined) throw new FsError("EINVAL", path);
      context.fs.chmod(path, context.access, mode, context.cwd);
    });
  }
  return status;
};

const FILE_TYPES = { dir: "directory", file: "regular file", device: "character special file" } as const;

const stat: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "c", "cL");
  if (bad !== undefined) return invalid(context, bad);
  const users = await namesOf(context, "/etc/passwd");
  const groups = await namesOf(context, "/etc/group");
  const format = flags.get("c") ?? "  File: %n\n  Size: %s\nAccess: (0%a/%A)  Uid: (%u/%U)  Gid: (%g/%G)\nModify: %y";
  let status = 0;
  for (const path of operands) {
    status |= await attempt(context, `can't stat '${path}'`, async () => {
      const info = context.fs.stat(path, context.access, context.cwd);
      const fields: Record<string, string> = {
        n: path,
        s: String(info.size),
        a: (info.mode & 0o7777).toString(8),
        A: modeString(info),
        u: String(info.uid),
        g: String(info.gid),
        U: users.get(info.uid) ?? "UNKNOWN",
        G: groups.get(info.gid) ?? "UNKNOWN",
        F: info.kind === "file" && info.size === 0 ? "regular empty file" : FILE_TYPES[info.kind],
        Y: String(Math.floor(info.mtime / 1_000)),
        y: new Date(info.mtime).toISOString().replace("T", " ").replace("Z", " +0000"),
        h: "1",
        "%": "%",
      };
      await context.write(`${format.replace(/%(.)/g, (whole, key: string) => fields[key] ?? whole)}\n`);
    });
  }
  return status;
};

const tee: Program = async (context) => {
  const { flags, operands } = parseOptions(context.argv.slice(1), "", "ai");
  const targets: ((chunk: Uint8Array) => void)[] = [];
  let status = 0;
  for (const path of operands) {
    status |= await attempt(context, path, () => {
      const target = context.fs.openWrite(path, context.access, { append: flags.has("a"), cwd: context.cwd });
      if (target.kind === "file") targets.push((chunk) => target.write(chunk));
    });
  }
  for await (const chunk of context.input()) {
    for (const write of targets) write(chunk);
    await context.write(chunk);
  }
  return status;
};

const mktemp: Program = async (context) => {
  const { flags, operands } = parseOptions(context.argv.slice(1), "p", "dqup");
  const template = operands[0] ?? `${flags.get("p") ?? "/tmp"}/tmp.XXXXXXXXXX`;
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const path = template.replace(/X+$/, (run) =>
    Array.from({ length: run.length }, () => letters[Math.floor(context.machine.random() * letters.length)]).join(""),
  );
  const status = await attempt(context, `'${path}'`, () => {
    if (flags.has("d")) context.fs.mkdir(path, context.access, { mode: 0o700, cwd: context.cwd });
    else {
      context.fs.openWrite(path, context.access, { cwd: context.cwd });
      context.fs.chmod(path, context.access, 0o600, context.cwd);
    }
  });
  if (status === 0) await context.write(`${path}\n`);
  return status;
};

/** The file commands by name. */
export const FILE_PROGRAMS: Readonly<Record<string, Program>> = {
  cat,
  ls,
  touch,
  mkdir,
  rm,
  rmdir,
  cp: copying(false),
  mv: copying(true),
  chmod,
  stat,
  tee,
  mktemp,
};
