/**
 * `SwarmDriver`: the contract implemented over a Docker Swarm, through its
 * managers' Engine API (services, tasks, nodes, overlay networks) and each
 * node's own engine (volumes, stops with a grace period, logs), with
 * dockerode.
 *
 * A container is a replicated service with at most one replica and restart
 * condition `none` (service-spec.ts, service-status.ts); the managers are
 * one client that fails over (managers.ts); what it shares with the Docker
 * driver (ownership labels, the pre-flight, limits, the per-engine volume
 * client, the network client, log shaping, the engine-call policy, cleanup)
 * is the Docker driver's code, imported. docs/SCALE.md has the whole mapping
 * and what Swarm cannot do.
 *
 * @module
 */
import {
  type Clock,
  ConfigurationError,
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  type DriverCapability,
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
  type VolumeConfig,
  type WriteFileOptions,
} from "../../../src/index.js";
import { type CleanupReport, cleanupNamespace } from "../../docker-driver/src/cleanup.js";
import { EngineCalls, type EngineScope } from "../../docker-driver/src/engine-call.js";
import { type ExpirySweepReport, parseExpiresAt } from "../../docker-driver/src/expiry.js";
import { checkResourceLimits, preflightContainerConfig } from "../../docker-driver/src/preflight.js";
import { ManagerPool } from "./managers.js";
import { SwarmNetworkClient } from "./networks.js";
import { NodeEngines } from "./nodes.js";
import { type ResolvedSwarmDriverOptions, resolveSwarmDriverOptions, type SwarmDriverOptions } from "./options.js";
import type { SwarmContainerInstance } from "./service-status.js";
import { ServiceClient } from "./services.js";
import { engineInfo, listServices } from "./swarm-api.js";
import { ServiceExpirySweeper } from "./expiry.js";
import { TaskAccess } from "./task-access.js";
import { type SwarmVolume, SwarmVolumeClient } from "./volumes.js";

/** `healthCheck()`'s result: the contract's fields and what the managers said about the swarm. */
export type SwarmDriverHealth = DriverHealth & {
  /** The answering manager's engine version, when one answered. */
  readonly engineVersion?: string;
  /** The socket of the manager the driver uses now. */
  readonly manager: string;
  /** The swarm's nodes and managers, as that manager counts them. */
  readonly swarm?: { readonly nodes: number; readonly managers: number };
  /** The namespace the counts cover. */
  readonly namespace: string;
};

const DRIVER_NAME = "swarm";
const DRIVER_VERSION = "1.0.0";

/**
 * A `ContainerDriver` over a Docker Swarm.
 *
 * @example
 * ```ts
 * import { createDriverConfig } from "@openagent/driver-interface";
 * import { SwarmDriver } from "./driver.js";
 *
 * const driver = new SwarmDriver({
 *   managers: ["/run/swarm/node1/docker.sock", "/run/swarm/node2/docker.sock", "/run/swarm/node3/docker.sock"],
 *   nodes: { "swarm-node1": "/run/swarm/node1/docker.sock", "swarm-node2": "/run/swarm/node2/docker.sock" },
 *   namespace: "my-app",
 * });
 * const container = await driver.createContainer(
 *   createDriverConfig({ sessionId: "s-1", image: "openagent-test/busybox:latest", command: ["echo", "hi"] }),
 * );
 * await driver.startContainer(container.id);
 * console.log(await driver.getContainerLogs(container.id, { follow: true })); // "hi\n"
 * await driver.removeContainer(container.id);
 * ```
 */
export class SwarmDriver implements ContainerDriver {
  /** `swarm`: also the value of the `org.openagent.driver` ownership label. */
  readonly name = DRIVER_NAME;
  /** The driver's semantic version. */
  readonly version = DRIVER_VERSION;
  /** What it honours on a swarm; docs/SCALE.md says why each other capability is not declared. */
  readonly capabilities: readonly DriverCapability[] = [
    "execution",
    "isolation",
    "limits",
    "exec",
    "files",
    "pause",
    "expiry",
    "idempotency",
  ];
  /** The namespace whose objects this instance owns. */
  readonly namespace: string;
  /** The most one container may ask for. */
  readonly limits: Readonly<{ cpu: number; memory: number; pids: number }>;
  /** The host directories containers may bind-mount from (on the node that runs them). */
  readonly allowedBindSources: readonly string[];
  /** The managers, one client that fails over. */
  readonly managers: ManagerPool;

