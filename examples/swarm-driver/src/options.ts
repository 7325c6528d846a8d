/**
 * The Swarm driver's options, their defaults and their check: a bad option is
 * a `ConfigurationError` from the constructor, before any engine call. The
 * options it shares with the Docker driver (namespace, limits, bind policy,
 * init, tmpfs, call timeout, grace periods, retries) have the Docker
 * driver's defaults and checks, imported from it.
 *
 * @module
 */
import os from "node:os";
import { type Clock, ConfigurationError, type ConfigurationIssue, systemClock } from "../../../src/index.js";
import { normalizeAllowedBindSources } from "../../docker-driver/src/bind-policy.js";
import type { EngineRetryOptions } from "../../docker-driver/src/engine-call.js";
import { isValidNamespace } from "../../docker-driver/src/labels.js";
import { BYTES_PER_MB } from "../../docker-driver/src/mapping.js";
import { DOCKER_DRIVER_DEFAULTS } from "../../docker-driver/src/options.js";

/**
 * The defaults of {@link SwarmDriverOptions} that are the Swarm driver's own.
 *
 * @example
 * ```ts
 * new SwarmDriver({ managers, nodes, startTimeoutMs: SWARM_DRIVER_DEFAULTS.startTimeoutMs * 2 });
 * ```
 */
export const SWARM_DRIVER_DEFAULTS = Object.freeze({
  /**
   * How long `startContainer` waits for the task to run, in ms: scheduling,
   * the node's preparation and the container's start. 1.5–2.5 s on the test
   * cluster; a minute leaves room for a loaded cluster.
   */
  startTimeoutMs: 60_000,
  /** Interval between two reads of a task's state while waiting for it, in ms. */
  pollIntervalMs: 100,
});

/** Options of `SwarmDriver`. `managers` and `nodes` are required; every other field is optional. */
export type SwarmDriverOptions = {
  /**
   * The Engine API sockets of the swarm's managers, tried in this order; the
   * driver moves to the next when one cannot serve (its dockerd is down, or it
   * lost its leader). Give every manager, so the driver survives the loss of
   * any one. At least one.
   */
  readonly managers: readonly string[];
  /**
   * The Engine API socket of every node that may run the driver's containers,
   * keyed by Swarm node ID or host name. Exec, file copies, stops with a grace
   * period and logs go to the engine of the node that runs the task. The
   * driver places containers only on nodes listed here. At least one.
   */
  readonly nodes: Readonly<Record<string, string>>;
  /**
   * Every node's dockerd sets no-new-privileges on every container
   * (`"no-new-privileges": true` in its daemon.json). Swarm 20.10 drops the
   * service spec's `NoNewPrivileges` and no Engine API call reports the
   * daemon's setting, so the driver takes the operator's word: with `true`,
   * `security.noNewPrivileges` holds (and a config asking for `false` is a
   * `ConfigurationError`); with `false`, a config asking for it is created
   * with `security.noNewPrivileges` in its `unenforced`. Default `false`.
   */
  readonly nodeNoNewPrivileges?: boolean;
  /** As the Docker driver's `namespace`: which services, volumes and networks this instance owns. Default `"default"`. */
  readonly namespace?: string;
  /** As the Docker driver's `allowedBindSources`, for host paths of the node that runs the task. Default `[]`. */
  readonly allowedBindSources?: readonly string[];
  /** Most CPU cores one container may ask for. Default: this host's cores; set it to your smallest node's. */
  readonly maxCpu?: number;
  /** Most memory one container may ask for, in MB. Default: this host's memory; set it to your smallest node's. */
  readonly maxMemoryMb?: number;
  /** Most processes one container may ask for. Default 32 768, the kernel's usual `pid_max`. */
  readonly maxPids?: number;
  /** As the Docker driver's `tmpfsSizeMb`: the tmpfs at `/tmp` of a read-only container, in MB. Default 64. */
  readonly tmpfsSizeMb?: number;
  /** As the Docker driver's `init`: an init process as PID 1 of every task. Default `true`. */
  readonly init?: boolean;
  /** Time one engine call may take, in ms. Default 30 000. */
  readonly callTimeoutMs?: number;
  /** Grace period of `stopContainer` when the caller gives none, in ms. Default 10 000, as the contract says. */
  readonly stopTimeoutMs?: number;
  /** Grace period before a running container is killed by `removeContainer`, in ms. Default 2 000. */
  readonly removeTimeoutMs?: number;
  /** See {@link SWARM_DRIVER_DEFAULTS}.startTimeoutMs. Default 60 000. */
  readonly startTimeoutMs?: number;
  /** See {@link SWARM_DRIVER_DEFAULTS}.pollIntervalMs. Default 100. */
  readonly pollIntervalMs?: number;
  /** How often the driver sweeps its namespace for expired containers, in ms (sooner when it knows an expiry falls sooner). Default 10 000. */
  readonly expirySweepIntervalMs?: number;
  /** As the Docker driver's `retry`. Default: `withRetry`'s defaults. */
  readonly retry?: EngineRetryOptions;
  /** Time source for deadlines and `uptime`. Default `systemClock`. */
  readonly clock?: Clock;
};

/** {@link SwarmDriverOptions} with every default applied and every entry checked. */
export type ResolvedSwarmDriverOptions = Readonly<
  Required<Omit<SwarmDriverOptions, "maxCpu" | "maxMemoryMb" | "maxPids">> & {
    /** The most one container may ask for. */
    limits: Readonly<{ cpu: number; memory: number; pids: number }>;
  }
>;

