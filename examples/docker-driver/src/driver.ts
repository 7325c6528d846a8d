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
import Docker from "dockerode";
import {
  type Clock,
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  type DriverHealth,
  getErrorMessage,
  type LogOptions,
  type Network,
  type NetworkConfig,
  type StopOptions,
  toDriverError,
  type Volume,
  type VolumeConfig,
} from "../../../src/index.js";
import { type CleanupReport, cleanupNamespace } from "./cleanup.js";
import { ContainerClient, type ContainerOperations } from "./containers.js";
import { type DiskLimitState, DiskPlanner } from "./disk-plan.js";
import { EngineCalls, type EngineScope, type EngineWithSignal } from "./engine-call.js";
import type { DockerContainerInstance } from "./mapping.js";
import { NetworkClient } from "./networks.js";
import {
  type DiskLimitMode,
  type DockerDriverOptions,
  type ResolvedDockerDriverOptions,
  resolveDockerDriverOptions,
} from "./options.js";
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
};

/** The clients a driver hands its methods to, one per resource kind. */
export type DockerDriverClients = {
  readonly containers: ContainerOperations;
  readonly volumes: VolumeClient;
  readonly networks: NetworkClient;
  readonly disk: DiskPlanner;
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

  /** The options with their defaults, for {@link DockerDriver.createClients}. */
  protected readonly options: ResolvedDockerDriverOptions;
  readonly #docker: Docker;
  readonly #clock: Clock;
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
    this.#docker = this.options.docker ?? new Docker({ socketPath: this.socketPath });
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
   * The container's stdout and stderr, demultiplexed, in the order the
   * engine received them. `since` is filtered to the millisecond here (the
   * engine filters whole seconds); `follow` waits until the container is no
   * longer running, then returns everything it wrote.
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
   * The engine's and the driver's health. Never throws: an unreachable
   * engine gives `status: "unhealthy"` with `error` set, and the next call
   * after the engine is back is healthy again.
   */
  async healthCheck(): Promise<DockerDriverHealth> {
    const { containers, disk } = this.#use();
    const base = {
      version: this.version,
      uptime: Math.max(0, this.#clock.now() - this.#startedAt),
      namespace: this.namespace,
      diskLimit: disk.state(),
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
   * from the engine, in that order (containers hold the others). Tries all of
   * them and rethrows the first failure at the end.
   *
   * @example
   * ```ts
   * afterAll(() => driver.cleanup());
   * ```
   */
  async cleanup(): Promise<CleanupReport> {
    return cleanupNamespace(this.#use());
  }

  /** Same as {@link DockerDriver.cleanup}: the driver keeps no other resources (no timers, no open streams). */
  async close(): Promise<CleanupReport> {
    return this.cleanup();
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
    const containers = new ContainerClient(scope, {
      socketPath: options.socketPath,
      stopTimeoutMs: options.stopTimeoutMs,
      removeTimeoutMs: options.removeTimeoutMs,
      tmpfsSizeMb: options.tmpfsSizeMb,
      init: options.init,
      volumes,
      networks,
      disk,
    });
    return { containers, volumes, networks, disk };
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

  #use(): DockerDriverClients {
    this.#clients ??= this.createClients(this.#engine());
    return this.#clients;
  }

  #checkLimits(config: ContainerConfig): void {
    checkResourceLimits(config.resources, this.limits);
  }
}
