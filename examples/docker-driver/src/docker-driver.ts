/**
 * `DockerDriver`: the contract implemented over the Docker Engine API,
 * through the engine's unix socket with dockerode.
 *
 * The engine is the only store of state. Containers, volumes and networks
 * carry ownership labels (driver, namespace, session), every lookup checks
 * them, and status, exit codes and logs are read from the engine on every
 * call. A driver restarted with the same namespace therefore sees and manages
 * what an earlier instance created, and `cleanup()` removes exactly its own
 * objects on a shared engine.
 *
 * Failures go through the package's resilience helpers: `toDriverError` maps
 * what dockerode throws to the contract's errors, `withTimeout` bounds every
 * call, `withRetry` retries what is retryable (a create only when the request
 * never reached the engine), and `KeyedMutex` serialises operations on one id.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import Docker from "dockerode";
import {
  type Clock,
  ConfigurationError,
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  ContainerNotFoundError,
  ContainerStartError,
  type ContainerStatus,
  type DriverError,
  type DriverHealth,
  type ErrorMappingContext,
  getErrorMessage,
  isRetryableError,
  KeyedMutex,
  type LogOptions,
  mayHaveTakenEffect,
  type Network,
  type NetworkConfig,
  NetworkCreationError,
  NetworkError,
  NetworkNotFoundError,
  NetworkRemoveError,
  parseContainerConfig,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseStopOptions,
  parseVolumeConfig,
  RESOURCE_NAME_PATTERN,
  ResourceLimitError,
  type RetryOptions,
  type StopOptions,
  systemClock,
  type Transition,
  toDriverError,
  transitionFor,
  type Volume,
  type VolumeConfig,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
  withRetry,
  withTimeout,
} from "../../../src/index.js";
import { checkBindMounts, mountTypeOf, normalizeAllowedBindSources } from "./bind-policy.js";
import {
  type DiskLimitPlan,
  type DockerContainerInstance,
  ENGINE_MIN_MEMORY_MB,
  statusFromEngine,
  toCreateOptions,
  toInstance,
} from "./engine-mapping.js";
import { DiskLimitUnsupportedError } from "./errors.js";
import {
  baseName,
  containerName,
  hasStoppedMarker,
  isOwnedBy,
  isValidNamespace,
  OWNER_LABELS,
  ownerLabelFilter,
  ownerLabels,
  reservedKeysIn,
  STOPPED_NAME_SUFFIX,
  userLabels,
} from "./labels.js";
import { demultiplex, formatLogs, toLines } from "./logs.js";

/**
 * What the driver does with `resources.disk` when the engine's storage
 * driver cannot limit a container's disk size (overlay2 on anything but xfs
 * with `pquota`, the common case):
 *
 * - `"enforce"`: refuse the create with {@link DiskLimitUnsupportedError}
 *   (a `ConfigurationError`), so no container runs without its limit.
 * - `"best-effort"`: create the container, record the requested limit and
 *   `org.openagent.disk-limit=unenforced` in its labels, report
 *   `diskLimitEnforced: false` on the instance and `diskLimit: "unenforced"`
 *   in `healthCheck()`.
 *
 * Where the storage driver supports it, both modes apply the limit.
 */
export type DiskLimitMode = "enforce" | "best-effort";

/** Options of {@link DockerDriver}. Every field is optional. */
export type DockerDriverOptions = {
  /** The engine's unix socket. Default `/var/run/docker.sock`, where dockerd listens unless told otherwise. */
  readonly socketPath?: string;
  /**
   * Host directories a container may bind-mount from: absolute paths, each
   * allowing itself and everything below it (whole segments: `/srv/data`
   * allows `/srv/data/x`, not `/srv/database`). Default `[]`: every bind
   * mount is refused with `ConfigurationError` (issue path
   * `volumes.N.source`) before anything is created, because a bind mount of
   * `/var/run/docker.sock` or `/` hands the container the host. Sources are
   * compared normalised, a source with a `..` segment is refused, and where
   * the driver sees the path its real path (symlinks resolved) must be
   * allowed too. Allow only directories meant for agents, and mount them
   * read-only where you can: a container that can write into an allowed
   * directory can plant a symlink there between the check and the engine's
   * mount.
   *
   * @example
   * ```ts
   * const driver = new DockerDriver({ allowedBindSources: ["/srv/agent-data"] });
   * // allowed: { source: "/srv/agent-data/s-1", target: "/data", readOnly: true }
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
  readonly retry?: Omit<RetryOptions, "shouldRetry" | "signal">;
  /** A dockerode client to use instead of one on `socketPath` (tests, a TCP engine). Default: none. */
  readonly docker?: Docker;
  /** Time source for `createdAt` fallbacks and `uptime`. Default `systemClock`. */
  readonly clock?: Clock;
};

/** `healthCheck()`'s result: the contract's fields and what the engine said about itself. */
export type DockerDriverHealth = DriverHealth & {
  /** The engine's version, when it answered. */
  readonly engineVersion?: string;
  /** The engine's API version, when it answered. */
  readonly apiVersion?: string;
  /** Whether disk limits are applied; `unknown` until the storage driver was examined. */
  readonly diskLimit: "enforced" | "unenforced" | "unknown";
  /** The namespace the counts cover. */
  readonly namespace: string;
};

/** What `cleanup()` removed. */
export type CleanupReport = {
  readonly containers: number;
  readonly volumes: number;
  readonly networks: number;
};