  /** The options with their defaults. */
  protected readonly options: ResolvedSwarmDriverOptions;
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #scope: EngineScope;
  readonly #nodes: NodeEngines;
  readonly #services: ServiceClient;
  readonly #volumes: SwarmVolumeClient;
  readonly #networks: SwarmNetworkClient;
  readonly #tasks: TaskAccess;
  readonly #expiry: ServiceExpirySweeper;
  #closed = false;

  constructor(options: SwarmDriverOptions) {
    this.options = resolveSwarmDriverOptions(options);
    const { namespace, clock } = this.options;
    this.namespace = namespace;
    this.limits = this.options.limits;
    this.allowedBindSources = this.options.allowedBindSources;
    this.#clock = clock;
    this.#startedAt = clock.now();
    this.managers = new ManagerPool(this.options.managers);
    const calls = new EngineCalls({
      driver: DRIVER_NAME,
      timeoutMs: this.options.callTimeoutMs,
      retry: this.options.retry,
      clock,
    });
    const base = { calls, driver: DRIVER_NAME, namespace, clock };
    this.#scope = { ...base, docker: this.managers.docker };
    this.#nodes = new NodeEngines(this.options.nodes, this.managers, calls, base);
    this.#networks = new SwarmNetworkClient(this.#scope);
    this.#volumes = new SwarmVolumeClient(this.#nodes, (nodeId, name, context) =>
      this.#servicesMounting(nodeId, name, context),
    );
    this.#services = new ServiceClient(this.#scope, {
      nodes: this.#nodes,
      volumes: this.#volumes,
      networks: this.#networks,
      tmpfsSizeMb: this.options.tmpfsSizeMb,
      init: this.options.init,
      nodeNoNewPrivileges: this.options.nodeNoNewPrivileges,
      stopTimeoutMs: this.options.stopTimeoutMs,
      removeTimeoutMs: this.options.removeTimeoutMs,
      startTimeoutMs: this.options.startTimeoutMs,
      pollIntervalMs: this.options.pollIntervalMs,
    });
    this.#tasks = new TaskAccess(this.#services, this.#nodes);
    this.#expiry = new ServiceExpirySweeper(this.#scope, this.#services, this.options.expirySweepIntervalMs);
  }

  /**
   * Create a container (a service with no replica) in status `created`.
   * Checks, in this order: the config in the Docker driver's one pre-flight
   * (`ConfigurationError` listing every problem), the driver's limits
   * (`ResourceLimitError`), the network and volumes it names (the NotFound
   * errors), where it can run (`ConfigurationError` when its volumes live on
   * two nodes, or no node can honour it; `stdin`, which a task cannot
   * receive); then creates. A create that fails,
   * times out or loses its answer leaves no service behind.
   */
  async createContainer(input: ContainerConfig): Promise<SwarmContainerInstance> {
    const config = await preflightContainerConfig(input, { allowedBindSources: this.allowedBindSources });
    checkResourceLimits(config.resources, this.limits);
    if (config.stdin !== undefined) {
      // Never accepted and dropped: the caller learns at once that its input would not arrive.
      throw new ConfigurationError("stdin cannot be delivered on a swarm: a service's task has no attach", {
        issues: [{ path: "stdin", message: "not supported by the Swarm driver (capability streams is not declared)" }],
        context: { operation: "createContainer" },
      });
    }
    const instance = await this.#use().services.create(config);
    if (instance.expiresAt !== undefined) this.#expiry.expect(instance.expiresAt);
    return instance;
  }

  /** Start a container; resolves once its task runs (or has run and ended). See `CONTAINER_TRANSITIONS.start`. */
  async startContainer(id: string): Promise<void> {
    return this.#use().services.start(id);
  }

  /** Stop a container's task on its node with the grace period given (ms, whole seconds); see `CONTAINER_TRANSITIONS.stop`. */
  async stopContainer(id: string, options: StopOptions = {}): Promise<void> {
    return this.#use().services.stop(id, options);
  }

  /** Remove a container in any status: its service, and its tasks' containers on their nodes. */
  async removeContainer(id: string): Promise<void> {
    return this.#use().services.remove(id);
  }

  /** The container, or `null` when this driver has none with this id. Never throws for a missing id. */
  async getContainer(id: string): Promise<SwarmContainerInstance | null> {
    return this.#use().services.get(id);
  }

  /** The containers of this driver and namespace that match every given filter field. */
  async listContainers(filter: ContainerFilter = {}): Promise<SwarmContainerInstance[]> {
    return this.#use().services.list(filter);
  }

  /** The container's stdout and stderr: every run's, oldest first; `follow` waits until it no longer runs. */
  async getContainerLogs(id: string, options: LogOptions = {}): Promise<string> {
    return this.#use().services.logs(id, options);
  }

  /** `true` when the container's task runs; `false` otherwise; `ContainerNotFoundError` when there is no such container. */
  async isContainerHealthy(id: string): Promise<boolean> {
    return this.#use().services.isHealthy(id);
  }

  /**
   * Run a command in a running container: the Docker driver's exec on the
   * engine of the node that runs the task (see task-access.ts). A container
   * that does not run: `ContainerStateError`.
   */
  async execInContainer(id: string, request: ExecRequest, options?: ExecOptions): Promise<ExecResult> {
    return this.#use().tasks.exec(id, request, options);
  }

  /**
   * Write a file into the task's container on its node, as the Docker driver
   * does. Works while the container is running, paused, stopped or exited
   * (the next start keeps the file: it runs from the committed file system);
   * a `created` container has no task and so no file system yet:
   * `ContainerStateError`, as for `dead`.
   */
  async writeFile(id: string, path: string, content: FileContent, options: WriteFileOptions = {}): Promise<void> {
    return this.#use().tasks.writeFile(id, path, content, options);
  }

  /** Read a whole file (at most `maxBytes`, default 64 MiB); statuses as {@link SwarmDriver.writeFile}. */
  async readFile(id: string, path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    return this.#use().tasks.readFile(id, path, options);
  }

  /** Read a file as a stream of chunks, resolved once the file is found; statuses as {@link SwarmDriver.writeFile}. */
  async readFileStream(id: string, path: string, options: ReadFileOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    return this.#use().tasks.readFileStream(id, path, options);
  }

  /** Create a volume on one node (the containers that mount it will run there); its id is its name. */
  async createVolume(input: VolumeConfig): Promise<SwarmVolume> {
    return this.#use().volumes.create(input);
  }

  /** Remove a volume of this namespace; one a container still uses is a `VolumeRemoveError`. */
  async removeVolume(id: string): Promise<void> {
    return this.#use().volumes.remove(id);
  }

  /** Create an attachable overlay network with the ownership labels. */
  async createNetwork(input: NetworkConfig): Promise<Network> {
    return this.#use().networks.create(input);
  }

  /** Remove a network of this namespace, by id or name; one a service joins is a `NetworkRemoveError`. */
  async removeNetwork(id: string): Promise<void> {
    return this.#use().networks.remove(id);
  }

  /**
   * The swarm's and the driver's health. Never throws: no manager answering
   * gives `status: "unhealthy"` with `error` set, and the next call after one
   * is back is healthy again.
   */
  async healthCheck(): Promise<SwarmDriverHealth> {
    const base = {
      version: this.version,
      uptime: Math.max(0, this.#clock.now() - this.#startedAt),
      namespace: this.namespace,
      unenforced: ["resources.disk", ...(this.options.nodeNoNewPrivileges ? [] : ["security.noNewPrivileges"])],
    };
    const context = { operation: "healthCheck" };
    try {
      const once = { maxAttempts: 1 };
      const [info, counts] = await Promise.all([
        this.#scope.calls.call(context, (signal) => engineInfo(this.managers.docker, signal), once),
        this.#services.count(context, once),
      ]);
      const swarm = info.Swarm;
      if (swarm?.LocalNodeState !== "active" || swarm.ControlAvailable !== true) {
        throw new Error(`the manager is not an active manager of a swarm (${swarm?.LocalNodeState ?? "no swarm"})`);
      }
      return {
        ...base,
        status: "healthy",
        manager: this.managers.current(),
        ...(info.ServerVersion === undefined ? {} : { engineVersion: info.ServerVersion }),
        swarm: { nodes: swarm.Nodes ?? 0, managers: swarm.Managers ?? 0 },
        containers: { total: counts.total, running: counts.running, stopped: counts.stopped },
      };
    } catch (error) {
      return {
        ...base,
        status: "unhealthy",
        manager: this.managers.current(),
        containers: { total: 0, running: 0, stopped: 0 },
        error: getErrorMessage(toDriverError(error, { ...context, driver: this.name })),
      };
    }
  }

  /**
   * Remove every service, network and volume of this driver's namespace,
   * in that order (services hold the others). Tries all of them and rethrows
   * the first failure at the end.
   */
  async cleanup(): Promise<CleanupReport> {
    return cleanupNamespace({ containers: this.#services, networks: this.#networks, volumes: this.#volumes });
  }

  /**
   * Freeze a running container's processes: the engine's pause (the cgroup
   * freezer) of its task's container on its node; they keep their memory and
   * resume where they were. See the `pause` row of `CONTAINER_TRANSITIONS`.
   */
  async pauseContainer(id: string): Promise<void> {
    return this.#use().services.freeze(id, "pause");
  }

  /** Thaw a paused container; see the `resume` row of `CONTAINER_TRANSITIONS`. */
  async resumeContainer(id: string): Promise<void> {
    return this.#use().services.freeze(id, "resume");
  }

  /**
   * Move a container's expiry to `expiresAt` (ms since the epoch; a time
   * past makes it due at once), or clear it (`null`): a label on its service,
   * so every driver instance of the namespace honours it (expiry.ts).
   */
  async setContainerExpiry(id: string, expiresAt: number | null): Promise<void> {
    const when = parseExpiresAt(expiresAt);
    await this.#use().services.setExpiry(id, when);
    if (when !== null) this.#expiry.expect(when);
  }

  /**
   * Sweep the namespace for expired containers now and remove them (the
   * driver also does so on its own, every `expirySweepIntervalMs` and at
   * each expiry it knows of): one list call, one removal per expired one.
   *
   * @example
   * ```ts
   * const { removed } = await driver.sweepExpired();
   * ```
   */
  async sweepExpired(): Promise<ExpirySweepReport> {
    return this.#use().expiry.sweep();
  }

  /**
   * Stop the expiry sweeper (waiting for a sweep under way). Every service,
   * volume and network stays on the swarm. Idempotent; the driver still
   * answers calls afterwards, but runs nothing in the background.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#expiry.close();
  }

  /**
   * The clients, and on the first call the expiry sweeper's start: its first
   * sweep removes what expired while no driver of the namespace ran (never
   * after `close()`).
   */
  #use() {
    if (!this.#closed) this.#expiry.start();
    return {
      services: this.#services,
      tasks: this.#tasks,
      volumes: this.#volumes,
      networks: this.#networks,
      expiry: this.#expiry,
    };
  }

  /** The services (of any owner) whose tasks mount volume `name` on node `nodeId`, or anywhere when not pinned. */
  async #servicesMounting(nodeId: string, name: string, context: { operation: string }): Promise<string[]> {
    const services = await this.#scope.calls.call(context, (signal) => listServices(this.managers.docker, {}, signal));
    return services
      .filter((service) => {
        const mounts = service.Spec.TaskTemplate.ContainerSpec.Mounts ?? [];
        if (!mounts.some((mount) => mount.Type === "volume" && mount.Source === name)) return false;
        const constraints = service.Spec.TaskTemplate.Placement?.Constraints ?? [];
        const pinned = constraints.find((constraint) => constraint.replace(/\s/g, "").startsWith("node.id=="));
        return pinned === undefined || pinned.replace(/\s/g, "") === `node.id==${nodeId}`;
      })
      .map((service) => service.Spec.Name);
  }
}
