/**
 * The two file systems a container has that hold no files: `/proc`, made up
 * from the container's process table as it is read (`/proc/<pid>/environ`,
 * `status`, `cmdline`, `/proc/self`, `/proc/mounts`), and `/dev` with its
 * character devices. Both are read-only; writing to a device is the shell's
 * business (`> /dev/null`).
 *
 * @module
 */
import { capabilityHex, type Credentials } from "./credentials.js";
import { type DeviceName, FsError } from "./tree.js";

/** What `stat` tells about a path. */
export type FileStat = {
  readonly kind: "dir" | "file" | "device";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly device?: DeviceName;
};

/** Who asks: the credentials permission checks use, and the pid `/proc/self` names. */
export type AccessContext = { readonly cred: Credentials; readonly pid?: number };

/** What reading a path yields: bytes (a file, a `/proc` entry) or a device the caller reads itself. */
export type ReadSource =
  | { readonly kind: "bytes"; readonly chunks: readonly Uint8Array[]; readonly size: number }
  | { readonly kind: "device"; readonly device: DeviceName };

/** One process as `/proc` shows it. */
export type ProcessInfo = {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cred: Credentials;
  /** `R` running, `S` sleeping, `T` stopped (frozen). */
  readonly state: "R" | "S" | "T";
};

/** Where `/proc` reads the container from. */
export type ProcessSource = {
  pids(): number[];
  info(pid: number): ProcessInfo | undefined;
  /** The text of `/proc/mounts`. */
  mounts(): string;
};

/** A file system computed on demand, mounted at a path of a container. */
export type SpecialFs = {
  stat(rest: readonly string[], path: string, context: AccessContext): FileStat;
  readdir(rest: readonly string[], path: string, context: AccessContext): string[];
  open(rest: readonly string[], path: string, context: AccessContext): ReadSource;
};

const encoder = new TextEncoder();

function bytes(text: string): ReadSource {
  const chunk = encoder.encode(text);
  return { kind: "bytes", chunks: [chunk], size: chunk.byteLength };
}

function dirStat(mode: number, uid: number, gid: number, mtime: number): FileStat {
  return { kind: "dir", mode, uid, gid, size: 0, mtime };
}

const STATE_NAMES = { R: "R (running)", S: "S (sleeping)", T: "T (stopped)" } as const;

function statusText(info: ProcessInfo): string {
  const { uid, gid } = info.cred;
  const { bounding, effective } = info.cred.capabilities;
  const name = (info.argv[0] ?? "").split("/").pop() ?? "";
  return [
    `Name:\t${name.slice(0, 15)}`,
    `State:\t${STATE_NAMES[info.state]}`,
    `Tgid:\t${info.pid}`,
    `Pid:\t${info.pid}`,
    `PPid:\t${info.ppid}`,
    `Uid:\t${uid}\t${uid}\t${uid}\t${uid}`,
    `Gid:\t${gid}\t${gid}\t${gid}\t${gid}`,
    `NoNewPrivs:\t${info.cred.noNewPrivileges ? 1 : 0}`,
    `CapInh:\t${capabilityHex(0n)}`,
    `CapPrm:\t${capabilityHex(effective)}`,
    `CapEff:\t${capabilityHex(effective)}`,
    `CapBnd:\t${capabilityHex(bounding)}`,
    `CapAmb:\t${capabilityHex(0n)}`,
    "",
  ].join("\n");
}

const PROCESS_ENTRIES = ["cmdline", "environ", "status"] as const;
type ProcessEntry = (typeof PROCESS_ENTRIES)[number];

function processEntry(info: ProcessInfo, entry: ProcessEntry): string {
  switch (entry) {
    case "cmdline":
      return info.argv.map((argument) => `${argument}\u0000`).join("");
    case "environ":
      return Object.entries(info.env)
        .map(([key, value]) => `${key}=${value}\u0000`)
        .join("");
    case "status":
      return statusText(info);
  }
}

