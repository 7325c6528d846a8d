/**
 * Where a file of `writeFile` lands, decided before anything is sent: the
 * path with every symbolic link resolved inside the container, the directory
 * the engine extracts into, the parents to create, and whether the mount
 * holding it may be written. Pure functions over the engine's answers (its
 * path stats and inspect data), so each rule is read and tested without an
 * engine.
 *
 * Why the driver decides this itself rather than leaving it to the engine:
 * the engine's archive API checks only the directory it extracts into. It
 * follows a symbolic link inside the archive into a read-only root without a
 * word, writes beneath a tmpfs where the container never sees the file, and
 * replaces a directory (with everything in it) by a file. So the driver never
 * sends an archive entry through a link, never names an existing directory,
 * and refuses a target on a mount it cannot write.
 *
 * @module
 */
import type Docker from "dockerode";
import { FileSystemError } from "../../../src/index.js";

/** What the engine's stat of a path (`X-Docker-Container-Path-Stat`) says. */
export type PathStat = {
  /** The last element of the path. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Go's `os.FileMode`: permission bits and type bits (see {@link kindOfMode}). */
  readonly mode: number;
  /** For a symbolic link: its target with every link resolved inside the container; otherwise empty. */
  readonly linkTarget: string;
};

/** The engine's stat of one path: found, missing, or below something that is not a directory. */
export type StatResult =
  | { readonly kind: "found"; readonly stat: PathStat }
  | { readonly kind: "missing" }
  | { readonly kind: "not-a-directory" };

/** What a path is, from the type bits of its mode. */
export type PathKind = "file" | "directory" | "symlink" | "other";

// Go's os.FileMode type bits (io/fs): the engine reports modes in Go's encoding, not POSIX st_mode.
const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
/** Append-only, exclusive, temporary, device, named pipe, socket, setuid/setgid are not types; these are. */
const GO_MODE_OTHER_TYPES = [2 ** 26, 2 ** 25, 2 ** 24, 2 ** 21, 2 ** 19];

/**
 * The kind of a path from its Go `os.FileMode`.
 *
 * @example
 * ```ts
 * kindOfMode(2147484141); // "directory" (0o755 | ModeDir)
 * ```
 */
export function kindOfMode(mode: number): PathKind {
  const has = (bit: number) => Math.floor(mode / bit) % 2 === 1;
  if (has(GO_MODE_DIR)) return "directory";
  if (has(GO_MODE_SYMLINK)) return "symlink";
  return GO_MODE_OTHER_TYPES.some(has) ? "other" : "file";
}

/**
 * The engine's stat header (base64 JSON), or `undefined` when it is absent or
 * unreadable.
 *
 * @example
 * ```ts
 * parsePathStat(response.headers["x-docker-container-path-stat"]);
 * ```
 */
export function parsePathStat(header: string | string[] | undefined): PathStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === "") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64").toString("utf8")) as Partial<PathStat>;
    if (typeof parsed.name !== "string" || typeof parsed.mode !== "number") return undefined;
    return {
      name: parsed.name,
      size: typeof parsed.size === "number" ? parsed.size : 0,
      mode: parsed.mode,
      linkTarget: typeof parsed.linkTarget === "string" ? parsed.linkTarget : "",
    };
  } catch {
    return undefined;
  }
}

/** Where a write goes; see {@link planWrite}. */
export type WritePlan = {
  /** The file's path with every link resolved, inside the container. */
  readonly target: string;
  /** The existing directory the archive is extracted into (links resolved). */
  readonly directory: string;
  /** The missing parents, outermost first, relative to {@link WritePlan.directory}. */
  readonly parents: readonly string[];
  /** The file's name relative to {@link WritePlan.directory} (through the new parents). */
  readonly entry: string;
};

/** How many links a path may pass through before the write is refused, as the kernel's ELOOP limit. */
export const MAX_LINK_HOPS = 40;

