/**
 * The Docker driver's options, their defaults (stated once, in
 * {@link DOCKER_DRIVER_DEFAULTS}) and their check: a bad option is a
 * `ConfigurationError` from the constructor, before any engine call.
 *
 * @module
 */
import os from "node:os";
import type Docker from "dockerode";
import {
  type Clock,
  ConfigurationError,
  systemClock,
  DEFAULT_STOP_GRACE_MS,
  MAX_TIMER_DELAY_MS,
} from "../../../src/index.js";
import { normalizeAllowedBindSources } from "./bind-policy.js";
import type { EngineRetryOptions } from "./engine-call.js";
import { isValidNamespace } from "./labels.js";
import { BYTES_PER_MB, type ContainerLogConfig } from "./mapping.js";

/**
 * What the driver does with `resources.disk` when the engine's storage
 * driver cannot limit a container's disk size (overlay2 on anything but xfs
 * with `pquota`, the common case):
 *
 * - `"enforce"`: refuse the create with `DiskLimitUnsupportedError`
 *   (a `ConfigurationError`), so no container runs without its limit.
 * - `"best-effort"`: create the container, record the requested limit and
 *   `org.openagent.disk-limit=unenforced` in its labels, report
 *   `diskLimitEnforced: false` on the instance and `diskLimit: "unenforced"`
 *   in `healthCheck()`.
 *
 * Where the storage driver supports it, both modes apply the limit.
 */
export type DiskLimitMode = "enforce" | "best-effort";

/**
 * The defaults of {@link DockerDriverOptions} that do not depend on the host
 * (`maxCpu` and `maxMemoryMb` default to the host's cores and memory).
 *
 * @example
 * ```ts
 * new DockerDriver({ stopTimeoutMs: DOCKER_DRIVER_DEFAULTS.stopTimeoutMs * 3 });
 * ```
 */
export const DOCKER_DRIVER_DEFAULTS = Object.freeze({
  /** Where dockerd listens unless told otherwise. */
  socketPath: "/var/run/docker.sock",
  namespace: "default",
  /** The kernel's usual `pid_max`. */
  maxPids: 32_768,
  diskLimit: "best-effort" as DiskLimitMode,
  tmpfsSizeMb: 64,
  init: true,
  callTimeoutMs: 30_000,
  /** The contract's default grace period of `stopContainer`. */
  stopTimeoutMs: DEFAULT_STOP_GRACE_MS,
  removeTimeoutMs: 2_000,
  /** `json-file`, rotated at 10 MB and kept to 3 files: at most about 30 MB of output per container on the host. */
  logConfig: Object.freeze({
    type: "json-file",
    options: Object.freeze({ "max-size": "10m", "max-file": "3" }),
  }) as ContainerLogConfig,
  /**
   * Ten seconds: a sweep is one list call (about 10 ms with 1,000 containers in
   * the namespace, see docs/PERFORMANCE.md), so six a minute cost the engine
   * nothing noticeable, and an expiry set in minutes or hours is honoured to
   * within a few per cent; the driver's own creates and moves are swept at
   * their expiry anyway (see expiry.ts).
   */
  expirySweepIntervalMs: 10_000,
  /** Ten minutes: long enough for an engine to be restarted by hand, short enough that nothing waits on it for long. */
  reconcileWindowMs: 600_000,
});