/**
 * `/proc` of one container, read from `source` each time (so a process
 * that ended is gone at once). `environ` is readable by the process's own
 * user (and root with `DAC_OVERRIDE`), as on Linux.
 *
 * @example
 * ```ts
 * const proc = createProcFs(machine, () => clock.now());
 * proc.readdir([], "/proc", context); // ["1", "7", "mounts", "self"]
 * ```
 */
export function createProcFs(source: ProcessSource, now: () => number): SpecialFs {
  const processOf = (rest: readonly string[], path: string, context: AccessContext): ProcessInfo => {
    const first = rest[0] ?? "";
    const pid = first === "self" ? context.pid : /^\d+$/.test(first) ? Number(first) : undefined;
    const info = pid === undefined ? undefined : source.info(pid);
    if (info === undefined) throw new FsError("ENOENT", path);
    return info;
  };
  const entryOf = (rest: readonly string[], path: string): ProcessEntry => {
    const entry = rest[1] as ProcessEntry;
    if (rest.length !== 2 || !PROCESS_ENTRIES.includes(entry)) throw new FsError("ENOENT", path);
    return entry;
  };
  return {
    stat(rest, path, context) {
      if (rest.length === 0) return dirStat(0o555, 0, 0, now());
      if (rest.length === 1 && rest[0] === "mounts") return { ...dirStat(0o444, 0, 0, now()), kind: "file" };
      const info = processOf(rest, path, context);
      if (rest.length === 1) return dirStat(0o555, info.cred.uid, info.cred.gid, now());
      const entry = entryOf(rest, path);
      const mode = entry === "environ" ? 0o400 : 0o444;
      return { kind: "file", mode, uid: info.cred.uid, gid: info.cred.gid, size: 0, mtime: now() };
    },
    readdir(rest, path, context) {
      if (rest.length === 0) return [...source.pids().map(String), "mounts", "self"];
      processOf(rest, path, context);
      if (rest.length === 1) return [...PROCESS_ENTRIES];
      throw new FsError("ENOTDIR", path);
    },
    open(rest, path, context) {
      if (rest.length === 0) throw new FsError("EISDIR", path);
      if (rest.length === 1 && rest[0] === "mounts") return bytes(source.mounts());
      const info = processOf(rest, path, context);
      if (rest.length === 1) throw new FsError("EISDIR", path);
      const entry = entryOf(rest, path);
      if (entry === "environ" && !context.cred.override && context.cred.uid !== info.cred.uid) {
        throw new FsError("EACCES", path);
      }
      return bytes(processEntry(info, entry));
    },
  };
}

const DEVICES: readonly DeviceName[] = ["null", "random", "stderr", "stdin", "stdout", "tty", "urandom", "zero"];

/**
 * `/dev` of a container: its character devices, readable and writable by all.
 *
 * @example
 * ```ts
 * createDevFs().open(["null"], "/dev/null", context); // { kind: "device", device: "null" }
 * ```
 */
export function createDevFs(): SpecialFs {
  const deviceOf = (rest: readonly string[], path: string): DeviceName => {
    const name = rest[0] as DeviceName;
    if (rest.length !== 1 || !DEVICES.includes(name)) throw new FsError("ENOENT", path);
    return name;
  };
  return {
    stat(rest, path) {
      if (rest.length === 0) return dirStat(0o755, 0, 0, 0);
      return { kind: "device", mode: 0o666, uid: 0, gid: 0, size: 0, mtime: 0, device: deviceOf(rest, path) };
    },
    readdir(rest, path) {
      if (rest.length === 0) return [...DEVICES];
      deviceOf(rest, path);
      throw new FsError("ENOTDIR", path);
    },
    open(rest, path) {
      if (rest.length === 0) throw new FsError("EISDIR", path);
      return { kind: "device", device: deviceOf(rest, path) };
    },
  };
}