function positive(value: number | undefined, fallback: number, path: string, issues: ConfigurationIssue[]): number {
  const resolved = value ?? fallback;
  if (!(Number.isFinite(resolved) && resolved > 0)) issues.push({ path, message: "must be a positive number" });
  return resolved;
}

/**
 * The options with their defaults, or a `ConfigurationError` naming each bad
 * entry (`managers`, `nodes`, `namespace`, `allowedBindSources.N`, a time).
 *
 * @example
 * ```ts
 * resolveSwarmDriverOptions({ managers: ["/run/m1.sock"], nodes: { n1: "/run/m1.sock" } }).startTimeoutMs; // 60000
 * resolveSwarmDriverOptions({ managers: [], nodes: {} }); // throws ConfigurationError (managers, nodes)
 * ```
 */
export function resolveSwarmDriverOptions(options: SwarmDriverOptions): ResolvedSwarmDriverOptions {
  const issues: ConfigurationIssue[] = [];
  const managers = Array.isArray(options?.managers) ? options.managers : [];
  if (managers.length === 0 || !managers.every((socket) => typeof socket === "string" && socket.startsWith("/"))) {
    issues.push({
      path: "managers",
      message: "must list the managers' Engine API sockets (absolute paths), at least one",
    });
  }
  const nodes = typeof options?.nodes === "object" && options.nodes !== null ? options.nodes : {};
  const nodeEntries = Object.entries(nodes);
  if (
    nodeEntries.length === 0 ||
    !nodeEntries.every(([, socket]) => typeof socket === "string" && socket.startsWith("/"))
  ) {
    issues.push({
      path: "nodes",
      message: "must map node IDs or host names to Engine API sockets (absolute paths), at least one",
    });
  }
  const defaults = DOCKER_DRIVER_DEFAULTS;
  const namespace = options?.namespace ?? defaults.namespace;
  if (!isValidNamespace(namespace)) {
    issues.push({
      path: "namespace",
      message: "must be 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit",
    });
  }
  const resolved = {
    managers: Object.freeze([...managers]),
    nodes: Object.freeze({ ...nodes }),
    namespace,
    allowedBindSources: [] as readonly string[],
    limits: Object.freeze({
      cpu: positive(options?.maxCpu, os.availableParallelism(), "maxCpu", issues),
      memory: positive(options?.maxMemoryMb, Math.floor(os.totalmem() / BYTES_PER_MB), "maxMemoryMb", issues),
      pids: positive(options?.maxPids, defaults.maxPids, "maxPids", issues),
    }),
    tmpfsSizeMb: positive(options?.tmpfsSizeMb, defaults.tmpfsSizeMb, "tmpfsSizeMb", issues),
    init: options?.init ?? defaults.init,
    nodeNoNewPrivileges: options?.nodeNoNewPrivileges === true,
    callTimeoutMs: positive(options?.callTimeoutMs, defaults.callTimeoutMs, "callTimeoutMs", issues),
    stopTimeoutMs: options?.stopTimeoutMs ?? defaults.stopTimeoutMs,
    removeTimeoutMs: options?.removeTimeoutMs ?? defaults.removeTimeoutMs,
    startTimeoutMs: positive(options?.startTimeoutMs, SWARM_DRIVER_DEFAULTS.startTimeoutMs, "startTimeoutMs", issues),
    pollIntervalMs: positive(options?.pollIntervalMs, SWARM_DRIVER_DEFAULTS.pollIntervalMs, "pollIntervalMs", issues),
    expirySweepIntervalMs: positive(
      options?.expirySweepIntervalMs,
      defaults.expirySweepIntervalMs,
      "expirySweepIntervalMs",
      issues,
    ),
    retry: options?.retry ?? {},
    clock: options?.clock ?? systemClock,
  };
  if (issues.length > 0) {
    throw new ConfigurationError(`Invalid Swarm driver options: ${issues.map((issue) => issue.path).join(", ")}`, {
      issues,
    });
  }
  // Checked last: it throws its own ConfigurationError naming the entry.
  resolved.allowedBindSources = normalizeAllowedBindSources(options.allowedBindSources);
  return Object.freeze(resolved);
}

/**
 * Options read from the environment the test cluster writes
 * (`/run/openagent-swarm/env`, docs/SCALE.md): `SWARM_MANAGER_SOCKETS`
 * (comma-separated sockets) and `SWARM_NODE_ID_SOCKETS` or
 * `SWARM_NODE_SOCKETS` (comma-separated `key=socket` pairs), and
 * `SWARM_NODE_NO_NEW_PRIVILEGES=1` for `nodeNoNewPrivileges`; `undefined`
 * when the sockets are missing.
 *
 * @example
 * ```ts
 * const cluster = swarmOptionsFromEnvironment(process.env);
 * if (cluster !== undefined) new SwarmDriver({ ...cluster, namespace: "ci" });
 * ```
 */
export function swarmOptionsFromEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
): Pick<SwarmDriverOptions, "managers" | "nodes" | "nodeNoNewPrivileges"> | undefined {
  const managers = (environment.SWARM_MANAGER_SOCKETS ?? "").split(",").filter((entry) => entry !== "");
  const pairs = (environment.SWARM_NODE_ID_SOCKETS ?? environment.SWARM_NODE_SOCKETS ?? "")
    .split(",")
    .filter((entry) => entry.includes("="));
  if (managers.length === 0 || pairs.length === 0) return undefined;
  const nodes: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    nodes[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { managers, nodes, nodeNoNewPrivileges: environment.SWARM_NODE_NO_NEW_PRIVILEGES === "1" };
}