type DiskPlanInfo = DiskLimitPlan & { readonly storageDriver: string; readonly backingFilesystem: string | undefined };

type CallOptions = {
  /** Time the call may take; `Infinity` for calls that wait on the container (follow). */
  readonly timeoutMs?: number;
  /** Retry only when the request never reached the engine (creates). */
  readonly onlyIfNotSent?: boolean;
  /** Attempts in total; 1 disables retries (health checks report the present). */
  readonly maxAttempts?: number;
};

/** Engine ids are 64 hex digits; anything else is not an id this driver handed out. */
const ENGINE_ID = /^[0-9a-f]{64}$/;
const MiB = 1024 * 1024;
/** The longest grace period a stop gets, in seconds (23 days). */
const MAX_GRACE_SECONDS = 2_000_000;
/** The longest delay a timer can hold, in ms. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;
const DRIVER_NAME = "docker";
const DRIVER_VERSION = "1.0.0";

function statusCodeOf(error: unknown): number | undefined {
  const code = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof code === "number" ? code : undefined;
}

/** The engine answers 304 to starting a running or stopping a stopped container: a no-op in the contract. */
async function ignoreNotModified(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (statusCodeOf(error) !== 304) throw error;
  }
}

/** The error of a rejecting transition, by the name the lifecycle table gives. */
const TRANSITION_REJECTIONS: Record<
  Extract<Transition, { kind: "reject" }>["error"],
  (id: string, status: ContainerStatus) => DriverError
> = {
  ContainerStartError: (id, status) =>
    new ContainerStartError(id, `its status is '${status}'; remove it and create a new one`),
};

function requireString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new ConfigurationError(`${what} must be a string`, { issues: [{ path: "", message: "must be a string" }] });
  }
  return value;
}

/**
 * A `ContainerDriver` over a Docker engine.
 *
 * @example
 * ```ts
 * import { createDriverConfig } from "@openagent/driver-interface";
 * import { DockerDriver } from "./docker-driver.js";
 *
 * const driver = new DockerDriver({ namespace: "my-app" });
 * const container = await driver.createContainer(
 *   createDriverConfig({ sessionId: "s-1", image: "openagent-test/busybox:latest", command: ["echo", "hi"] }),
 * );
 * await driver.startContainer(container.id);
 * console.log(await driver.getContainerLogs(container.id, { follow: true })); // "hi\n"
 * await driver.removeContainer(container.id);
 * ```
 */
export class DockerDriver implements ContainerDriver {
  /** `docker`: also the value of the `org.openagent.driver` ownership label. */
  readonly name = DRIVER_NAME;
  /** The driver's semantic version. */
  readonly version = DRIVER_VERSION;
  /** It really runs commands: output, exit codes, volumes and security are real. */
  readonly capabilities = ["execution"] as const;
  /** The namespace whose objects this instance owns. */
  readonly namespace: string;
  /** The engine socket this driver talks to. */
  readonly socketPath: string;
  /** The most one container may ask for. */
  readonly limits: Readonly<{ cpu: number; memory: number; pids: number }>;
  /** What happens to disk limits the engine cannot apply. */
  readonly diskLimit: DiskLimitMode;
  /** The host directories containers may bind-mount from, normalised; empty refuses every bind mount. */
  readonly allowedBindSources: readonly string[];

  readonly #docker: Docker;
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #locks = new KeyedMutex<string>();
  /** Volume name → creates in flight that mount it; `removeVolume` refuses while one is counted. */
  readonly #volumesInCreation = new Map<string, number>();
  readonly #callTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #removeTimeoutMs: number;
  readonly #tmpfsSizeMb: number;
  readonly #init: boolean;
  readonly #retry: Omit<RetryOptions, "shouldRetry" | "signal">;
  #diskPlan: Promise<DiskPlanInfo> | undefined;
  #diskPlanSettled: DiskPlanInfo | undefined;

  constructor(options: DockerDriverOptions = {}) {
    const namespace = options.namespace ?? "default";
    if (!isValidNamespace(namespace)) {
      throw new ConfigurationError(`Invalid namespace '${namespace}'`, {
        issues: [
          { path: "namespace", message: "must be 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit" },
        ],
      });
    }
    this.namespace = namespace;
    this.socketPath = options.socketPath ?? "/var/run/docker.sock";
    this.allowedBindSources = normalizeAllowedBindSources(options.allowedBindSources);
    this.#docker = options.docker ?? new Docker({ socketPath: this.socketPath });
    this.#clock = options.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
    this.limits = Object.freeze({
      cpu: options.maxCpu ?? os.availableParallelism(),
      memory: options.maxMemoryMb ?? Math.floor(os.totalmem() / MiB),
      pids: options.maxPids ?? 32_768,
    });
    this.diskLimit = options.diskLimit ?? "best-effort";
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#removeTimeoutMs = options.removeTimeoutMs ?? 2_000;
    this.#tmpfsSizeMb = options.tmpfsSizeMb ?? 64;
    this.#init = options.init ?? true;
    this.#retry = options.retry ?? {};
  }

  // -------------------------------------------------------------------------
  // Containers
  // -------------------------------------------------------------------------