/** A `FileSystemError` with the contract's `reason` and `path` in its context. */
export function fileSystemError(
  reason: string,
  path: string,
  message: string,
  options: { readonly containerId?: string; readonly operation: string; readonly cause?: unknown },
): FileSystemError {
  return new FileSystemError(message, {
    ...(options.cause === undefined ? {} : { cause: options.cause }),
    context: {
      reason,
      path,
      operation: options.operation,
      ...(options.containerId === undefined ? {} : { containerId: options.containerId }),
    },
  });
}

/** The path's elements: `/a/b/c` → `["a", "b", "c"]`. */
function elementsOf(path: string): string[] {
  return path.split("/").filter((element) => element !== "");
}

function joinPath(directory: string, name: string): string {
  return directory === "/" ? `/${name}` : `${directory}/${name}`;
}

/**
 * Where a write of `path` goes, from the engine's stat of every prefix of the
 * path (asked all at once: `stat` is called once per prefix, `/a`, `/a/b`,
 * ..., the path itself). A prefix that is a link continues at its target,
 * which the engine resolved inside the container; a path that is itself a
 * link is written at its target, as a shell's `>` would. Refuses with
 * `FileSystemError`: `is-a-directory` when the path is a directory (the
 * engine would replace it and everything in it), `not-a-directory` when a
 * parent is a file, or when links loop.
 *
 * @example
 * ```ts
 * const plan = await planWrite("/data/out/result.json", (path) => statOf(id, path), { operation: "writeFile" });
 * // { target: "/data/out/result.json", directory: "/data", parents: ["out"], entry: "out/result.json" }
 * ```
 */
export async function planWrite(
  path: string,
  stat: (path: string) => Promise<StatResult>,
  context: { readonly operation: string; readonly containerId?: string },
  hops = 0,
): Promise<WritePlan> {
  const elements = elementsOf(path);
  const prefixes = elements.map((_, index) => `/${elements.slice(0, index + 1).join("/")}`);
  const results = await Promise.all(prefixes.map((prefix) => stat(prefix)));
  const notADirectory = (at: string) =>
    fileSystemError("not-a-directory", path, `Cannot write '${path}': '${at}' is not a directory.`, context);
  let resolved = "/";
  for (let index = 0; index < elements.length; index++) {
    const result = results[index] as StatResult;
    const name = elements[index] as string;
    const last = index === elements.length - 1;
    if (result.kind === "not-a-directory") throw notADirectory(prefixes[index - 1] ?? "/");
    if (result.kind === "missing") {
      const parents = elements.slice(index, -1);
      const entry = elements.slice(index).join("/");
      const parentNames = parents.map((_, depth) => parents.slice(0, depth + 1).join("/"));
      return { target: joinPath(resolved, entry), directory: resolved, parents: parentNames, entry };
    }
    const kind = kindOfMode(result.stat.mode);
    if (kind === "symlink") {
      if (hops >= MAX_LINK_HOPS) throw notADirectory(prefixes[index] as string);
      const target = result.stat.linkTarget;
      if (!target.startsWith("/")) throw notADirectory(prefixes[index] as string);
      // The engine resolved the whole prefix inside the container: continue from there.
      if (last) return planWrite(target, stat, context, hops + 1);
      const rest = elements.slice(index + 1).join("/");
      return planWrite(joinPath(target, rest), stat, context, hops + 1);
    }
    if (last) {
      if (kind === "directory") {
        throw fileSystemError("is-a-directory", path, `Cannot write '${path}': it is a directory.`, context);
      }
      return { target: joinPath(resolved, name), directory: resolved, parents: [], entry: name };
    }
    if (kind !== "directory") throw notADirectory(prefixes[index] as string);
    resolved = joinPath(resolved, name);
  }
  // Only the root has no elements, and the path schema refuses it.
  throw fileSystemError("is-a-directory", path, `Cannot write '${path}': it is a directory.`, context);
}

