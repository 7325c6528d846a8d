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
 * The class is thin: it checks a create's config (preflight.ts) and limits,
 * and hands each method to the client of its resource kind (containers.ts,
 * volumes.ts, networks.ts), which make every engine call through one policy
 * (engine-call.ts). A variant engine subclasses it and overrides
 * {@link DockerDriver.createClients} where it differs.
 *
 * @module
 */
import { tmpdir } from "node:os";
import http from "node:http";
import Docker from "dockerode";
import {
  type Clock,
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  type DriverHealth,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
  type FileContent,
  getErrorMessage,
  type LogOptions,
  type Network,
  type NetworkConfig,
  type ReadFileOptions,
  type StopOptions,
  toDriverError,
  UnexpectedError,
  type Volume,
  type VolumeConfig,
  type WriteFileOptions,
} from "../../../src/index.js";
import { type CleanupFailure, type CleanupReport, cleanupNamespace } from "./cleanup.js";
import { ContainerClient, type ContainerOperations } from "./containers.js";
import { type DiskLimitState, DiskPlanner } from "./disk-plan.js";
import { EngineCalls, type EngineScope, type EngineWithSignal } from "./engine-call.js";
import { ExecClient } from "./exec.js";
import { FileClient } from "./files.js";
import { type ExpirySweepReport, ExpirySweeper, type ExpirySweepSummary } from "./expiry.js";
import { type DockerContainerInstance, UNENFORCED_DISK } from "./mapping.js";
import { NetworkClient } from "./networks.js";
import {
  type DiskLimitMode,
  type DockerDriverOptions,
  type ResolvedDockerDriverOptions,
  resolveDockerDriverOptions,
} from "./options.js";
import { UnknownCreates } from "./orphans.js";
import { checkResourceLimits, preflightContainerConfig } from "./preflight.js";
import { VolumeClient } from "./volumes.js";

/** `healthCheck()`'s result: the contract's fields and what the engine said about itself. */
export type DockerDriverHealth = DriverHealth & {
  /** The engine's version, when it answered. */
  readonly engineVersion?: string;
  /** The engine's API version, when it answered. */
  readonly apiVersion?: string;
  /** Whether disk limits are applied; `unknown` until the storage driver was examined. */
  readonly diskLimit: DiskLimitState;
  /** The namespace the counts cover. */
  readonly namespace: string;
  /** Creates whose answer was lost and whose leftovers are still being looked for (see orphans.ts). */
  readonly unknownCreates: number;
  /** The last background expiry sweep: when, how many it removed, or why it failed; absent before the first. */
  readonly lastExpirySweep?: ExpirySweepSummary;
};

/** The clients a driver hands its methods to, one per resource kind. */
export type DockerDriverClients = {
  readonly containers: ContainerOperations;
  readonly volumes: VolumeClient;
  readonly networks: NetworkClient;
  readonly disk: DiskPlanner;
  readonly exec: ExecClient;
  readonly files: FileClient;
  /** Removes the namespace's expired containers (see expiry.ts). */
  readonly expiry: ExpirySweeper;
  /** Removes what creates whose answer was lost may have made (see orphans.ts). */
  readonly unknownCreates: UnknownCreates;
};

const DRIVER_NAME = "docker";
const DRIVER_VERSION = "1.0.0";

