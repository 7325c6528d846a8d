/**
 * The nodes of the mock's in-memory file systems and one writable tree of
 * them (a container's own layer, a tmpfs, a volume, a host directory).
 * Trees share what they have not changed: a container's layer starts as the
 * image's root and copies a directory or file up only when it changes it, so
 * a container that never writes costs nothing, and the image is never
 * changed. A tree counts the bytes it holds and refuses to grow beyond its
 * capacity (`ENOSPC`), so memory stays bounded.
 *
 * Nothing here checks permissions or mounts: `view.ts` does, for a
 * container's whole file system.
 *
 * @module
 */

/** The errno codes the mock's file systems report. */
export type FsErrorCode =
  | "ENOENT"
  | "ENOTDIR"
  | "EISDIR"
  | "EROFS"
  | "EACCES"
  | "ENOSPC"
  | "EEXIST"
  | "ENOTEMPTY"
  | "EPERM"
  | "EINVAL"
  | "EBUSY";

const STRERROR: Readonly<Record<FsErrorCode, string>> = {
  ENOENT: "No such file or directory",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EROFS: "Read-only file system",
  EACCES: "Permission denied",
  ENOSPC: "No space left on device",
  EEXIST: "File exists",
  ENOTEMPTY: "Directory not empty",
  EPERM: "Operation not permitted",
  EINVAL: "Invalid argument",
  EBUSY: "Resource busy",
};

/**
 * A refusal of the file system, with the errno a Linux system call reports
 * and the path concerned; its message is the C library's text for the code.
 *
 * @example
 * ```ts
 * throw new FsError("EROFS", "/etc/passwd"); // message "Read-only file system"
 * ```
 */
export class FsError extends Error {
  override name = "FsError";
  readonly code: FsErrorCode;
  readonly path: string;

  constructor(code: FsErrorCode, path: string) {
    super(STRERROR[code]);
    this.code = code;
    this.path = path;
  }
}

/** Permission bits, owner and time of change, as `stat` reports them. */
export type NodeMeta = { mode: number; uid: number; gid: number; mtime: number };

/** The devices of `/dev` the mock knows. */
export type DeviceName = "null" | "zero" | "random" | "urandom" | "stdin" | "stdout" | "stderr" | "tty";

/** A directory; `owner` is the tree that may change it in place (any other tree copies it first). */
export type DirNode = NodeMeta & { readonly kind: "dir"; entries: Map<string, FsNode>; owner: FsTree | undefined };

/** A regular file: its bytes as chunks, so appending never copies what is there. */
export type FileNode = NodeMeta & {
  readonly kind: "file";
  chunks: Uint8Array[];
  size: number;
  owner: FsTree | undefined;
  /** Set once removed, so an open handle writing on does not count against the tree. */
  unlinked?: boolean;
};

/** A character device of `/dev`. */
export type DeviceNode = NodeMeta & { readonly kind: "device"; readonly device: DeviceName };

/** Anything a directory holds. */
export type FsNode = DirNode | FileNode | DeviceNode;

/**
 * A new directory node.
 *
 * @example
 * ```ts
 * const dir = makeDir({ mode: 0o755, uid: 0, gid: 0, mtime: 0 }, undefined);
 * ```
 */
export function makeDir(meta: NodeMeta, owner: FsTree | undefined): DirNode {
  return { kind: "dir", mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime, entries: new Map(), owner };
}

/**
 * A new file node holding `chunks`.
 *
 * @example
 * ```ts
 * const file = makeFile({ mode: 0o644, uid: 0, gid: 0, mtime: 0 }, [new TextEncoder().encode("hi\n")], undefined);
 * ```
 */
export function makeFile(meta: NodeMeta, chunks: Uint8Array[], owner: FsTree | undefined): FileNode {
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  return { kind: "file", mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime, chunks, size, owner };
}

/**
 * One writable tree: a container's layer over the image, a tmpfs, a volume
 * or a host directory. `root` starts as `base` (shared, unchanged) and is
 * copied up on the first change.
 *
 * @example
 * ```ts
 * const layer = new FsTree("layer c-1", image.root, 64 * 1024 * 1024);
 * const dir = layer.writableDir(["tmp"], "/tmp");
 * ```
 */
