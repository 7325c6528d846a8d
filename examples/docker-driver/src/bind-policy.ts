/**
 * Which host paths the Docker driver lets a container bind-mount.
 *
 * A bind mount hands a container a piece of the host's file system: a mount of
 * `/var/run/docker.sock` or of `/` is a container escape. The contract lets a
 * driver refuse a bind mount by policy; this driver refuses every one unless
 * the operator allowed its directory (`allowedBindSources`).
 *
 * The engine resolves a bind source when it starts the container, not when
 * the driver checks it, so a check of the path can be outrun: a container
 * that can write to a directory on the path can swap a part of it for a
 * symlink to `/` in between (7 of 1,000 creates did, before this rule). The
 * rule therefore makes sure that no container can write to any directory on
 * the path of a bind source:
 *
 * - a source is an allowed directory itself, read-only, or an entry directly
 *   inside one (read-only or read-write): its parent is the allowed
 *   directory, which no container can have mounted read-write, and the
 *   allowed directory's own path belongs to the operator;
 * - the path must be real: an allowed directory must not be or lie under a
 *   symlink (refused at construction), a source must exist and must not be a
 *   symlink;
 * - allowed directories may not lie inside one another (a read-write mount
 *   of an entry of the outer one would be a writable parent of the inner).
 *
 * What stays the operator's: nothing but the operator writes to the allowed
 * directories themselves (no other tool's container mounts them read-write,
 * no engine volume lives inside them), and every driver on the engine uses
 * the same allowed directories.
 *
 * @module
 */