  /**
   * Create a container in status `created`. Checks, in this order: the
   * config (`ConfigurationError`), the driver's limits
   * (`ResourceLimitError`), the bind-mount policy (`ConfigurationError`, see
   * `allowedBindSources`), the network and volumes it names (the NotFound
   * errors), the disk limit (`DiskLimitUnsupportedError` in `"enforce"`
   * mode); then creates. A create that fails, times out or loses its answer
   * leaves no container behind.
   */
  async createContainer(input: ContainerConfig): Promise<DockerContainerInstance> {
    const config = parseContainerConfig(input);
    this.#checkDriverRules(config);
    this.#checkLimits(config);
    await checkBindMounts(config.volumes, this.allowedBindSources);
    // Counted before the volumes are checked, so a removal cannot slip in between the check and the
    // engine's create (the engine would then make a new, unlabelled volume of that name).
    const reserved = await this.#reserveVolumes(config);
    try {
      await this.#checkReferences(config);
      return await this.#createChecked(config);
    } finally {
      this.#releaseVolumes(reserved);
    }
  }

  async #createChecked(config: ContainerConfig): Promise<DockerContainerInstance> {
    let disk = await this.#resolveDiskPlan();
    if (!disk.enforced && this.diskLimit === "enforce") {
      throw new DiskLimitUnsupportedError(disk.storageDriver, disk.backingFilesystem);
    }
    const name = containerName(this.namespace, config.sessionId, randomBytes(4).toString("hex"));
    const context: ErrorMappingContext = { operation: "createContainer" };
    let id: string;
    try {
      id = await this.#createEngineContainer(config, name, disk);
    } catch (error) {
      if (disk.enforced && /storage-opt is supported only/i.test(engineMessage(error))) {
        // overlay2 on xfs without pquota: only a try tells. Remember the answer.
        disk = this.#settleDiskPlan({ ...disk, enforced: false });
        if (this.diskLimit === "enforce") {
          throw new DiskLimitUnsupportedError(disk.storageDriver, disk.backingFilesystem, { cause: error });
        }
        id = await this.#createEngineContainer(config, name, disk);
      } else {
        throw error;
      }
    }
    try {
      const info = await this.#call(context, (signal) =>
        this.#docker.getContainer(id).inspect({ abortSignal: signal }),
      );
      return toInstance(info, this.socketPath);
    } catch (error) {
      await this.#forceRemoveQuietly(id);
      throw toDriverError(error, context);
    }
  }

  /** Start a container; see `CONTAINER_TRANSITIONS.start`. */
  async startContainer(id: string): Promise<void> {
    await this.#withOwnedContainer(id, "startContainer", async (info, status) => {
      const transition = transitionFor("start", status);
      if (transition.kind === "noop") return;
      if (transition.kind === "reject") throw TRANSITION_REJECTIONS[transition.error](id, status);
      const context = { operation: "startContainer", containerId: id };
      const container = this.#docker.getContainer(id);
      await this.#call(context, (signal) => ignoreNotModified(container.start({ abortSignal: signal })));
      if (hasStoppedMarker(info.Name)) {
        // Started again: whatever ends it next is its own doing, not a stop. Unmarked only once it
        // runs, so a reader meanwhile sees `stopped` (the engine ignores the marker of a running one),
        // never `exited`.
        await this.#call(context, (signal) => container.rename({ name: baseName(info.Name), abortSignal: signal }));
      }
    });
  }

  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`. `timeout` (ms) is
   * the grace period between SIGTERM and SIGKILL, rounded up to whole
   * seconds (the engine's unit); `force` kills at once.
   */
  async stopContainer(id: string, options: StopOptions = {}): Promise<void> {
    const stop = parseStopOptions(options);
    await this.#withOwnedContainer(id, "stopContainer", async (info, status) => {
      if (transitionFor("stop", status).kind !== "move") return;
      const graceMs = stop.force === true ? 0 : (stop.timeout ?? this.#stopTimeoutMs);
      const context = { operation: "stopContainer", containerId: id };
      const container = this.#docker.getContainer(id);
      const mark = !hasStoppedMarker(info.Name);
      // Marked before the stop, so a reader meanwhile sees `running` (the engine ignores the marker of a
      // running one) or `stopped`, never `exited`, which a platform would take for a crash.
      if (mark) {
        await this.#call(context, (signal) =>
          container.rename({ name: `${baseName(info.Name)}${STOPPED_NAME_SUFFIX}`, abortSignal: signal }),
        );
      }
      try {
        await this.#stopEngineContainer(id, info, status, graceMs, "stopContainer");
      } catch (error) {
        // Not stopped by us after all: whatever ends it later is its own doing.
        if (mark) await this.#renameQuietly(id, baseName(info.Name));
        throw error;
      }
    });
  }

  /**
   * Remove a container in any status. A running one gets
   * `removeTimeoutMs` to stop on SIGTERM, then is killed.
   */
  async removeContainer(id: string): Promise<void> {
    await this.#withOwnedContainer(id, "removeContainer", async (info, status) => {
      if (transitionFor("remove", status).kind !== "delete") return;
      const context = { operation: "removeContainer", containerId: id };
      if (transitionFor("stop", status).kind === "move") {
        // Marked as stopped by us first, so until it is gone it reads `stopped`, not `exited` (see stopContainer).
        if (!hasStoppedMarker(info.Name)) await this.#renameQuietly(id, `${baseName(info.Name)}${STOPPED_NAME_SUFFIX}`);
        try {
          await this.#stopEngineContainer(id, info, status, this.#removeTimeoutMs, "removeContainer");
        } catch {
          // The forced removal below kills it anyway.
        }
      }
      await this.#call(context, async (signal, attempt) => {
        try {
          await this.#docker.getContainer(id).remove({ force: true, v: true, abortSignal: signal });
        } catch (error) {
          // A retry after a lost answer finds the container already gone: that is success.
          if (attempt > 1 && statusCodeOf(error) === 404) return;
          throw error;
        }
      });
    });
  }

  /** The container, or `null` when this driver has none with this id. Never throws for a missing id. */
  async getContainer(id: string): Promise<DockerContainerInstance | null> {
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "getContainer");
    return info === null ? null : toInstance(info, this.socketPath);
  }

  /** The containers of this driver and namespace that match every given filter field. */
  async listContainers(filter: ContainerFilter = {}): Promise<DockerContainerInstance[]> {
    const criteria = parseContainerFilter(filter);
    const wanted = criteria.label ?? {};
    if (reservedKeysIn(wanted).length > 0) return [];
    const labelFilter = ownerLabelFilter(this.name, this.namespace);
    if (criteria.sessionId !== undefined) labelFilter.push(`${OWNER_LABELS.session}=${criteria.sessionId}`);
    for (const [key, value] of Object.entries(wanted)) {
      // The engine splits `key=value` at the first '=': a key containing one would be read as another
      // label and miss. Such keys are matched below only.
      if (!key.includes("=")) labelFilter.push(`${key}=${value}`);
    }
    const context = { operation: "listContainers" };
    const summaries = await this.#call(context, (signal) =>
      this.#docker.listContainers({ all: true, filters: { label: labelFilter }, abortSignal: signal }),
    );
    const infos = await Promise.all(summaries.map((summary) => this.#inspectOwned(summary.Id, "listContainers")));
    const instances: DockerContainerInstance[] = [];
    for (const info of infos) {
      // Gone between the list and the inspect: no longer a container of the driver.
      if (info === null) continue;
      const instance = toInstance(info, this.socketPath);
      if (criteria.sessionId !== undefined && instance.sessionId !== criteria.sessionId) continue;
      if (criteria.status !== undefined && instance.status !== criteria.status) continue;
      if (criteria.state !== undefined && instance.state !== criteria.state) continue;
      if (!Object.entries(wanted).every(([key, value]) => instance.labels[key] === value)) continue;
      instances.push(instance);
    }
    return instances.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * The container's stdout and stderr, demultiplexed, in the order the
   * engine received them. `since` is filtered to the millisecond here (the
   * engine filters whole seconds); `follow` waits until the container is no
   * longer running, then returns everything it wrote.
   */
  async getContainerLogs(id: string, options: LogOptions = {}): Promise<string> {
    const shape = parseLogOptions(options);
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "getContainerLogs");
    if (info === null) throw new ContainerNotFoundError(id, { context: { operation: "getContainerLogs" } });
    const context = { operation: "getContainerLogs", containerId: id };
    const container = this.#docker.getContainer(id);
    if (shape.follow === true) {
      await this.#call(context, (signal) => container.wait({ condition: "not-running", abortSignal: signal }), {
        timeoutMs: Number.POSITIVE_INFINITY,
      });
    }
    const read = (tail: number | undefined) =>
      this.#call(context, (signal) =>
        container.logs({
          follow: false,
          stdout: true,
          stderr: true,
          timestamps: true,
          // Whole seconds, rounded down: a superset that the filter below trims.
          // Capped: the engine parses an integer, and a huge number would be printed with an exponent.
          since: shape.since === undefined ? 0 : Math.min(Math.floor(shape.since / 1000), Number.MAX_SAFE_INTEGER),
          ...(tail === undefined ? {} : { tail }),
          abortSignal: signal,
        }),
      );
    if (shape.since !== undefined || shape.tail === undefined) {
      return formatLogs(toLines(demultiplex(await read(undefined))), shape);
    }
    // The engine's tail counts messages, and it stores a line longer than 16 KiB as several: ask for one
    // message more than the lines wanted, and for more while the answer may start inside the lines wanted.
    for (let messages = shape.tail + 1; ; messages *= 2) {
      const frames = demultiplex(await read(messages));
      const lines = toLines(frames);
      if (frames.length < messages || lines.length > shape.tail) return formatLogs(lines, shape);
    }
  }

  /**
   * The engine's and the driver's health. Never throws: an unreachable
   * engine gives `status: "unhealthy"` with `error` set, and the next call
   * after the engine is back is healthy again.
   */
  async healthCheck(): Promise<DockerDriverHealth> {
    const base = {
      version: this.version,
      uptime: Math.max(0, this.#clock.now() - this.#startedAt),
      namespace: this.namespace,
      diskLimit: this.#diskLimitState(),
    };
    try {
      const context = { operation: "healthCheck" };
      const once = { maxAttempts: 1 };
      const [engine, summaries] = await Promise.all([
        this.#call(
          context,
          (signal) => (this.#docker as unknown as EngineClient).version({ abortSignal: signal }),
          once,
        ),
        this.#call(
          context,
          (signal) =>
            this.#docker.listContainers({
              all: true,
              filters: { label: ownerLabelFilter(this.name, this.namespace) },
              abortSignal: signal,
            }),
          once,
        ),
      ]);
      const running = summaries.filter(
        (summary) => statusFromEngine(summary.State, summary.Names[0] ?? "") === "running",
      ).length;
      return {
        ...base,
        status: "healthy",
        engineVersion: engine.Version,
        apiVersion: engine.ApiVersion,
        containers: { total: summaries.length, running, stopped: summaries.length - running },
      };
    } catch (error) {
      return {
        ...base,
        status: "unhealthy",
        containers: { total: 0, running: 0, stopped: 0 },
        error: getErrorMessage(toDriverError(error, { operation: "healthCheck", driver: this.name })),
      };
    }
  }

  /**
   * `true` when the container runs and, if its image defines a health
   * check, the engine reports it healthy; `false` otherwise;
   * `ContainerNotFoundError` when the driver has no such container.
   */
  async isContainerHealthy(id: string): Promise<boolean> {
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "isContainerHealthy");
    if (info === null) throw new ContainerNotFoundError(id, { context: { operation: "isContainerHealthy" } });
    if (statusFromEngine(info.State.Status, info.Name) !== "running") return false;
    const health = info.State.Health?.Status;
    return health === undefined || health === "healthy";
  }

  // -------------------------------------------------------------------------
  // Volumes
  // -------------------------------------------------------------------------

  /** Create an engine volume with the ownership labels. Its id is its name, as the engine has no other. */
  async createVolume(input: VolumeConfig): Promise<Volume> {
    const config = parseVolumeConfig(input);
    refuseReservedLabels(config.labels, "labels");
    const context = { operation: "createVolume", volumeName: config.name };
    return this.#locks.runExclusive(`volume:${config.name}`, async () => {
      if ((await this.#inspectVolume(config.name, context)) !== null) {
        // The engine would hand back the existing volume; the contract wants a refusal.
        throw new VolumeCreationError(config.name, "a volume with this name already exists on the engine");
      }
      let created = false;
      let info: VolumeInspect | null;
      try {
        // Creating a volume by name is idempotent on the engine, so it can be retried.
        await this.#call(context, (signal) =>
          this.#docker.createVolume({
            Name: config.name,
            ...(config.driver === undefined ? {} : { Driver: config.driver }),
            Labels: { ...config.labels, ...ownerLabels(this.name, this.namespace) },
            abortSignal: signal,
          }),
        );
        created = true;
        info = await this.#inspectVolume(config.name, context);
      } catch (error) {
        // The name was free under the lock, so a volume by that name now is this call's: a rejected
        // create must not leave it behind (nor keep the name taken).
        if (created || mayHaveTakenEffect(error)) await this.#removeVolumeQuietly(config.name);
        throw error;
      }
      if (info === null)
        throw new VolumeCreationError(config.name, "the engine lost the volume right after creating it");
      return {
        id: info.Name,
        name: info.Name,
        driver: info.Driver,
        mountpoint: info.Mountpoint,
        createdAt: engineTimeOr(info.CreatedAt, this.#clock.now()),
        labels: userLabels(info.Labels),
      };
    });
  }

  /** Remove a volume of this namespace; one a container still uses is a `VolumeRemoveError`. */
  async removeVolume(id: string): Promise<void> {
    requireString(id, "Volume id");
    const context = { operation: "removeVolume", volumeId: id };
    await this.#locks.runExclusive(`volume:${id}`, async () => {
      const info = RESOURCE_NAME_PATTERN.test(id) ? await this.#inspectVolume(id, context) : null;
      if (info === null || !isOwnedBy(info.Labels, this.name, this.namespace)) {
        throw new VolumeNotFoundError(id, { context });
      }
      if ((this.#volumesInCreation.get(id) ?? 0) > 0) {
        throw new VolumeRemoveError(id, "a container that mounts it is being created; remove that container first", {
          context,
        });
      }
      await this.#call(context, (signal) => this.#docker.getVolume(id).remove({ abortSignal: signal }));
    });
  }

  // -------------------------------------------------------------------------
  // Networks
  // -------------------------------------------------------------------------

  /** Create an engine network (default driver `bridge`) with the ownership labels. */
  async createNetwork(input: NetworkConfig): Promise<Network> {
    const config = parseNetworkConfig(input);
    refuseReservedLabels(config.labels, "labels");
    const context = { operation: "createNetwork", networkName: config.name };
    return this.#locks.runExclusive(`network:${config.name}`, async () => {
      if ((await this.#findNetwork(config.name, context)) !== null) {
        throw new NetworkCreationError(config.name, "a network with this name already exists on the engine");
      }
      let id: string;
      try {
        const created = await this.#call(
          context,
          (signal) =>
            this.#docker.createNetwork({
              Name: config.name,
              Driver: config.driver ?? "bridge",
              CheckDuplicate: true,
              Labels: { ...config.labels, ...ownerLabels(this.name, this.namespace) },
              Options: { ...config.options },
              abortSignal: signal,
            }),
          { onlyIfNotSent: true },
        );
        id = created.id;
      } catch (error) {
        if (mayHaveTakenEffect(error)) await this.#removeNetworkQuietly(config.name);
        throw error;
      }
      let info: NetworkInspect | null;
      try {
        info = await this.#findNetwork(id, context);
      } catch (error) {
        // Created (the engine gave it this id), but the call rejects: it must not outlive the failure.
        try {
          await this.#docker.getNetwork(id).remove();
        } catch {
          // Nothing more can be done here; cleanup() finds it by its labels.
        }
        throw error;
      }
      return {
        id,
        name: config.name,
        driver: info?.Driver ?? config.driver ?? "bridge",
        createdAt: engineTimeOr(info?.Created, this.#clock.now()),
        labels: userLabels(info?.Labels ?? config.labels),
      };
    });
  }

  /**
   * Remove a network of this namespace, by id or name. One that a container
   * (in any status, not yet removed) is attached to is a `NetworkRemoveError`:
   * the engine itself would remove it from under a stopped container, which
   * could then never start again.
   */
  async removeNetwork(id: string): Promise<void> {
    requireString(id, "Network id");
    const context = { operation: "removeNetwork", networkId: id };
    await this.#locks.runExclusive(`network:${id}`, async () => {
      const info = await this.#findNetwork(id, context);
      if (info === null || !isOwnedBy(info.Labels, this.name, this.namespace)) {
        throw new NetworkNotFoundError(id, { context });
      }
      // The engine's network filter misses containers that were created but never started
      // (they join the network at start), so match their network mode too.
      const containers = await this.#call(context, (signal) =>
        this.#docker.listContainers({ all: true, abortSignal: signal }),
      );
      const users = containers.filter(
        (container) =>
          container.HostConfig.NetworkMode === info.Name ||
          container.HostConfig.NetworkMode === info.Id ||
          Object.values(container.NetworkSettings?.Networks ?? {}).some((network) => network.NetworkID === info.Id),
      );
      if (users.length > 0) {
        const names = users.map((user) => baseName(user.Names[0] ?? user.Id)).join(", ");
        throw new NetworkRemoveError(id, `in use by container(s) ${names}; remove them first`, { context });
      }
      await this.#call(context, (signal) => this.#docker.getNetwork(info.Id).remove({ abortSignal: signal }));
    });
  }

  // -------------------------------------------------------------------------
  // Cleanup
  // -------------------------------------------------------------------------

  /**
   * Remove every container, network and volume of this driver's namespace
   * from the engine, in that order (containers hold the others). Tries all of
   * them and rethrows the first failure at the end.
   *
   * @example
   * ```ts
   * afterAll(() => driver.cleanup());
   * ```
   */
  async cleanup(): Promise<CleanupReport> {
    const labels = ownerLabelFilter(this.name, this.namespace);
    const context = { operation: "cleanup" };
    const failures: unknown[] = [];
    const settle = async (work: Promise<unknown>): Promise<boolean> => {
      try {
        await work;
        return true;
      } catch (error) {
        if (statusCodeOf(error) === 404 || error instanceof ContainerNotFoundError) return true;
        failures.push(error);
        return false;
      }
    };
    const containers = await this.#call(context, (signal) =>
      this.#docker.listContainers({ all: true, filters: { label: labels }, abortSignal: signal }),
    );
    const removedContainers = await Promise.all(containers.map((summary) => settle(this.removeContainer(summary.Id))));
    const networks = await this.#call(context, (signal) =>
      this.#docker.listNetworks({ filters: { label: labels }, abortSignal: signal }),
    );
    const removedNetworks = await Promise.all(
      networks.map((network) =>
        settle(this.#call(context, (signal) => this.#docker.getNetwork(network.Id).remove({ abortSignal: signal }))),
      ),
    );
    const volumes = await this.#call(context, (signal) =>
      this.#docker.listVolumes({ filters: { label: labels }, abortSignal: signal }),
    );
    const removedVolumes = await Promise.all(
      (volumes.Volumes ?? []).map((volume) =>
        settle(this.#call(context, (signal) => this.#docker.getVolume(volume.Name).remove({ abortSignal: signal }))),
      ),
    );
    if (failures.length > 0) throw toDriverError(failures[0], context);
    const count = (results: boolean[]) => results.filter(Boolean).length;
    return {
      containers: count(removedContainers),
      networks: count(removedNetworks),
      volumes: count(removedVolumes),
    };
  }

  /** Same as {@link DockerDriver.cleanup}: the driver keeps no other resources (no timers, no open streams). */
  async close(): Promise<CleanupReport> {
    return this.cleanup();
  }

  // -------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------

  /**
   * One engine call: bounded by `callTimeoutMs`, mapped by `toDriverError`,
   * retried by `withRetry` when the error is retryable (for creates, only
   * when the request never reached the engine).
   */
  async #call<T>(
    context: ErrorMappingContext,
    fn: (signal: AbortSignal, attempt: number) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#callTimeoutMs;
    const mapped = { ...context, driver: this.name, ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}) };
    return withRetry(
      async (attempt) => {
        try {
          return await withTimeout((signal) => fn(signal, attempt), timeoutMs, {
            operation: context.operation,
            clock: this.#clock,
          });
        } catch (error) {
          throw toDriverError(error, mapped);
        }
      },
      {
        ...this.#retry,
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        shouldRetry: (error) =>
          options.onlyIfNotSent === true
            ? error instanceof NetworkError && !mayHaveTakenEffect(error)
            : isRetryableError(error),
      },
    );
  }

  /** Inspect a container; `null` when it does not exist or is not this driver's and namespace's. */
  async #inspectOwned(id: string, operation: string): Promise<Docker.ContainerInspectInfo | null> {
    if (!ENGINE_ID.test(id)) return null;
    try {
      const info = await this.#call({ operation, containerId: id }, (signal) =>
        this.#docker.getContainer(id).inspect({ abortSignal: signal }),
      );
      return info.Id === id && isOwnedBy(info.Config.Labels, this.name, this.namespace) ? info : null;
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return null;
      throw error;
    }
  }

  /** Run `work` under the id's lock with the container's current engine data and contract status. */
  async #withOwnedContainer(
    id: string,
    operation: string,
    work: (info: Docker.ContainerInspectInfo, status: ContainerStatus) => Promise<void>,
  ): Promise<void> {
    requireString(id, "Container id");
    await this.#locks.runExclusive(id, async () => {
      const info = await this.#inspectOwned(id, operation);
      if (info === null) throw new ContainerNotFoundError(id, { context: { operation } });
      await work(info, statusFromEngine(info.State.Status, info.Name));
    });
  }

  async #stopEngineContainer(
    id: string,
    info: Docker.ContainerInspectInfo,
    status: ContainerStatus,
    graceMs: number,
    operation: string,
  ): Promise<void> {
    const context = { operation, containerId: id };
    const container = this.#docker.getContainer(id);
    if (status === "paused" || info.State.Paused) {
      // Frozen processes cannot handle SIGTERM; thaw them so the stop is graceful.
      await this.#call(context, (signal) => ignoreNotModified(container.unpause({ abortSignal: signal })));
    }
    // Capped: the engine overflows its duration beyond ~292 years of nanoseconds, and a deadline longer than a
    // timer can hold (~24.8 days) would be refused; 23 days is "wait as long as it takes" for a stop.
    const seconds = Math.min(Math.ceil(graceMs / 1000), MAX_GRACE_SECONDS);
    const deadline = seconds * 1000 + this.#callTimeoutMs;
    await this.#call(context, (signal) => ignoreNotModified(container.stop({ t: seconds, abortSignal: signal })), {
      timeoutMs: deadline <= MAX_TIMER_DELAY_MS ? deadline : Number.POSITIVE_INFINITY,
    });
  }

  #checkDriverRules(config: ContainerConfig): void {
    const issues = reservedKeysIn(config.labels).map((key) => ({
      path: `labels.${key}`,
      message: "keys starting with 'org.openagent.' are reserved for the driver's ownership labels",
    }));
    if (config.resources.memory < ENGINE_MIN_MEMORY_MB) {
      issues.push({
        path: "resources.memory",
        message: `the engine needs at least ${ENGINE_MIN_MEMORY_MB} MB`,
      });
    }
    if (config.network === "host") {
      issues.push({
        path: "network",
        message: "'host' would share the host's network stack and defeat isolation; create a network instead",
      });
    }
    if (issues.length > 0) {
      throw new ConfigurationError(`Invalid container config for the Docker driver: ${issues[0]?.message}`, { issues });
    }
  }

  #checkLimits(config: ContainerConfig): void {
    const { cpu, memory, pids } = config.resources;
    if (cpu > this.limits.cpu) throw new ResourceLimitError("cpu", this.limits.cpu, cpu);
    if (memory > this.limits.memory) throw new ResourceLimitError("memory", this.limits.memory, memory);
    if (pids > this.limits.pids) throw new ResourceLimitError("pids", this.limits.pids, pids);
  }

  /**
   * The network and named volumes must exist before anything is created; the engine would make missing volumes
   * silently. Only this namespace's count: another's are unknown here, as to every other method.
   */
  async #checkReferences(config: ContainerConfig): Promise<void> {
    const context = { operation: "createContainer" };
    if (config.network !== "none") {
      const network = await this.#findNetwork(config.network, context);
      if (network === null || !isOwnedBy(network.Labels, this.name, this.namespace)) {
        throw new NetworkNotFoundError(config.network, { context });
      }
    }
    for (const mount of config.volumes) {
      if (mountTypeOf(mount) !== "volume") continue;
      const volume = RESOURCE_NAME_PATTERN.test(mount.source) ? await this.#inspectVolume(mount.source, context) : null;
      if (volume === null || !isOwnedBy(volume.Labels, this.name, this.namespace)) {
        throw new VolumeNotFoundError(mount.source, { context });
      }
    }
  }

  /**
   * Count this create against each named volume it mounts. Taken under the volume's lock, so a
   * removal already under way finishes first (and the check then finds no volume).
   */
  async #reserveVolumes(config: ContainerConfig): Promise<string[]> {
    const names = new Set<string>();
    for (const mount of config.volumes) {
      if (mountTypeOf(mount) === "volume") names.add(mount.source);
    }
    const reserved: string[] = [];
    try {
      for (const name of names) {
        await this.#locks.runExclusive(`volume:${name}`, () => {
          this.#volumesInCreation.set(name, (this.#volumesInCreation.get(name) ?? 0) + 1);
        });
        reserved.push(name);
      }
    } catch (error) {
      this.#releaseVolumes(reserved);
      throw error;
    }
    return reserved;
  }

  #releaseVolumes(names: readonly string[]): void {
    for (const name of names) {
      const count = (this.#volumesInCreation.get(name) ?? 0) - 1;
      if (count > 0) this.#volumesInCreation.set(name, count);
      else this.#volumesInCreation.delete(name);
    }
  }

  async #createEngineContainer(config: ContainerConfig, name: string, disk: DiskLimitPlan): Promise<string> {
    const body = toCreateOptions(config, {
      driver: this.name,
      namespace: this.namespace,
      name,
      disk,
      tmpfsSizeMb: this.#tmpfsSizeMb,
      init: this.#init,
    });
    try {
      const container = await this.#call(
        { operation: "createContainer" },
        (signal) => this.#docker.createContainer({ ...body, abortSignal: signal }),
        { onlyIfNotSent: true },
      );
      return container.id;
    } catch (error) {
      // The engine may have created it before the answer was lost; it must not outlive the failure.
      if (mayHaveTakenEffect(error)) await this.#forceRemoveQuietly(name);
      throw error;
    }
  }

  async #forceRemoveQuietly(idOrName: string): Promise<void> {
    try {
      await this.#docker.getContainer(idOrName).remove({ force: true, v: true });
    } catch {
      // Nothing to remove, or the engine is gone: nothing more can be done here.
    }
  }

  async #removeNetworkQuietly(name: string): Promise<void> {
    try {
      const info = await this.#findNetwork(name, { operation: "createNetwork", networkName: name });
      if (info !== null && isOwnedBy(info.Labels, this.name, this.namespace)) {
        await this.#docker.getNetwork(info.Id).remove();
      }
    } catch {
      // As above.
    }
  }

  async #renameQuietly(id: string, name: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).rename({ name });
    } catch {
      // As above.
    }
  }

  async #removeVolumeQuietly(name: string): Promise<void> {
    try {
      await this.#docker.getVolume(name).remove();
    } catch {
      // As above.
    }
  }

  async #inspectVolume(name: string, context: ErrorMappingContext): Promise<VolumeInspect | null> {
    try {
      return (await this.#call({ ...context, volumeName: name }, (signal) =>
        this.#docker.getVolume(name).inspect({ abortSignal: signal }),
      )) as VolumeInspect;
    } catch (error) {
      if (error instanceof VolumeNotFoundError) return null;
      throw error;
    }
  }

  /** The network whose id or exact name is `idOrName` (the engine also matches id prefixes, which the contract does not). */
  async #findNetwork(idOrName: string, context: ErrorMappingContext): Promise<NetworkInspect | null> {
    // Names and engine ids both match the pattern; anything else (a `..` or `//` path) would reach the
    // engine's URL, and the engine's redirect for it crashes the HTTP client.
    if (!RESOURCE_NAME_PATTERN.test(idOrName)) return null;
    try {
      const info = (await this.#call({ ...context, networkName: idOrName }, (signal) =>
        (this.#docker.getNetwork(idOrName) as unknown as NetworkClient).inspect({ abortSignal: signal }),
      )) as NetworkInspect;
      return info.Id === idOrName || info.Name === idOrName ? info : null;
    } catch (error) {
      if (error instanceof NetworkNotFoundError) return null;
      throw error;
    }
  }

  /** Decide once per driver how disk limits are applied, from the engine's storage driver. */
  #resolveDiskPlan(): Promise<DiskPlanInfo> {
    if (this.#diskPlanSettled !== undefined) return Promise.resolve(this.#diskPlanSettled);
    this.#diskPlan ??= this.#call({ operation: "createContainer" }, (signal) =>
      (this.#docker as unknown as EngineClient).info({ abortSignal: signal }),
    )
      .then((info: EngineInfo) => {
        const storageDriver = String(info.Driver ?? "unknown");
        const backing = (info.DriverStatus ?? []).find(([key]) => key === "Backing Filesystem")?.[1];
        // overlay2 on xfs supports sizes only with pquota, which only a try reveals (see createContainer).
        const enforced =
          (storageDriver === "overlay2" && backing === "xfs") || storageDriver === "btrfs" || storageDriver === "zfs";
        return this.#settleDiskPlan({ enforced, storageDriver, backingFilesystem: backing });
      })
      .catch((error: unknown) => {
        // Ask again next time: the engine may have been down.
        this.#diskPlan = undefined;
        throw error;
      });
    return this.#diskPlan;
  }

  #settleDiskPlan(plan: DiskPlanInfo): DiskPlanInfo {
    this.#diskPlanSettled = plan;
    return plan;
  }

  #diskLimitState(): DockerDriverHealth["diskLimit"] {
    if (this.#diskPlanSettled === undefined) return "unknown";
    return this.#diskPlanSettled.enforced ? "enforced" : "unenforced";
  }
}