export class FsTree {
  /** What the tree is, for messages. */
  readonly label: string;
  /** The most bytes of file content the tree holds. */
  readonly capacity: number;
  /** Bytes of file content the tree holds now (what it copied up included). */
  used = 0;
  root: DirNode;

  constructor(label: string, base: DirNode, capacity: number) {
    this.label = label;
    this.capacity = capacity;
    this.root = base;
  }

  /** The node at `segments` below the root, or `undefined`; `ENOTDIR` when a middle segment is not a directory. */
  lookup(segments: readonly string[], path: string): FsNode | undefined {
    let node: FsNode = this.root;
    for (const segment of segments) {
      if (node.kind !== "dir") throw new FsError("ENOTDIR", path);
      const child = node.entries.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  /**
   * The directory at `segments`, copied into this tree (with every directory
   * above it) so it may be changed: `ENOENT` when it does not exist,
   * `ENOTDIR` when something on the way is not a directory.
   */
  writableDir(segments: readonly string[], path: string): DirNode {
    if (this.root.owner !== this) this.root = this.#copyDir(this.root);
    let dir = this.root;
    for (const segment of segments) {
      const child = dir.entries.get(segment);
      if (child === undefined) throw new FsError("ENOENT", path);
      if (child.kind !== "dir") throw new FsError("ENOTDIR", path);
      if (child.owner === this) {
        dir = child;
        continue;
      }
      const copy = this.#copyDir(child);
      dir.entries.set(segment, copy);
      dir = copy;
    }
    return dir;
  }

  /** The file `name` of `dir` (a writable directory of this tree), copied into the tree so it may be changed. */
  writableFile(dir: DirNode, name: string, path: string): FileNode {
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError("ENOENT", path);
    if (node.kind === "dir") throw new FsError("EISDIR", path);
    if (node.kind !== "file") throw new FsError("EINVAL", path);
    if (node.owner === this) return node;
    this.reserve(node.size, path);
    const copy: FileNode = { ...node, chunks: [...node.chunks], owner: this };
    dir.entries.set(name, copy);
    return copy;
  }

  /**
   * Count `bytes` more against the capacity, or `ENOSPC` (counting nothing)
   * when they do not fit. `credit`: bytes about to be freed (the file a new
   * one replaces), which may be used meanwhile.
   */
  reserve(bytes: number, path: string, credit = 0): void {
    if (this.used + bytes > this.capacity + credit) throw new FsError("ENOSPC", path);
    this.used += bytes;
  }

  /** Count `bytes` less (a file shrank or went away). */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Append `chunk` to `file` (a file of this tree), counting it; an unlinked file still takes it, uncounted. */
  append(file: FileNode, chunk: Uint8Array, path: string, now: number, credit = 0): void {
    if (file.unlinked !== true) this.reserve(chunk.byteLength, path, credit);
    file.chunks.push(chunk);
    file.size += chunk.byteLength;
    file.mtime = now;
  }

  /** Empty `file` (a file of this tree). */
  truncate(file: FileNode, now: number): void {
    if (file.unlinked !== true) this.release(file.size);
    file.chunks = [];
    file.size = 0;
    file.mtime = now;
  }

  /** Remove `name` from `dir` (a writable directory of this tree), uncounting what it held. */
  unlink(dir: DirNode, name: string): void {
    const node = dir.entries.get(name);
    if (node === undefined) return;
    dir.entries.delete(name);
    this.#uncount(node);
  }

  #uncount(node: FsNode): void {
    if (node.kind === "file") {
      if (node.owner === this && node.unlinked !== true) this.release(node.size);
      if (node.owner === this) node.unlinked = true;
    } else if (node.kind === "dir" && node.owner === this) {
      for (const child of node.entries.values()) this.#uncount(child);
    }
  }

  #copyDir(dir: DirNode): DirNode {
    return { ...dir, entries: new Map(dir.entries), owner: this };
  }
}