import { realpathSync, statSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { ConfigurationError, type ConfigurationIssue, type VolumeMount, mountTypeOf } from "../../../src/index.js";

/** The fields of a mount that decide its type and what it exposes of the host. */
export type MountSource = Pick<VolumeMount, "source" | "type" | "readOnly">;

function hasParentSegment(hostPath: string): boolean {
  return hostPath.split("/").includes("..");
}

/** Without the trailing slash `path.posix.normalize` keeps, so `/srv/data/` and `/srv/data` compare equal. */
function normalizeHostPath(hostPath: string): string {
  const normalized = path.posix.normalize(hostPath);
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** Whole segments only: `/srv/data` holds `/srv/data/x`, never `/srv/database`. */
function isWithin(hostPath: string, directory: string): boolean {
  if (directory === "/") return hostPath.startsWith("/");
  return hostPath === directory || hostPath.startsWith(`${directory}/`);
}

/** How many segments `hostPath` lies below `directory` (0 for the directory itself). */
function depthBelow(hostPath: string, directory: string): number {
  if (hostPath === directory) return 0;
  return hostPath.slice(directory === "/" ? 1 : directory.length + 1).split("/").length;
}

/** Why `entry` cannot be an allowed directory on this host, or `undefined` when it can. */
function entryProblem(entry: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(entry);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `must be an existing directory on the driver's host (${typeof code === "string" ? code : "unreadable"})`;
  }
  if (real !== entry) {
    return (
      `is or lies under a symlink (it resolves to '${real}'): give the real path, ` +
      "since a symlink can be re-pointed after the check"
    );
  }
  if (!statSync(real).isDirectory()) return "must be a directory";
  return undefined;
}

/**
 * The driver's `allowedBindSources` option, checked and normalised once.
 * Entries must be absolute, free of `..` segments, existing directories on
 * the driver's host reached without a symlink, and must not lie inside one
 * another: an entry that means something other than it says would allow
 * more than the operator read. Equal entries are kept once.
 *
 * @example
 * ```ts
 * normalizeAllowedBindSources(["/srv/data/"]); // ["/srv/data"]
 * normalizeAllowedBindSources(["data"]); // throws ConfigurationError (allowedBindSources.0)
 * ```
 */
export function normalizeAllowedBindSources(entries: readonly string[] | undefined): readonly string[] {
  const issues: ConfigurationIssue[] = [];
  const normalized: { entry: string; index: number }[] = [];
  (entries ?? []).forEach((entry, index) => {
    const at = `allowedBindSources.${index}`;
    if (typeof entry !== "string" || !entry.startsWith("/")) {
      issues.push({ path: at, message: "must be an absolute host directory" });
      return;
    }
    if (hasParentSegment(entry)) {
      issues.push({ path: at, message: "must not contain '..' segments" });
      return;
    }
    const clean = normalizeHostPath(entry);
    const problem = entryProblem(clean);
    if (problem !== undefined) {
      issues.push({ path: at, message: `'${entry}' ${problem}` });
      return;
    }
    const outer = normalized.find(
      (other) => other.entry !== clean && (isWithin(clean, other.entry) || isWithin(other.entry, clean)),
    );
    if (outer !== undefined) {
      issues.push({
        path: at,
        message:
          `'${entry}' and allowedBindSources.${outer.index} ('${outer.entry}') lie one inside the other: ` +
          "a container with a read-write mount from the outer one could swap what the inner one holds; list one of them",
      });
      return;
    }
    if (!normalized.some((other) => other.entry === clean)) normalized.push({ entry: clean, index });
  });
  if (issues.length > 0) {
    throw new ConfigurationError(`Invalid allowedBindSources: ${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
  return Object.freeze(normalized.map((item) => item.entry));
}

/** The host path behind symlinks, or the reason it has none. */
async function resolved(hostPath: string): Promise<{ real: string } | { problem: string }> {
  try {
    return { real: await realpath(hostPath) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { problem: code === "ENOENT" ? "does not exist on the host" : `cannot be resolved (${String(code)})` };
  }
}

/** The refusal of one bind source, or `undefined` when the policy allows it. */
async function sourceProblem(mount: MountSource, allowed: readonly string[]): Promise<string | undefined> {
  const source = mount.source;
  if (hasParentSegment(source)) return `bind source '${source}' must not contain '..' segments`;
  const normalized = normalizeHostPath(source);
  const entry = normalized.startsWith("/") ? allowed.find((directory) => isWithin(normalized, directory)) : undefined;
  if (entry === undefined) {
    return (
      `bind mount of host path '${source}' is not allowed: the Docker driver refuses host paths by default; ` +
      "add its directory to the driver's `allowedBindSources` option to allow it"
    );
  }
  const depth = depthBelow(normalized, entry);
  if (depth > 1) {
    return (
      `bind source '${source}' lies ${depth} levels below the allowed directory '${entry}': only the directory ` +
      "itself or an entry directly inside it may be mounted, because a deeper path passes through a directory " +
      "a container may write to, which could swap a part of the path for a symlink before the engine mounts it"
    );
  }
  if (depth === 0 && mount.readOnly !== true) {
    return (
      `bind source '${source}' is the allowed directory itself, which may only be mounted read-only ` +
      "(readOnly: true): a container that could write to it could swap the entries other mounts name for symlinks"
    );
  }
  const outcome = await resolved(normalized);
  if ("problem" in outcome) return `bind source '${source}' ${outcome.problem}`;
  if (outcome.real !== normalized) {
    return `bind source '${source}' is a symlink or lies under one (it resolves to '${outcome.real}'); name the real path`;
  }
  return undefined;
}

/**
 * The bind mounts the policy refuses, one issue each (`volumes.N.source`,
 * `N` the mount's index): outside the allowed directories, more than one
 * level below one, an allowed directory itself mounted read-write, with a
 * `..` segment, missing, or a symlink. Never throws; an entry that is
 * `undefined` (a mount the caller could not read) is skipped.
 *
 * @example
 * ```ts
 * await bindMountIssues([{ source: "/var/run/docker.sock" }], []);
 * // [{ path: "volumes.0.source", message: "bind mount of host path '/var/run/docker.sock' is not allowed: ..." }]
 * ```
 */
export async function bindMountIssues(
  mounts: readonly (MountSource | undefined)[],
  allowed: readonly string[],
): Promise<ConfigurationIssue[]> {
  const issues: ConfigurationIssue[] = [];
  for (const [index, mount] of mounts.entries()) {
    if (mount === undefined || mountTypeOf(mount) !== "bind") continue;
    const problem = await sourceProblem(mount, allowed);
    if (problem !== undefined) issues.push({ path: `volumes.${index}.source`, message: problem });
  }
  return issues;
}

/**
 * {@link bindMountIssues} as a check: one `ConfigurationError` naming every
 * refused mount, or nothing. `createContainer` reports these issues together
 * with the config's other problems (see preflight.ts).
 *
 * @example
 * ```ts
 * await checkBindMounts([{ source: "/var/run/docker.sock", target: "/s" }], []); // throws ConfigurationError
 * ```
 */
export async function checkBindMounts(mounts: readonly VolumeMount[], allowed: readonly string[]): Promise<void> {
  const issues = await bindMountIssues(mounts, allowed);
  if (issues.length > 0) {
    throw new ConfigurationError(`${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
}
