/**
 * The inside of a mock container, made when first needed (its first start
 * of a command the mock runs, its first exec or file transfer): its mounts
 * (its own layer over the image at `/`, read-only when `security.readOnly`,
 * then a tmpfs at `/tmp`; its volumes and host directories at their
 * targets; `/proc`; `/dev`), the credentials and environment its commands
 * run with.
 *
 * @module
 */
import type { ContainerConfig } from "../../src/index.js";
import { type Credentials, resolveCredentials, RUNTIME_CREDENTIALS } from "./fs/credentials.js";
import { IMAGE_PATH } from "./fs/image.js";
import { createDevFs, createProcFs } from "./fs/special.js";
import { type DirNode, FsTree, makeDir } from "./fs/tree.js";
import type { Mount } from "./fs/view.js";
import { Machine } from "./machine/machine.js";
import { imageRoot, type RuntimeState } from "./runtime.js";
import type { EngineState } from "./state.js";
import type { ContainerRecord, VolumeRecord } from "./store.js";

const ROOT_DIRECTORY = { mode: 0o755, uid: 0, gid: 0 } as const;

/** The image's directory at `target`, if it has one (a volume mounted there starts as a copy of it). */
function imageDirectory(image: DirNode, target: string): DirNode | undefined {
  let node: DirNode = image;
  for (const segment of target.split("/").filter((part) => part !== "")) {
    const child = node.entries.get(segment);
    if (child?.kind !== "dir") return undefined;
    node = child;
  }
  return node;
}

/**
 * A volume's files, made at its first mount: a copy of what the image has
 * at the target (owner and mode included), as a Docker-like engine fills an
 * empty volume; else an empty directory owned by root.
 */
function volumeTree(volume: VolumeRecord, runtime: RuntimeState, target: string, now: number): FsTree {
  if (volume.tree !== undefined) return volume.tree;
  const base = imageDirectory(imageRoot(runtime), target);
  const meta = base ?? { ...ROOT_DIRECTORY, mtime: now };
  const tree = new FsTree(`volume ${volume.volume.name}`, makeDir({ ...meta, mtime: now }, undefined), volume.capacity);
  const root = makeDir({ mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: now }, tree);
  if (base !== undefined) for (const [name, node] of base.entries) root.entries.set(name, node);
  tree.root = root;
  volume.tree = tree;
  return tree;
}

function bindTree(runtime: RuntimeState, source: string, capacity: number, now: number): FsTree {
  let tree = runtime.binds.get(source);
  if (tree === undefined) {
    tree = new FsTree(`bind ${source}`, makeDir({ ...ROOT_DIRECTORY, mtime: now }, undefined), capacity);
    runtime.binds.set(source, tree);
  }
  return tree;
}

function mountsOf(state: EngineState, record: ContainerRecord): Mount[] {
  const { runtime } = state;
  const now = state.clock.now();
  const config = record.config;
  const readOnly = config.security.readOnly;
  const layer = new FsTree(`layer ${record.id}`, imageRoot(runtime), record.fileSystem.layerBytes);
  const mounts: Mount[] = [{ kind: "tree", target: "/", tree: layer, readOnly, source: "overlay", fsType: "overlay" }];
  if (readOnly) {
    const tmpfs = new FsTree(
      "tmpfs",
      makeDir({ mode: 0o1777, uid: 0, gid: 0, mtime: now }, undefined),
      record.fileSystem.tmpfsBytes,
    );
    mounts.push({ kind: "tree", target: "/tmp", tree: tmpfs, readOnly: false, source: "tmpfs", fsType: "tmpfs" });
  }
  for (const mount of config.volumes) {
    const isVolume = mount.type === "volume" || (mount.type === undefined && !mount.source.startsWith("/"));
    const volume = isVolume ? record.volumes.find((candidate) => candidate.volume.name === mount.source) : undefined;
    const tree =
      volume === undefined
        ? bindTree(runtime, mount.source, record.fileSystem.layerBytes, now)
        : volumeTree(volume, runtime, mount.target, now);
    const source = volume === undefined ? mount.source : volume.volume.mountpoint;
    mounts.push({
      kind: "tree",
      target: mount.target,
      tree,
      readOnly: mount.readOnly === true,
      source,
      fsType: isVolume ? "ext4" : "bind",
    });
  }
  return mounts;
}

/**
 * The inside of `record`, made at the first call.
 *
 * @example
 * ```ts
 * const machine = machineOf(state, record);
 * machine.fs.readdir("/", { cred: RUNTIME_CREDENTIALS });
 * ```
 */
export function machineOf(state: EngineState, record: ContainerRecord): Machine {
  if (record.machine !== undefined) return record.machine;
  const mounts = mountsOf(state, record);
  const now = () => state.clock.now();
  record.machine = new Machine({
    now,
    timers: state.timers,
    random: state.random,
    mounts: (source) => [
      ...mounts,
      { kind: "special", target: "/proc", fs: createProcFs(source, now), fsType: "proc" },
      { kind: "special", target: "/dev", fs: createDevFs(), fsType: "tmpfs" },
    ],
  });
  return record.machine;
}

function readText(machine: Machine, path: string): string {
  try {
    const source = machine.fs.open(path, { cred: RUNTIME_CREDENTIALS });
    return source.kind === "bytes"
      ? new TextDecoder().decode(Buffer.concat(source.chunks.map((chunk) => Buffer.from(chunk))))
      : "";
  } catch {
    return "";
  }
}

/**
 * The credentials of a process of `record` started as `user`, resolved
 * through the container's own `/etc/passwd` and `/etc/group`.
 *
 * @example
 * ```ts
 * credentialsOf(machine, record.config, "openagent").uid; // 1000
 * ```
 */
export function credentialsOf(machine: Machine, config: ContainerConfig, user: string): Credentials {
  return resolveCredentials(user, config.security, readText(machine, "/etc/passwd"), readText(machine, "/etc/group"));
}

/**
 * The environment of a command of `record`: what the image sets (`PATH`),
 * what the runtime sets (`HOSTNAME`, `HOME` of the user), then the config's
 * own variables; an exec adds its request's on top.
 *
 * @example
 * ```ts
 * environmentOf(record, cred, request.env);
 * ```
 */
export function environmentOf(
  record: ContainerRecord,
  cred: Credentials,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { PATH: IMAGE_PATH, HOSTNAME: record.id.slice(0, 12), HOME: cred.home, ...record.config.env, ...extra };
}