/** One place a path can live in a container: the root or a mount. */
export type MountArea = {
  /** The mount point (`/` for the root file system). */
  readonly destination: string;
  /**
   * - `writable`: the engine writes there and the container sees it;
   * - `read-only`: a read-only root or mount;
   * - `memory`: a tmpfs-backed volume (the driver's `/tmp`): the container sees writes only while
   *   it runs, because the volume is a fresh, empty tmpfs every time it is mounted;
   * - `unreachable`: a tmpfs mounted inside the container, which the engine's archive API does not
   *   see (it would write beneath it, where the container never looks).
   */
  readonly access: "writable" | "read-only" | "memory" | "unreachable";
};

type InspectMount = { Type?: string; Destination?: string; RW?: boolean };
type HostMount = {
  Type?: string;
  Target?: string;
  VolumeOptions?: { DriverConfig?: { Options?: Record<string, string> } };
};

/**
 * The root and every mount of a container, from its inspect data.
 *
 * @example
 * ```ts
 * const areas = mountAreas(await container.inspect());
 * areaOf(areas, "/tmp/x").access; // "memory" for a read-only container of this driver
 * ```
 */
export function mountAreas(info: Docker.ContainerInspectInfo): MountArea[] {
  const host = info.HostConfig as Docker.HostConfig & { Mounts?: HostMount[] };
  const areas: MountArea[] = [{ destination: "/", access: host.ReadonlyRootfs === true ? "read-only" : "writable" }];
  const memoryTargets = new Set(
    (host.Mounts ?? [])
      .filter((mount) => mount.Type === "volume" && mount.VolumeOptions?.DriverConfig?.Options?.type === "tmpfs")
      .map((mount) => mount.Target),
  );
  for (const mount of (info.Mounts ?? []) as InspectMount[]) {
    if (typeof mount.Destination !== "string") continue;
    const access =
      mount.Type === "tmpfs"
        ? "unreachable"
        : mount.RW !== true
          ? "read-only"
          : memoryTargets.has(mount.Destination)
            ? "memory"
            : "writable";
    areas.push({ destination: mount.Destination, access });
  }
  for (const destination of Object.keys(host.Tmpfs ?? {})) areas.push({ destination, access: "unreachable" });
  return areas;
}

/**
 * The area holding `path`: the most specific mount whose point contains it,
 * else the root.
 *
 * @example
 * ```ts
 * areaOf([{ destination: "/", access: "read-only" }, { destination: "/data", access: "writable" }], "/data/x");
 * // { destination: "/data", access: "writable" }
 * ```
 */
export function areaOf(areas: readonly MountArea[], path: string): MountArea {
  let best: MountArea = areas[0] ?? { destination: "/", access: "writable" };
  for (const area of areas) {
    const inside = area.destination === "/" || path === area.destination || path.startsWith(`${area.destination}/`);
    if (inside && area.destination.length >= best.destination.length) best = area;
  }
  return best;
}

/**
 * What the engine's answer to an archive request means for a file
 * operation, from its status and message: a `reason` of the contract's
 * `FileSystemError`, `missing-file`, `missing-container`, or `undefined` when
 * it is no file system answer (a transport error, an engine failure).
 *
 * @example
 * ```ts
 * archiveAnswer(500, "container rootfs is marked read-only"); // "read-only"
 * ```
 */
export function archiveAnswer(
  statusCode: number | undefined,
  message: string,
): "read-only" | "not-a-directory" | "is-a-directory" | "no-space" | "missing-file" | "missing-container" | undefined {
  const text = message.toLowerCase();
  // The engine says "No such container: <id>"; dockerode's own prefix ("no such container - ") says nothing.
  if (statusCode === 404) return text.includes("no such container:") ? "missing-container" : "missing-file";
  if (text.includes("read-only")) return "read-only";
  if (text.includes("cannot overwrite directory")) return "is-a-directory";
  if (text.includes("not a directory") || text.includes("cannot overwrite non-directory")) return "not-a-directory";
  if (text.includes("is a directory")) return "is-a-directory";
  if (text.includes("no space left")) return "no-space";
  return undefined;
}
