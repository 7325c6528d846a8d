/**
 * A container's whole file system, as its processes and the runtime see it:
 * mounts (its own layer at `/`, a tmpfs at `/tmp` when the root is
 * read-only, volumes and host directories at their targets, `/proc`, `/dev`)
 * over the trees of `tree.ts`, with the rules of a Linux kernel: a
 * read-only mount refuses writes (`EROFS`), permission bits and owners apply
 * (`EACCES`) unless the caller may override them, the sticky bit of `/tmp`
 * protects other users' files (`EPERM`), and trees refuse to grow beyond
 * their capacity (`ENOSPC`).
 *
 * @module
 */
import { joinSegments, pathSegments } from "./paths.js";
import type { AccessContext, FileStat, ReadSource, SpecialFs } from "./special.js";
import {
  type DeviceName,
  type DirNode,
  FsError,
  type FileNode,
  type FsNode,
  type FsTree,
  makeDir,
  makeFile,
} from "./tree.js";

/** A tree mounted at `target`. */
export type TreeMount = {
  readonly kind: "tree";
  readonly target: string;
  readonly tree: FsTree;
  readonly readOnly: boolean;
  /** What `/proc/mounts` shows as its source and type. */
  readonly source: string;
  readonly fsType: string;
};

/** A computed file system (`/proc`, `/dev`) mounted at `target`. */
export type SpecialMount = {
  readonly kind: "special";
  readonly target: string;
  readonly fs: SpecialFs;
  readonly fsType: string;
};

/** One entry of a container's mount table. */
export type Mount = TreeMount | SpecialMount;

/** Where writes through {@link ContainerFs.openWrite} go: a file of a tree, or a device. */
export type WriteTarget =
  | { readonly kind: "file"; write(chunk: Uint8Array): void }
  | { readonly kind: "device"; readonly device: DeviceName };

const READ = 4;
const WRITE = 2;
const SEARCH = 1;
const STICKY = 0o1000;
/** The mode bits a new file or directory loses: the usual umask. */
const UMASK = 0o022;

function permitted(node: FsNode, context: AccessContext, want: number): boolean {
  const { cred } = context;
  if (cred.override) return true;
  const bits = cred.uid === node.uid ? node.mode >> 6 : cred.gid === node.gid ? node.mode >> 3 : node.mode;
  return (bits & want) === want;
}

function statOf(node: FsNode): FileStat {
  const base = { mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime };
  if (node.kind === "file") return { ...base, kind: "file", size: node.size };
  if (node.kind === "dir") return { ...base, kind: "dir", size: 4096 };
  return { ...base, kind: "device", size: 0, device: node.device };
}

type Located = { readonly mount: Mount; readonly rest: string[]; readonly path: string };

/**
 * The file system of one container. Every method takes the path (absolute,
 * or relative to `cwd` where given) and who asks; failures are
 * {@link FsError}s with the errno a system call would give.
 *
 * @example
 * ```ts
 * const fs = new ContainerFs(mounts, () => clock.now());
 * fs.openWrite("/tmp/out.txt", context).kind; // "file"
 * ```
 */
export class ContainerFs {
  /** Deepest first, so the first mount whose target holds a path is the one it is on. */
  readonly #mounts: readonly Mount[];
  readonly #now: () => number;