type VolumeInspect = Docker.VolumeInspectInfo & { CreatedAt?: string };
type NetworkInspect = {
  Id: string;
  Name: string;
  Driver: string;
  Created?: string;
  Labels?: Record<string, string> | null;
};
/** dockerode accepts an abort signal on these calls; its type declarations do not say so. */
type EngineClient = {
  version(options: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion>;
  info(options: { abortSignal: AbortSignal }): Promise<EngineInfo>;
};
type NetworkClient = { inspect(options: { abortSignal: AbortSignal }): Promise<NetworkInspect> };
type EngineInfo = { Driver?: string; DriverStatus?: [string, string][] };

function engineMessage(error: unknown): string {
  const cause = typeof error === "object" && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const json =
    typeof cause === "object" && cause !== null ? (cause as { json?: { message?: unknown } }).json : undefined;
  return typeof json?.message === "string" ? json.message : getErrorMessage(error);
}

function engineTimeOr(value: string | undefined, fallback: number): number {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(time) ? fallback : time;
}

function refuseReservedLabels(labels: Readonly<Record<string, string>> | undefined, path: string): void {
  const reserved = reservedKeysIn(labels);
  if (reserved.length > 0) {
    throw new ConfigurationError(`Label keys starting with 'org.openagent.' are reserved: ${reserved.join(", ")}`, {
      issues: reserved.map((key) => ({
        path: `${path}.${key}`,
        message: "reserved for the driver's ownership labels",
      })),
    });
  }
}