/** Options of `DockerDriver`. Every field is optional. */
export type DockerDriverOptions = {
  /** The engine's unix socket. Default `/var/run/docker.sock`, where dockerd listens unless told otherwise. */
  readonly socketPath?: string;
  /**
   * Host directories a container may bind-mount from: absolute paths of
   * existing directories on the driver's host, reached without a symlink and
   * not inside one another. A bind source must be one of them (read-only) or
   * an entry directly inside one (read-only or read-write), named by its real
   * path. Default `[]`: every bind mount is refused with `ConfigurationError`
   * (issue path `volumes.N.source`) before anything is created, because a
   * bind mount of `/var/run/docker.sock` or `/` hands the container the host.
   * The depth rule is what makes the check hold until the engine mounts the
   * source at start: no container can write to a directory on the path of a
   * bind source, so none can swap a part of it for a symlink in between. The
   * operator keeps the allowed directories themselves to themselves (no other
   * tool's container mounts them read-write, no engine volume lives inside).
   *
   * @example
   * ```ts
   * const driver = new DockerDriver({ allowedBindSources: ["/srv/agent-data"] });
   * // allowed: { source: "/srv/agent-data/s-1", target: "/data" }
   * // allowed: { source: "/srv/agent-data", target: "/all", readOnly: true }
   * // refused: { source: "/srv/agent-data/s-1/sub", target: "/sub" } (two levels below)
   * // refused: { source: "/var/run/docker.sock", target: "/run/docker.sock" }
   * ```
   */
  readonly allowedBindSources?: readonly string[];
  /**
   * Which objects this instance owns: it sees, manages and cleans up only
   * containers, volumes and networks labelled with its namespace. Two
   * deployments on one engine use two namespaces; a restarted driver uses the
   * same one to pick up its containers. `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most
   * 64 characters. Default `"default"`.
   */
  readonly namespace?: string;
  /** Most CPU cores one container may ask for. Default: the host's cores (`os.availableParallelism()`). */
  readonly maxCpu?: number;
  /** Most memory one container may ask for, in MB. Default: the host's memory (`os.totalmem()`). */
  readonly maxMemoryMb?: number;
  /** Most processes one container may ask for. Default 32 768, the kernel's usual `pid_max`. */
  readonly maxPids?: number;
  /** See {@link DiskLimitMode}. Default `"best-effort"`, so the default config (disk 1024 MB) works on a plain overlay2 engine. */
  readonly diskLimit?: DiskLimitMode;
  /**
   * Size of the writable tmpfs mounted at `/tmp` of containers with a
   * read-only root file system, in MB. Default 64: room for scratch files; it
   * is memory and counts against the container's memory limit.
   */
  readonly tmpfsSizeMb?: number;
  /**
   * Run the engine's init (tini) as PID 1. Default `true`: a shell or a
   * `sleep` as PID 1 ignores SIGTERM, so without it every stop waits for the
   * full grace period; init also reaps zombie processes.
   */
  readonly init?: boolean;
  /** Time one engine call may take, in ms, before it fails with `TimeoutError`. Default 30 000. */
  readonly callTimeoutMs?: number;
  /** Grace period of `stopContainer` when the caller gives none, in ms. Default 10 000, as the contract says. */
  readonly stopTimeoutMs?: number;
  /** Grace period before a running container is killed by `removeContainer`, in ms. Default 2 000. */
  readonly removeTimeoutMs?: number;
  /**
   * Retry policy for engine calls (see `withRetry`). Default: `withRetry`'s
   * defaults (3 attempts, 100 ms base delay, full jitter). Only retryable
   * errors are retried, creates only when the request never reached the engine.
   */
  readonly retry?: EngineRetryOptions;
  /**
   * How the engine stores each container's output (`HostConfig.LogConfig`).
   * Default: `json-file` with `max-size` 10m and `max-file` 3, so a container
   * keeps at most about 30 MB of output on the host's disk, however much it
   * writes (without rotation it can fill the disk, and a read of its log never
   * ends). Older output is dropped by the engine; a log read returns what the
   * engine kept. `"engine-default"` sets nothing, for engines whose
   * `daemon.json` already sets `log-driver` and `log-opts`. The driver must
   * be able to read the logs back: `none` is refused; drivers the engine
   * cannot read are served from its local cache (`dual logging`).
   *
   * @example
   * ```ts
   * new DockerDriver({ logConfig: { type: "local", options: { "max-size": "20m", "max-file": "5" } } });
   * ```
   */
  readonly logConfig?: ContainerLogConfig | "engine-default";
  /**
   * How often a running driver sweeps its namespace for expired containers,
   * in ms (see expiry.ts): an expiry set by another driver instance is
   * honoured within this; this instance's own creates and moves are swept at
   * their expiry. Default 10 000 (see {@link DOCKER_DRIVER_DEFAULTS}); tests
   * use a few hundred.
   */
  readonly expirySweepIntervalMs?: number;
  /**
   * How long the driver keeps trying to remove what a create whose answer
   * was lost (engine crash, timeout) may have made, in ms (see orphans.ts);
   * `close()` ends it sooner. Default 600 000 (ten minutes).
   */
  readonly reconcileWindowMs?: number;
  /**
   * A dockerode client to use instead of one on `socketPath` (tests, a TCP
   * engine). Default: none (one on `socketPath` with an HTTP agent of its
   * own, whose connections `close()` ends).
   */
  readonly docker?: Docker;
  /** Time source for `createdAt` fallbacks and `uptime`. Default `systemClock`. */
  readonly clock?: Clock;
};

/** {@link DockerDriverOptions} with every default applied and every entry checked. */
export type ResolvedDockerDriverOptions = Readonly<
  Required<Omit<DockerDriverOptions, "docker" | "maxCpu" | "maxMemoryMb" | "maxPids" | "logConfig">> & {
    /** The caller's dockerode client, if any. */
    docker: Docker | undefined;
    /** The most one container may ask for. */
    limits: Readonly<{ cpu: number; memory: number; pids: number }>;
    /** The log config every container gets; `undefined`: the engine's default. */
    logConfig: ContainerLogConfig | undefined;
  }