  constructor(mounts: readonly Mount[], now: () => number) {
    this.#mounts = [...mounts].sort((a, b) => pathSegments(b.target).length - pathSegments(a.target).length);
    this.#now = now;
    for (const mount of this.#mounts) if (mount.target !== "/") this.#ensureMountPoint(mount.target);
  }

  /** The text of `/proc/mounts`, root first. */
  mountsText(): string {
    return [...this.#mounts]
      .reverse()
      .map((mount) => {
        const source = mount.kind === "tree" ? mount.source : mount.fsType;
        const options = mount.kind === "tree" && mount.readOnly ? "ro" : "rw";
        return `${source} ${mount.target} ${mount.fsType} ${options},relatime 0 0\n`;
      })
      .join("");
  }

  /** What is at `path`; `ENOENT` when nothing is. */
  stat(path: string, context: AccessContext, cwd = "/"): FileStat {
    const located = this.#locate(path, cwd);
    if (located.mount.kind === "special") return located.mount.fs.stat(located.rest, located.path, context);
    const node = this.#lookup(located, context);
    if (node === undefined) throw new FsError("ENOENT", located.path);
    return statOf(node);
  }

  /** Whether anything is at `path` (errors on the way count as no). */
  exists(path: string, context: AccessContext, cwd = "/"): boolean {
    try {
      this.stat(path, context, cwd);
      return true;
    } catch {
      return false;
    }
  }

  /** The names in directory `path`, sorted. */
  readdir(path: string, context: AccessContext, cwd = "/"): string[] {
    const located = this.#locate(path, cwd);
    if (located.mount.kind === "special") return located.mount.fs.readdir(located.rest, located.path, context).sort();
    const node = this.#lookup(located, context);
    if (node === undefined) throw new FsError("ENOENT", located.path);
    if (node.kind !== "dir") throw new FsError("ENOTDIR", located.path);
    if (!permitted(node, context, READ)) throw new FsError("EACCES", located.path);
    return [...node.entries.keys()].sort();
  }

  /** What reading `path` yields: its bytes, or the device to read. */
  open(path: string, context: AccessContext, cwd = "/"): ReadSource {
    const located = this.#locate(path, cwd);
    if (located.mount.kind === "special") return located.mount.fs.open(located.rest, located.path, context);
    const node = this.#lookup(located, context);
    if (node === undefined) throw new FsError("ENOENT", located.path);
    if (node.kind === "dir") throw new FsError("EISDIR", located.path);
    if (!permitted(node, context, READ)) throw new FsError("EACCES", located.path);
    if (node.kind === "device") return { kind: "device", device: node.device };
    return { kind: "bytes", chunks: [...node.chunks], size: node.size };
  }

  /**
   * Open `path` for writing (the shell's `>` and `>>`): an existing file is
   * emptied unless `append`; a missing one is created with `mode` (less the
   * umask), owned by the caller.
   */
  openWrite(path: string, context: AccessContext, options: { append?: boolean; cwd?: string } = {}): WriteTarget {
    const located = this.#locate(path, options.cwd ?? "/");
    const { mount } = located;
    if (mount.kind === "special") {
      const source = mount.fs.open(located.rest, located.path, context);
      if (source.kind === "device") return source;
      throw new FsError("EACCES", located.path);
    }
    const existing = this.#lookup(located, context);
    if (existing?.kind === "dir") throw new FsError("EISDIR", located.path);
    if (mount.readOnly) throw new FsError("EROFS", located.path);
    let file: FileNode;
    if (existing === undefined) {
      const dir = this.#parentForChange(located, context);
      file = makeFile(
        { mode: 0o666 & ~UMASK, uid: context.cred.uid, gid: context.cred.gid, mtime: this.#now() },
        [],
        mount.tree,
      );
      dir.entries.set(located.rest.at(-1) as string, file);
    } else {
      if (!permitted(existing, context, WRITE)) throw new FsError("EACCES", located.path);
      const dir = mount.tree.writableDir(located.rest.slice(0, -1), located.path);
      file = mount.tree.writableFile(dir, located.rest.at(-1) as string, located.path);
      if (options.append !== true) mount.tree.truncate(file, this.#now());
    }
    const { tree } = mount;
    return { kind: "file", write: (chunk) => tree.append(file, chunk, located.path, this.#now()) };
  }

  /** Create directory `path` (and its parents with `parents`), owned by the caller. */
  mkdir(path: string, context: AccessContext, options: { parents?: boolean; mode?: number; cwd?: string } = {}): void {
    const segments = pathSegments(path, options.cwd);
    const steps = options.parents === true ? segments.map((_, index) => segments.slice(0, index + 1)) : [segments];
    for (const step of steps) {
      const located = this.#locate(joinSegments(step), "/");
      if (located.mount.kind === "special") throw new FsError("EEXIST", located.path);
      const existing = this.#lookup(located, context);
      if (existing !== undefined) {
        if (options.parents === true && existing.kind === "dir") continue;
        throw new FsError("EEXIST", located.path);
      }
      if (located.mount.readOnly) throw new FsError("EROFS", located.path);
      const dir = this.#parentForChange(located, context);
      const mode = (options.mode ?? 0o777) & ~UMASK;
      const meta = { mode, uid: context.cred.uid, gid: context.cred.gid, mtime: this.#now() };
      dir.entries.set(located.rest.at(-1) as string, makeDir(meta, located.mount.tree));
    }
  }

  /** Remove `path`; a directory only with `recursive`; a mount point never (`EBUSY`). */
  remove(path: string, context: AccessContext, options: { recursive?: boolean; cwd?: string } = {}): void {
    const located = this.#locate(path, options.cwd ?? "/");
    const { mount } = located;
    if (mount.kind === "special" || located.rest.length === 0) throw new FsError("EBUSY", located.path);
    const node = this.#lookup(located, context);
    if (node === undefined) throw new FsError("ENOENT", located.path);
    if (node.kind === "dir" && options.recursive !== true) throw new FsError("EISDIR", located.path);
    if (mount.readOnly) throw new FsError("EROFS", located.path);
    const parent = this.#parentForChange(located, context);
    const ownsEither = context.cred.uid === node.uid || context.cred.uid === parent.uid;
    if ((parent.mode & STICKY) !== 0 && !context.cred.override && !ownsEither) throw new FsError("EPERM", located.path);
    mount.tree.unlink(parent, located.rest.at(-1) as string);
  }

  /** Create `path` empty when missing, else set its time to now. */
  touch(path: string, context: AccessContext, cwd = "/"): void {
    const located = this.#locate(path, cwd);
    if (located.mount.kind === "special") return;
    const existing = this.#lookup(located, context);
    if (existing === undefined) {
      this.openWrite(path, context, { append: true, cwd });
      return;
    }
    if (located.mount.readOnly) throw new FsError("EROFS", located.path);
    if (context.cred.uid !== existing.uid && !permitted(existing, context, WRITE))
      throw new FsError("EACCES", located.path);
    const dir = located.mount.tree.writableDir(located.rest.slice(0, -1), located.path);
    const name = located.rest.at(-1);
    if (name === undefined) return;
    const node = dir.entries.get(name);
    if (node?.kind === "file") located.mount.tree.writableFile(dir, name, located.path).mtime = this.#now();
    else if (node?.kind === "dir") located.mount.tree.writableDir(located.rest, located.path).mtime = this.#now();
  }

  /** Set the permission bits of `path` (its owner or root only). */
  chmod(path: string, context: AccessContext, mode: number, cwd = "/"): void {
    const located = this.#locate(path, cwd);
    if (located.mount.kind === "special") throw new FsError("EPERM", located.path);
    const node = this.#lookup(located, context);
    if (node === undefined) throw new FsError("ENOENT", located.path);
    if (!context.cred.override && context.cred.uid !== node.uid && context.cred.uid !== 0) {
      throw new FsError("EPERM", located.path);
    }
    if (located.mount.readOnly) throw new FsError("EROFS", located.path);
    const { tree } = located.mount;
    const parent = located.rest.slice(0, -1);
    const name = located.rest.at(-1);
    const target =
      name === undefined || node.kind === "dir"
        ? tree.writableDir(located.rest, located.path)
        : tree.writableFile(tree.writableDir(parent, located.path), name, located.path);
    target.mode = mode & 0o7777;
  }

  /**
   * Replace the file at `path` with `content` as the runtime does (no
   * permission bits apply, read-only mounts still refuse): the new bytes are
   * gathered first and swapped in at the end, so a failure or an abort
   * leaves the old file as it was. Missing parents are created owned by
   * `owner`, mode `0o755`.
   */
  async replaceFile(
    path: string,
    content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: { readonly mode: number; readonly owner: { uid: number; gid: number }; readonly signal?: AbortSignal },
  ): Promise<void> {
    const located = this.#locate(path, "/");
    this.#checkReplace(located);
    const { tree } = located.mount as TreeMount;
    const meta = { mode: options.mode, uid: options.owner.uid, gid: options.owner.gid, mtime: this.#now() };
    const file = makeFile(meta, [], tree);
    // The file it replaces will be freed: its bytes may be used meanwhile.
    const old = tree.lookup(located.rest, located.path);
    const credit = old?.kind === "file" && old.owner === tree && old.unlinked !== true ? old.size : 0;
    try {
      for await (const chunk of content) {
        options.signal?.throwIfAborted();
        tree.append(file, chunk, located.path, this.#now(), credit);
      }
      options.signal?.throwIfAborted();
      this.#checkReplace(located);
      let dir = tree.writableDir([], located.path);
      for (const [index, segment] of located.rest.slice(0, -1).entries()) {
        if (!dir.entries.has(segment)) dir.entries.set(segment, makeDir({ ...meta, mode: 0o755 }, tree));
        dir = tree.writableDir(located.rest.slice(0, index + 1), located.path);
      }
      const name = located.rest.at(-1) as string;
      tree.unlink(dir, name);
      dir.entries.set(name, file);
    } catch (error) {
      tree.release(file.size);
      throw error;
    }
  }

  /** What {@link ContainerFs.replaceFile} would refuse, checked before and after gathering the bytes. */
  #checkReplace(located: Located): void {
    const { mount, rest, path } = located;
    if (mount.kind === "special") throw new FsError("EROFS", path);
    if (rest.length === 0) throw new FsError("EISDIR", path);
    let node: FsNode | undefined = mount.tree.root;
    for (const [index, segment] of rest.entries()) {
      if (node.kind !== "dir") throw new FsError("ENOTDIR", path);
      node = node.entries.get(segment);
      if (node === undefined) break;
      if (index === rest.length - 1 && node.kind === "dir") throw new FsError("EISDIR", path);
    }
    if (mount.readOnly) throw new FsError("EROFS", path);
  }

  #locate(path: string, cwd: string): Located {
    const segments = pathSegments(path, cwd);
    for (const mount of this.#mounts) {
      const target = pathSegments(mount.target);
      if (target.length > segments.length) continue;
      if (target.every((segment, index) => segments[index] === segment)) {
        return { mount, rest: segments.slice(target.length), path: joinSegments(segments) };
      }
    }
    throw new FsError("ENOENT", path);
  }

  /** The node at a located path of a tree mount, checking search permission on each directory passed. */
  #lookup(located: Located, context: AccessContext): FsNode | undefined {
    if (located.mount.kind === "special") return undefined;
    let node: FsNode = located.mount.tree.root;
    for (const segment of located.rest) {
      if (node.kind !== "dir") throw new FsError("ENOTDIR", located.path);
      if (!permitted(node, context, SEARCH)) throw new FsError("EACCES", located.path);
      const child: FsNode | undefined = node.entries.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  /** The parent directory of a located path, writable in its tree, after the caller's write permission on it. */
  #parentForChange(located: Located, context: AccessContext): DirNode {
    const { mount, rest, path } = located;
    if (mount.kind === "special") throw new FsError("EACCES", path);
    const parentPath = rest.slice(0, -1);
    const parent = mount.tree.lookup(parentPath, path);
    if (parent === undefined) throw new FsError("ENOENT", path);
    if (parent.kind !== "dir") throw new FsError("ENOTDIR", path);
    if (!permitted(parent, context, WRITE | SEARCH)) throw new FsError("EACCES", path);
    return mount.tree.writableDir(parentPath, path);
  }

  /** Mount points exist as directories of the mount below them, as a runtime creates them. */
  #ensureMountPoint(target: string): void {
    const segments = pathSegments(target);
    const below = this.#mounts.find(
      (mount) =>
        mount.kind === "tree" &&
        pathSegments(mount.target).length < segments.length &&
        pathSegments(mount.target).every((segment, index) => segments[index] === segment),
    ) as TreeMount | undefined;
    if (below === undefined) return;
    const rest = segments.slice(pathSegments(below.target).length);
    let dir = below.tree.root;
    for (const [index, segment] of rest.entries()) {
      const child = dir.entries.get(segment);
      if (child?.kind === "dir") {
        dir = child;
        continue;
      }
      const writable = below.tree.writableDir(rest.slice(0, index), target);
      writable.entries.set(segment, makeDir({ mode: 0o755, uid: 0, gid: 0, mtime: this.#now() }, below.tree));
      dir = below.tree.writableDir(rest.slice(0, index + 1), target);
    }
  }
}
