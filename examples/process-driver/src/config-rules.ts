/**
 * What a child process on the host can and cannot honour of a container
 * config. It refuses every promise of isolation it cannot keep (a read-only
 * root, another user, dropped capabilities, no network, a bind mount at a
 * target), with one `ConfigurationError` naming each field, rather than
 * downgrade in silence; what it accepts without enforcing (the image, the
 * resource limits, a network's separation, a volume's target) it lists in
 * the instance's `unenforced`.
 *
 * @module
 */
import { userInfo } from "node:os";
import {
  type ConfigurationIssue,
  type ContainerConfig,
  containerConfigIssues,
  ConfigurationError,
  mountTypeOf,
  NO_NETWORK,
} from "../../../src/index.js";

/** The network name that means "the host's", the only network a process has; it needs no `createNetwork`. */
export const HOST_NETWORK = "host";

/** The config paths this driver accepts and never enforces, as `healthCheck().unenforced` lists them. */
export const ALWAYS_UNENFORCED: readonly string[] = Object.freeze([
  "image",
  "resources.cpu",
  "resources.memory",
  "resources.disk",
  "resources.pids",
  "network",
]);

/** Who the driver's processes run as: the driver's own user, by name and by numeric id. */
export type ProcessUser = { readonly name: string; readonly uid: number; readonly gid: number };

/**
 * The user the driver runs as.
 *
 * @example
 * ```ts
 * currentUser(); // { name: "openagent", uid: 1000, gid: 1000 }
 * ```
 */
export function currentUser(): ProcessUser {
  const info = userInfo();
  return { name: info.username, uid: info.uid, gid: info.gid };
}

/** Whether `user` (a config's `security.user`) names `self`: its name or uid, optionally with its group. */
function isSelf(user: string, self: ProcessUser): boolean {
  const [name, group] = user.split(":");
  const sameUser = name === self.name || name === String(self.uid);
  return sameUser && (group === undefined || group === String(self.gid));
}

/** The issues of what a process cannot honour, one per field; empty when it can honour the config. */
export function processIssues(config: ContainerConfig, self: ProcessUser): ConfigurationIssue[] {
  const issues: ConfigurationIssue[] = [];
  const { security } = config;
  const add = (path: string, message: string) => issues.push({ path, message });
  if (config.command === undefined || config.command.length === 0) {
    add("command", "a process driver has no image to take a default command from: give a command");
  }
  if (security.readOnly) {
    add("security.readOnly", "a process cannot have a read-only root of its own: set readOnly to false");
  }
  if (security.noNewPrivileges) {
    add("security.noNewPrivileges", "this driver cannot set no_new_privs on the process it spawns: set it to false");
  }
  if (!isSelf(security.user, self)) {
    add(
      "security.user",
      `processes run as the driver's user (${self.name}, uid ${self.uid}): set user to "${self.uid}"`,
    );
  }
  if (security.capabilities.drop.length > 0) {
    add("security.capabilities.drop", "this driver cannot drop capabilities from a process: give an empty list");
  }
  if (security.capabilities.add.length > 0) {
    add("security.capabilities.add", "this driver cannot grant capabilities: give an empty list");
  }
  if (config.network === NO_NETWORK) {
    add(
      "network",
      `a process shares the host's network; it cannot have none: name "${HOST_NETWORK}" or a created network`,
    );
  }
  config.volumes.forEach((mount, index) => {
    if (mountTypeOf(mount) === "bind") {
      add(`volumes.${index}.source`, "this driver does not mount host paths: use a volume");
    }
  });
  if (config.ttlMs !== undefined) add("ttlMs", "this driver does not expire containers (no expiry capability)");
  if (config.idempotencyKey !== undefined) {
    add("idempotencyKey", "this driver does not deduplicate creates (no idempotency capability)");
  }
  return issues;
}

/**
 * The config, checked: the contract's schema first, then what a process can
 * honour; every problem in one `ConfigurationError`.
 *
 * @example
 * ```ts
 * const config = checkProcessConfig(input, currentUser()); // throws for readOnly: true
 * ```
 */
export function checkProcessConfig(input: unknown, self: ProcessUser): ContainerConfig {
  const schemaIssues = containerConfigIssues(input);
  const issues = schemaIssues.length > 0 ? schemaIssues : processIssues(input as ContainerConfig, self);
  if (issues.length > 0) {
    const list = issues.map((issue) => `${issue.path || "config"}: ${issue.message}`).join("; ");
    throw new ConfigurationError(`The process driver cannot create this container: ${list}`, { issues });
  }
  return input as ContainerConfig;
}

/**
 * What this container's config asks for that the driver accepts without
 * enforcing: always the image, the resources and the network; the volumes
 * when it has any (a volume is a directory of the driver's, not mounted at
 * its target).
 *
 * @example
 * ```ts
 * unenforcedFor(config); // ["image", "resources.cpu", ..., "network", "volumes"]
 * ```
 */
export function unenforcedFor(config: ContainerConfig): string[] {
  return config.volumes.length === 0 ? [...ALWAYS_UNENFORCED] : [...ALWAYS_UNENFORCED, "volumes"];
}