>;

/**
 * The options with their defaults, or a `ConfigurationError` naming each bad
 * entry (`namespace`, `allowedBindSources.N`, `logConfig.type`,
 * `logConfig.options.KEY`). Reads the file system once, to
 * check that each allowed directory exists and is no symlink.
 *
 * @example
 * ```ts
 * resolveDockerDriverOptions({ namespace: "my-app" }).stopTimeoutMs; // 10000
 * resolveDockerDriverOptions({ namespace: "bad name" }); // throws ConfigurationError (namespace)
 * ```
 */
export function resolveDockerDriverOptions(options: DockerDriverOptions = {}): ResolvedDockerDriverOptions {
  const defaults = DOCKER_DRIVER_DEFAULTS;
  const namespace = options.namespace ?? defaults.namespace;
  if (!isValidNamespace(namespace)) {
    throw new ConfigurationError(`Invalid namespace '${namespace}'`, {
      issues: [
        { path: "namespace", message: "must be 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit" },
      ],
    });
  }
  return Object.freeze({
    socketPath: options.socketPath ?? defaults.socketPath,
    allowedBindSources: normalizeAllowedBindSources(options.allowedBindSources),
    namespace,
    limits: Object.freeze({
      cpu: options.maxCpu ?? os.availableParallelism(),
      memory: options.maxMemoryMb ?? Math.floor(os.totalmem() / BYTES_PER_MB),
      pids: options.maxPids ?? defaults.maxPids,
    }),
    diskLimit: options.diskLimit ?? defaults.diskLimit,
    tmpfsSizeMb: options.tmpfsSizeMb ?? defaults.tmpfsSizeMb,
    init: options.init ?? defaults.init,
    callTimeoutMs: options.callTimeoutMs ?? defaults.callTimeoutMs,
    stopTimeoutMs: options.stopTimeoutMs ?? defaults.stopTimeoutMs,
    removeTimeoutMs: options.removeTimeoutMs ?? defaults.removeTimeoutMs,
    logConfig: resolveLogConfig(options.logConfig),
    expirySweepIntervalMs: positiveMs(
      "expirySweepIntervalMs",
      options.expirySweepIntervalMs,
      defaults.expirySweepIntervalMs,
    ),
    reconcileWindowMs: positiveMs("reconcileWindowMs", options.reconcileWindowMs, defaults.reconcileWindowMs),
    retry: options.retry ?? {},
    docker: options.docker,
    clock: options.clock ?? systemClock,
  });
}

/** A log driver's name as the engine accepts it: a word, or a plugin's `name:tag`. */
const LOG_DRIVER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

function resolveLogConfig(option: ContainerLogConfig | "engine-default" | undefined): ContainerLogConfig | undefined {
  if (option === "engine-default") return undefined;
  if (option === undefined) return DOCKER_DRIVER_DEFAULTS.logConfig;
  const issues: { path: string; message: string }[] = [];
  const type: unknown = (option as { type?: unknown }).type;
  if (typeof type !== "string" || !LOG_DRIVER_PATTERN.test(type)) {
    issues.push({ path: "logConfig.type", message: "must be the name of an engine log driver, such as json-file" });
  } else if (type === "none") {
    issues.push({ path: "logConfig.type", message: "'none' keeps no output, and getContainerLogs must read it" });
  }
  const entries: unknown = (option as { options?: unknown }).options;
  const options: [string, string][] = [];
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) {
    issues.push({ path: "logConfig.options", message: "must be an object of string values" });
  } else {
    for (const [key, value] of Object.entries(entries)) {
      if (key === "" || typeof value !== "string") {
        issues.push({ path: `logConfig.options.${key}`, message: "must be a non-empty key with a string value" });
      } else options.push([key, value]);
    }
  }
  if (issues.length > 0) {
    throw new ConfigurationError("Invalid logConfig", { issues });
  }
  // fromEntries defines own properties: a key such as `__proto__` stays a key.
  return Object.freeze({ type: type as string, options: Object.freeze(Object.fromEntries(options)) });
}

/** A duration option: a finite number of ms, `> 0` and at most a timer's reach; `ConfigurationError` naming it otherwise. */
function positiveMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_DELAY_MS) {
    throw new ConfigurationError(`Invalid ${name} (${String(value)})`, {
      issues: [{ path: name, message: `must be a number of ms, > 0 and at most ${MAX_TIMER_DELAY_MS}` }],
    });
  }
  return value;
}
