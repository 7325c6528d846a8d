/**
 * Which host paths the Docker driver lets a container bind-mount.
 *
 * A bind mount hands a container a piece of the host's file system: a mount of
 * `/var/run/docker.sock` or of `/` is a container escape. The contract lets a
 * driver refuse a bind mount by policy; this driver refuses every one unless
 * the operator allowed its directory (`allowedBindSources`).
 *
 * @module
 */
import { realpath } from "node:fs/promises";
import path from "node:path";
import { ConfigurationError, type ConfigurationIssue, type VolumeMount, mountTypeOf } from "../../../src/index.js";

/** The fields of a mount that decide its type and what it exposes of the host. */
export type MountSource = Pick<VolumeMount, "source" | "type">;

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

/**
 * The driver's `allowedBindSources` option, checked and normalised once.
 * Entries must be absolute and free of `..` segments: an entry that means
 * something other than it says would allow more than the operator read.
 *
 * @example
 * ```ts
 * normalizeAllowedBindSources(["/srv/data/"]); // ["/srv/data"]
 * normalizeAllowedBindSources(["data"]); // throws ConfigurationError (allowedBindSources.0)
 * ```
 */
export function normalizeAllowedBindSources(entries: readonly string[] | undefined): readonly string[] {
  const issues: ConfigurationIssue[] = [];
  const normalized: string[] = [];
  (entries ?? []).forEach((entry, index) => {
    if (typeof entry !== "string" || !entry.startsWith("/")) {
      issues.push({ path: `allowedBindSources.${index}`, message: "must be an absolute host directory" });
    } else if (hasParentSegment(entry)) {
      issues.push({ path: `allowedBindSources.${index}`, message: "must not contain '..' segments" });
    } else {
      normalized.push(normalizeHostPath(entry));
    }
  });
  if (issues.length > 0) {
    throw new ConfigurationError(`Invalid allowedBindSources: ${issues[0]?.message}`, { issues });
  }
  return Object.freeze(normalized);
}

/** The host path behind symlinks, or `undefined` when this process cannot see it (absent, or a remote engine). */
async function resolvedOrUndefined(hostPath: string): Promise<string | undefined> {
  try {
    return await realpath(hostPath);
  } catch {
    return undefined;
  }
}

/**
 * The bind mounts whose source lies outside the allowed directories, one
 * issue each (`volumes.N.source`, `N` the mount's index). Never throws; an
 * entry that is `undefined` (a mount the caller could not read) is skipped.
 *
 * Compared on normalised paths; a source with a `..` segment is refused
 * outright. Where this process sees the path, its real path (symlinks
 * resolved) must be allowed too: a container with an allowed directory
 * mounted read-write could otherwise plant `link -> /` in it for the next
 * container to mount.
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
  const resolvedAllowed = allowed.length > 0 ? await resolveAll(allowed) : [];
  for (const [index, mount] of mounts.entries()) {
    if (mount === undefined || mountTypeOf(mount) !== "bind") continue;
    const issuePath = `volumes.${index}.source`;
    const source = mount.source;
    if (hasParentSegment(source)) {
      issues.push({ path: issuePath, message: `bind source '${source}' must not contain '..' segments` });
      continue;
    }
    const normalized = normalizeHostPath(source);
    const lexicallyAllowed = normalized.startsWith("/") && allowed.some((entry) => isWithin(normalized, entry));
    const real = lexicallyAllowed ? await resolvedOrUndefined(normalized) : undefined;
    const allowedReally = real === undefined || [...allowed, ...resolvedAllowed].some((entry) => isWithin(real, entry));
    if (!lexicallyAllowed || !allowedReally) {
      const where = lexicallyAllowed ? ` (it resolves to '${real}')` : "";
      issues.push({
        path: issuePath,
        message:
          `bind mount of host path '${source}'${where} is not allowed: the Docker driver refuses host paths by default; ` +
          "add its directory to the driver's `allowedBindSources` option to allow it",
      });
    }
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

/** The allowed directories behind symlinks (`/tmp` is one on some hosts), so real paths compare with them. */
async function resolveAll(entries: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(entries.map(resolvedOrUndefined));
  return resolved.filter((entry): entry is string => entry !== undefined);
}