/**
 * A `ContainerDriver` over a Docker engine.
 *
 * @example
 * ```ts
 * import { createDriverConfig } from "@openagent/driver-interface";
 * import { DockerDriver } from "./driver.js";
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
  /**
   * `docker`: also the value of the `org.openagent.driver` ownership label. A
   * `string`, so a variant engine's subclass can name itself (and its objects).
   */
  readonly name: string = DRIVER_NAME;
  /** The driver's semantic version. */
  readonly version = DRIVER_VERSION;
  /**
   * It really runs commands (output, exit codes, env), keeps them apart from
   * the host (security options, network none, mounts, shared volumes) and
   * enforces memory, pids and cpu limits: the engine does all three. It
   * streams: `stdin` for the main command, live, abortable, per-stream logs;
   * runs commands in running containers (`exec`); moves files in and out
   * through the engine's archive API (`files`); pauses with the engine's
   * freezer (`pause`); removes expired containers (`expiry`); and returns one
   * container per idempotency key (`idempotency`).
   */
  readonly capabilities = [
    "execution",
    "isolation",
    "limits",
    "streams",
    "exec",
    "files",
    "pause",
    "expiry",
    "idempotency",
  ] as const;
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

  /** The options with their defaults, for {@link DockerDriver.createClients}. */
  protected readonly options: ResolvedDockerDriverOptions;
  readonly #docker: Docker;
  /** The HTTP agent of a client the driver made itself; `close()` ends its idle connections. */
  readonly #agent: http.Agent | undefined;
  readonly #clock: Clock;
  #closed = false;
  readonly #startedAt: number;
  #scope: EngineScope | undefined;
  #clients: DockerDriverClients | undefined;

  constructor(options: DockerDriverOptions = {}) {
    this.options = resolveDockerDriverOptions(options);
    this.namespace = this.options.namespace;
    this.socketPath = this.options.socketPath;
    this.allowedBindSources = this.options.allowedBindSources;
    this.limits = this.options.limits;
    this.diskLimit = this.options.diskLimit;
    this.#agent = this.options.docker === undefined ? new http.Agent({ keepAlive: true }) : undefined;
    // dockerode hands `agent` to its HTTP requests; its type declarations do not list it.
    this.#docker =
      this.options.docker ?? new Docker({ socketPath: this.socketPath, agent: this.#agent } as Docker.DockerOptions);
    this.#clock = this.options.clock;
    this.#startedAt = this.#clock.now();
  }

  /**
   * Create a container in status `created`. Checks, in this order: the
   * config in one pre-flight (`ConfigurationError` listing every problem:
   * the schema, the driver's rules, the bind-mount policy of
   * `allowedBindSources`), the driver's limits (`ResourceLimitError`), the
   * network and volumes it names (the NotFound errors), the disk limit
   * (`DiskLimitUnsupportedError` in `"enforce"` mode); then creates. A create
   * that fails, times out or loses its answer leaves no container behind.
   */
  async createContainer(input: ContainerConfig): Promise<DockerContainerInstance> {
    const config = await preflightContainerConfig(input, { allowedBindSources: this.allowedBindSources });
    this.#checkLimits(config);
    return this.#use().containers.create(config);
  }

  /** Start a container; see `CONTAINER_TRANSITIONS.start`. */
  async startContainer(id: string): Promise<void> {
    return this.#use().containers.start(id);
  }

  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`. `timeout` (ms) is
   * the grace period between SIGTERM and SIGKILL, rounded up to whole
   * seconds (the engine's unit); `force` kills at once.
   */
  async stopContainer(id: string, options: StopOptions = {}): Promise<void> {
    return this.#use().containers.stop(id, options);
  }

  /** Remove a container in any status. A running one gets `removeTimeoutMs` to stop on SIGTERM, then is killed. */
  async removeContainer(id: string): Promise<void> {
    return this.#use().containers.remove(id);
  }

  /** The container, or `null` when this driver has none with this id. Never throws for a missing id. */
  async getContainer(id: string): Promise<DockerContainerInstance | null> {
    return this.#use().containers.get(id);
  }

  /** The containers of this driver and namespace that match every given filter field. */
  async listContainers(filter: ContainerFilter = {}): Promise<DockerContainerInstance[]> {
    return this.#use().containers.list(filter);
  }

  /**
   * The container's stdout and stderr (or one of them, `stream`), in the
   * order the engine received them, read as a stream and kept within
   * `maxBytes` characters (the newest whole lines). `follow` delivers each
   * line to `onLine` as the container writes it and resolves once the
   * container no longer runs; `signal` ends the read at once with the lines
   * so far; a connection to the engine that dies is a `NetworkError`.
   */
  async getContainerLogs(id: string, options: LogOptions = {}): Promise<string> {
    return this.#use().containers.logs(id, options);
  }

  /**
   * `true` when the container runs and, if its image defines a health
   * check, the engine reports it healthy; `false` otherwise;
   * `ContainerNotFoundError` when the driver has no such container.
   */
  async isContainerHealthy(id: string): Promise<boolean> {
    return this.#use().containers.isHealthy(id);
  }

  /**
   * Write a file into a container through the engine's archive API, streamed:
   * parents created (mode `0o755`), the file and the parents owned by the
   * container's configured user, `mode` honoured (default `0o644`). Works on
   * a container that is created, running, paused, stopped or exited; a write
   * into the memory-backed `/tmp` of one that does not run is a
   * `ContainerStateError`. A target on a read-only root or mount is a
   * `FileSystemError` (`reason` `read-only`), a directory `is-a-directory`,
   * a parent that is a file `not-a-directory`. Links are resolved inside the
   * container and never lead out of it.
   */
  async writeFile(id: string, path: string, content: FileContent, options: WriteFileOptions = {}): Promise<void> {
    return this.#use().files.write(id, path, content, options);
  }

  /** Read a whole file (at most `maxBytes`, default 64 MiB, or `ResourceLimitError`); see {@link DockerDriver.writeFile}. */
  async readFile(id: string, path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    return this.#use().files.read(id, path, options);
  }

  /** Read a file as a stream of chunks, resolved once the file is found; read it to its end or stop it. */
  async readFileStream(id: string, path: string, options: ReadFileOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    return this.#use().files.readStream(id, path, options);
  }

  /**
   * Freeze a running container's processes with the engine's pause (the
   * cgroup freezer): they keep their memory and resume where they were. See
   * the `pause` row of `CONTAINER_TRANSITIONS`: a paused container is a
   * no-op, any other status a `ContainerStateError`.
   */
  async pauseContainer(id: string): Promise<void> {
    return this.#containerOperation("pause", "pauseContainer")(id);
  }

  /** Thaw a paused container; see the `resume` row of `CONTAINER_TRANSITIONS`. */
  async resumeContainer(id: string): Promise<void> {
    return this.#containerOperation("resume", "resumeContainer")(id);
  }

  /**
   * Move a container's expiry to `expiresAt` (ms since the epoch; a time
   * past makes it due at once), or clear it (`null`). Kept in the engine (a
   * marker in the container's name, see expiry.ts), so every driver instance
   * of the namespace honours it, now and after restarts.
   */
  async setContainerExpiry(id: string, expiresAt: number | null): Promise<void> {
    const setExpiry = this.#containerOperation("setExpiry", "setContainerExpiry");
    return setExpiry(id, expiresAt);
  }

  /**
   * Sweep the namespace for expired containers now and remove them (the
   * driver also does this on its own, see `expirySweepIntervalMs`): one list
   * call, one removal per expired container. Resolves with what it did.
   *
   * @example
   * ```ts
   * const { removed } = await driver.sweepExpired();
   * ```
   */
  async sweepExpired(): Promise<ExpirySweepReport> {
    return this.#use().expiry.sweep();
  }

  /** Create an engine volume with the ownership labels. Its id is its name, as the engine has no other. */
  async createVolume(input: VolumeConfig): Promise<Volume> {
    return this.#use().volumes.create(input);
  }

  /** Remove a volume of this namespace; one a container still uses is a `VolumeRemoveError`. */
  async removeVolume(id: string): Promise<void> {
    return this.#use().volumes.remove(id);
  }

  /** Create an engine network (default driver `bridge`) with the ownership labels. */
  async createNetwork(input: NetworkConfig): Promise<Network> {
    return this.#use().networks.create(input);
  }

  /**
   * Remove a network of this namespace, by id or name. One that a container
   * (in any status, not yet removed) is attached to is a `NetworkRemoveError`:
   * the engine itself would remove it from under a stopped container, which
   * could then never start again.
   */
  async removeNetwork(id: string): Promise<void> {
    return this.#use().networks.remove(id);
  }

  /**
   * Run a command in a running container: the engine's exec API, under a
   * wrapper that lets a timeout or an abort kill the command and everything
   * it started (see exec-wrapper.ts). Output streams to `onOutput` and is
   * kept up to `maxOutputBytes` per stream. The user defaults to the
   * container's configured user, the working directory to the container's.
   * A container that is not running: `ContainerStateError`.
   */
  async execInContainer(id: string, request: ExecRequest, options?: ExecOptions): Promise<ExecResult> {
    return this.#use().exec.run(id, request, options);
  }

  /**
   * The engine's and the driver's health. Never throws: an unreachable
   * engine gives `status: "unhealthy"` with `error` set, and the next call
   * after the engine is back is healthy again.
   */
  async healthCheck(): Promise<DockerDriverHealth> {
    const { containers, disk, expiry, unknownCreates } = this.#use();
    const diskLimit = disk.state();
    const lastSweep = expiry.summary();
    const base = {
      version: this.version,
      uptime: Math.max(0, this.#clock.now() - this.#startedAt),
      namespace: this.namespace,
      diskLimit,
      ...(diskLimit === "unenforced" ? { unenforced: [UNENFORCED_DISK] } : {}),
      unknownCreates: unknownCreates.pending.length,
      ...(lastSweep === undefined ? {} : { lastExpirySweep: lastSweep }),
    };
    try {
      const context = { operation: "healthCheck" };
      const once = { maxAttempts: 1 };
      const [engine, counts] = await Promise.all([
        this.#engine().calls.call(
          context,
          (signal) => (this.#docker as unknown as EngineWithSignal).version({ abortSignal: signal }),
          once,
        ),
        containers.count(context, once),
      ]);
      return {
        ...base,
        status: "healthy",
        engineVersion: engine.Version,
        apiVersion: engine.ApiVersion,
        containers: { total: counts.total, running: counts.running, stopped: counts.stopped },
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
   * Remove every container, network and volume of this driver's namespace
   * from the engine, in that order (containers hold the others), and resolve
   * with how many of each it removed. It goes on past every failure (an
   * object in use by another namespace's container, an engine error) and
   * reports each in `failures`, with its contract error code; a second call
   * removes what is left. Only this namespace's objects are touched.
   *
   * @example
   * ```ts
   * const report = await driver.cleanup();
   * if (report.failures.length > 0) console.warn("left behind:", report.failures);
   * ```
   */
  async cleanup(): Promise<CleanupReport & { readonly failures: readonly CleanupFailure[] }> {
    return cleanupNamespace(this.#use());
  }

  /**
   * Free what this instance holds: stop the expiry sweeper and the
   * reconcile of unknown creates (waiting for the engine calls under way),
   * and end the idle connections of the engine client the driver made.
   * Every container, volume and network stays on the engine (since 1.1;
   * in 1.0 `close()` ran `cleanup()`: call that explicitly to remove them).
   * Idempotent. The driver still answers calls afterwards, opening
   * connections as needed, but runs nothing in the background any more.
   *
   * @example
   * ```ts
   * process.once("SIGTERM", () => void driver.close());
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    const clients = this.#clients;
    if (clients !== undefined) await Promise.all([clients.expiry.close(), clients.unknownCreates.close()]);
    for (const sockets of Object.values(this.#agent?.freeSockets ?? {})) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }

  /**
   * The clients this driver hands its methods to, built once, on the first
   * call that needs them (so a subclass's own fields, such as its `name`,
   * are set by then). A variant engine overrides this and replaces only what
   * differs, for instance a container client over services and tasks:
   *
   * @example
   * ```ts
   * class SwarmDriver extends DockerDriver {
   *   protected override createClients(scope: EngineScope): DockerDriverClients {
   *     const clients = super.createClients(scope);
   *     return { ...clients, containers: new ServiceClient(scope, { ...clients }) };
   *   }
   * }
   * ```
   */
  protected createClients(scope: EngineScope): DockerDriverClients {
    const { options } = this;
    const volumes = new VolumeClient(scope);
    const networks = new NetworkClient(scope);
    const disk = new DiskPlanner(scope, options.diskLimit);
    const expiry = new ExpirySweeper(scope, options.expirySweepIntervalMs);
    const unknownCreates = new UnknownCreates(scope, {
      windowMs: options.reconcileWindowMs,
      settleMs: Math.min(options.callTimeoutMs, options.reconcileWindowMs),
    });
    const containers = new ContainerClient(scope, {
      socketPath: options.socketPath,
      stopTimeoutMs: options.stopTimeoutMs,
      removeTimeoutMs: options.removeTimeoutMs,
      tmpfsSizeMb: options.tmpfsSizeMb,
      init: options.init,
      logConfig: options.logConfig,
      volumes,
      networks,
      disk,
      expiry,
      unknownCreates,
    });
    const files = new FileClient(scope, { spoolDirectory: tmpdir() });
    return { containers, volumes, networks, disk, exec: new ExecClient(scope), files, expiry, unknownCreates };
  }

  #engine(): EngineScope {
    this.#scope ??= {
      docker: this.#docker,
      calls: new EngineCalls({
        driver: this.name,
        timeoutMs: this.options.callTimeoutMs,
        retry: this.options.retry,
        clock: this.#clock,
      }),
      driver: this.name,
      namespace: this.namespace,
      clock: this.#clock,
    };
    return this.#scope;
  }

  /**
   * The clients, built on the first call; that call also starts the expiry
   * sweeper, whose first sweep removes what expired while no driver of the
   * namespace ran (never after `close()`).
   */
  #use(): DockerDriverClients {
    if (this.#clients === undefined) {
      this.#clients = this.createClients(this.#engine());
      if (!this.#closed) this.#clients.expiry.start();
    }
    return this.#clients;
  }

  /** The container client's `operation`, or `UnexpectedError` when a variant engine's client has none. */
  #containerOperation<Operation extends "pause" | "resume" | "setExpiry">(
    operation: Operation,
    method: string,
  ): NonNullable<ContainerOperations[Operation]> {
    const { containers } = this.#use();
    const implementation = containers[operation];
    if (implementation === undefined) {
      throw new UnexpectedError(`${this.name} cannot ${method}: its container client has no '${operation}'`, {
        context: { operation: method },
      });
    }
    return implementation.bind(containers) as NonNullable<ContainerOperations[Operation]>;
  }

  #checkLimits(config: ContainerConfig): void {
    checkResourceLimits(config.resources, this.limits);
  }
}
