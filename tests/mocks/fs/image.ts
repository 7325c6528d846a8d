/**
 * The image every mock container starts from, whatever its image name: the
 * parts of the project's busybox test image (scripts/docker-engine.sh) that
 * matter to a command: the programs in `/bin`, `/etc/passwd` with `root` and
 * `openagent` (uid 1000), a writable-by-all `/tmp` and `/data`, and
 * `/home/openagent` owned by its user. Built once and never changed:
 * containers copy what they change into a layer of their own.
 *
 * @module
 */
import { type DirNode, type FsNode, makeDir, makeFile, type NodeMeta } from "./tree.js";

/** The image's `PATH`, as the test image sets it. */
export const IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The image's `/etc/passwd`. */
export const IMAGE_PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "openagent:x:1000:1000:openagent:/home/openagent:/bin/sh",
  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false",
  "",
].join("\n");

/** The image's `/etc/group`. */
export const IMAGE_GROUP = ["root:x:0:", "openagent:x:1000:", "nogroup:x:65534:", ""].join("\n");

/** When the image's files were made (they show this time until changed). */
const IMAGE_TIME = Date.UTC(2024, 0, 1);

const encoder = new TextEncoder();

function meta(mode: number, uid = 0, gid = uid): NodeMeta {
  return { mode, uid, gid, mtime: IMAGE_TIME };
}

/** Directories of the image: path → mode and owner. Parents come before children. */
const DIRECTORIES: readonly (readonly [string, NodeMeta])[] = [
  ["bin", meta(0o755)],
  ["sbin", meta(0o755)],
  ["usr", meta(0o755)],
  ["usr/bin", meta(0o755)],
  ["usr/sbin", meta(0o755)],
  ["usr/local", meta(0o755)],
  ["usr/local/bin", meta(0o755)],
  ["etc", meta(0o755)],
  ["tmp", meta(0o1777)],
  ["home", meta(0o755)],
  ["home/openagent", meta(0o755, 1000)],
  ["root", meta(0o700)],
  ["proc", meta(0o555)],
  ["sys", meta(0o555)],
  ["dev", meta(0o755)],
  ["data", meta(0o1777)],
];

function dirAt(root: DirNode, path: string): DirNode {
  let dir = root;
  for (const segment of path.split("/")) {
    const child = dir.entries.get(segment);
    if (child?.kind !== "dir") throw new Error(`image: ${path} is not a directory`);
    dir = child;
  }
  return dir;
}

function add(root: DirNode, path: string, node: FsNode): void {
  const slash = path.lastIndexOf("/");
  const parent = slash < 0 ? root : dirAt(root, path.slice(0, slash));
  parent.entries.set(path.slice(slash + 1), node);
}

/**
 * The image's root directory, with one executable entry in `/bin` for each
 * of `programs` (what a command's `PATH` lookup finds). The nodes have no
 * owner tree, so every container copies before it changes one.
 *
 * @example
 * ```ts
 * const root = createImageRoot(["sh", "cat", "echo"]);
 * ```
 */
export function createImageRoot(programs: Iterable<string>): DirNode {
  const root = makeDir(meta(0o755), undefined);
  for (const [path, dirMeta] of DIRECTORIES) add(root, path, makeDir(dirMeta, undefined));
  add(root, "etc/passwd", makeFile(meta(0o644), [encoder.encode(IMAGE_PASSWD)], undefined));
  add(root, "etc/group", makeFile(meta(0o644), [encoder.encode(IMAGE_GROUP)], undefined));
  add(root, "etc/hostname", makeFile(meta(0o644), [encoder.encode("mock\n")], undefined));
  // busybox installs each applet as a link to itself; an empty executable stands in for it.
  const bin = dirAt(root, "bin");
  for (const name of programs) bin.entries.set(name, makeFile(meta(0o755), [], undefined));
  return root;
}
