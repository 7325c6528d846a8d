/**
 * Containers as Swarm services: the contract's container methods over the
 * managers' services and tasks, and over the nodes' engines where Swarm has
 * no call for the job (a stop with the caller's grace period, logs, the
 * removal of a removed service's containers).
 *
 * - start: the service asks for 1 replica (first start), or for a new task
 *   (`ForceUpdate`, after a stop or an exit); the call resolves once the task
 *   runs, or has run and ended.
 * - stop: the stopped marker goes on the service, then the task's container
 *   is stopped on its node with the caller's grace period; Swarm sees the
 *   task end and, with restart condition `none`, leaves it ended. A task not
 *   yet running is stopped by asking for 0 replicas.
 * - remove: the running task is stopped on its node (`removeTimeoutMs`), the
 *   service removed, and its tasks' containers removed from their nodes, so
 *   the volumes and networks they held are free when the call resolves.
 *
 * Every lookup checks the ownership labels; operations on one id run one at a
 * time; status comes from service-status.ts.
 *
 * @module
 */
import {
  type ContainerConfig,
  type ContainerFilter,
  ContainerNotFoundError,
  type ContainerStatus,
  ContainerStartError,
  ContainerStateError,
  type ErrorMappingContext,
  KeyedMutex,
  type LogOptions,
  parseContainerFilter,
  parseLogOptions,
  parseStopOptions,
  type StopOptions,
  transitionFor,
} from "../../../src/index.js";
import type { ContainerCounts } from "../../docker-driver/src/containers.js";
import { type EngineCallOptions, type EngineScope, statusCodeOf } from "../../docker-driver/src/engine-call.js";
import { isOwnedBy, OWNER_LABELS, ownerLabelFilter, reservedKeysIn } from "../../docker-driver/src/labels.js";
import { requireString } from "../../docker-driver/src/preflight.js";
import { createKeyedService, createOwnedService, type ServiceCreateSettings } from "./service-create.js";
import { createServiceWithKey } from "./service-keys.js";
import { readServiceLogs } from "./service-logs.js";
import { type CommittedTask, TaskControl } from "./tasks.js";
import { imageOfSpec, SWARM_LABELS } from "./service-spec.js";
import {
  containerIdOf,
  type ServiceStatusView,
  type ServiceView,
  type SwarmContainerInstance,
  sortTasks,
  statusOfService,
  toSwarmInstance,
} from "./service-status.js";
import {
  inspectService,
  listServices,
  listTasks,
  removeService,
  type ServiceSpec,
  type SwarmService,
  type SwarmTask,
  updateService,
} from "./swarm-api.js";

/** What {@link ServiceClient} needs besides the managers' scope. */
export type ServiceClientSettings = ServiceCreateSettings & {
  /** Grace period of `stop` when the caller gives none, in ms. */
  readonly stopTimeoutMs: number;
  /** How long `start` waits for the task to run, in ms. */
  readonly startTimeoutMs: number;
  /** Interval between two reads of a task's state while waiting, in ms. */
  readonly pollIntervalMs: number;
};

/** Where a container's newest task runs, as {@link ServiceClient.locate} finds it. */
export type TaskLocation = {
  /** The container's contract status. */
  readonly status: ContainerStatus;
  /** The Swarm node of the newest task, once placed. */
  readonly nodeId?: string;
  /** The task's container on that node, once it has one. */
  readonly containerId?: string;
};

/** Swarm's object IDs: 25 characters of `[a-z0-9]`. Anything else is not an id this driver handed out. */
const SERVICE_ID = /^[a-z0-9]{25}$/;

/**
 * Swarm services as the contract's containers.
 *
 * @example
 * ```ts
 * const services = new ServiceClient(scope, settings);
 * const created = await services.create(config); // status "created", 0 replicas
 * await services.start(created.id); // resolves once its task runs
 * ```
 */
export class ServiceClient {
  readonly #scope: EngineScope;
  readonly #settings: ServiceClientSettings;
  /** Per service id, so the read-decide-act of start, stop and remove is atomic per container. */
  readonly #locks = new KeyedMutex<string>();
  readonly #tasks: TaskControl;

  constructor(scope: EngineScope, settings: ServiceClientSettings) {
    this.#scope = scope;
    this.#settings = settings;
    this.#tasks = new TaskControl(scope, settings);
  }

  /** Create the container's service in status `created`; see `createOwnedService`. */
  async create(config: ContainerConfig): Promise<SwarmContainerInstance> {
    const { idempotencyKey } = config;
    if (idempotencyKey !== undefined) {
      return createServiceWithKey(
        this.#scope,
        { ...config, idempotencyKey },
        {
          create: (keyed) => createKeyedService(this.#scope, this.#settings, config, keyed),
          instance: async (id) => {
            const found = await this.get(id);
            if (found === null) throw new ContainerNotFoundError(id, { context: { operation: "createContainer" } });
            return found;
          },
        },
      );
    }
    const id = await createOwnedService(this.#scope, this.#settings, config);
    const context = { operation: "createContainer", containerId: id };
    let service: SwarmService;
    try {
      service = await this.#scope.calls.call(context, (signal) => inspectService(this.#scope.docker, id, signal));
    } catch (error) {
      // Created, but the call rejects: the service must not outlive the failure.
      await removeService(this.#scope.docker, id, AbortSignal.timeout(this.#scope.calls.timeoutMs)).catch(
        () => undefined,
      );
      throw error;
    }
    // A service just created with no replica has no task: the service alone is its view.
    return this.#instance({ service, tasks: [], nodeStates: new Map() });
  }

  /** Start a container; see `CONTAINER_TRANSITIONS.start` and the module comment. */
  async start(id: string): Promise<void> {
    await this.#withOwned(id, "startContainer", async (view, current) => {
      const transition = transitionFor("start", current.status);
      if (transition.kind === "noop") return;
      if (transition.kind === "reject") {
        throw new ContainerStartError(id, `its status is '${current.status}'; remove it and create a new one`);
      }
      const context = { operation: "startContainer", containerId: id };
      const { Spec: spec } = view.service;
      const { [SWARM_LABELS.stopped]: _marker, [SWARM_LABELS.paused]: _paused, ...labels } = spec.Labels ?? {};
      // A task ran before: its file system goes on in the next task, on its node (see tasks.ts).
      const committed = view.tasks.length === 0 ? undefined : await this.#tasks.commitFileSystem(view, context);
      const next: ServiceSpec = {
        ...spec,
        Labels: committed === undefined ? labels : { ...labels, [SWARM_LABELS.image]: imageOfSpec(spec) },
        Mode: { ...spec.Mode, Replicated: { Replicas: 1 } },
        // A task ran before: only a changed template makes the orchestrator replace it.
        TaskTemplate:
          view.tasks.length === 0
            ? spec.TaskTemplate
            : {
                ...restartedTemplate(spec.TaskTemplate, committed),
                ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1,
              },
      };
      await this.#update(view.service, next, context);
      await this.#tasks.waitStarted(id, new Set(view.tasks.map((task) => task.ID)), context);
    });
  }

  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`. `timeout` (ms) is
   * the grace period between SIGTERM and SIGKILL, rounded up to whole
   * seconds (the engine's unit); `force` kills at once.
   */
  async stop(id: string, options: StopOptions = {}): Promise<void> {
    const stop = parseStopOptions(options);
    await this.#withOwned(id, "stopContainer", async (view, current) => {
      if (transitionFor("stop", current.status).kind !== "move") return;
      const context = { operation: "stopContainer", containerId: id };
      const graceMs = stop.force === true ? 0 : (stop.timeout ?? this.#settings.stopTimeoutMs);
      const task = current.task;
      const containerId = task === undefined ? undefined : containerIdOf(task);
      // Marked before the stop, so a reader meanwhile sees `running` or `stopped`, never `exited`.
      // A task without a container yet is stopped by Swarm itself: no replica.
      const { [SWARM_LABELS.paused]: _paused, ...labels } = view.service.Spec.Labels ?? {};
      const spec = view.service.Spec;
      await this.#update(
        view.service,
        {
          ...spec,
          Labels: { ...labels, [SWARM_LABELS.stopped]: "true" },
          ...(containerId === undefined ? { Mode: { ...spec.Mode, Replicated: { Replicas: 0 } } } : {}),
        },
        context,
      );
      if (task === undefined || containerId === undefined) return;
      try {
        await this.#tasks.stopContainer(task, containerId, graceMs, context);
        await this.#tasks.waitEnded(id, task.ID, context);
      } catch (error) {
        // Not stopped by us after all: whatever ends it later is its own doing.
        await this.#unmarkQuietly(id);
        throw error;
      }
    });
  }

  /** Remove a container in any status; see the module comment. */
  async remove(id: string): Promise<void> {
    await this.#withOwned(id, "removeContainer", async (view, current) => {
      if (transitionFor("remove", current.status).kind !== "delete") return;
      const context = { operation: "removeContainer", containerId: id };
      const task = current.task;
      const containerId = task === undefined ? undefined : containerIdOf(task);
      if (current.status === "running" && task !== undefined && containerId !== undefined) {
        try {
          // Marked, so until it is gone it reads `stopped`, not `exited` (see stop).
          await this.#update(
            view.service,
            { ...view.service.Spec, Labels: { ...view.service.Spec.Labels, [SWARM_LABELS.stopped]: "true" } },
            context,
          );
          await this.#tasks.stopContainer(task, containerId, this.#settings.removeTimeoutMs, context);
        } catch {
          // Swarm stops it when the service goes, with the service's grace period.
        }
      }
      await this.#scope.calls.call(context, async (signal, attempt) => {
        try {
          await removeService(this.#scope.docker, id, signal);
        } catch (error) {
          // A retry after a lost answer finds the service already gone: that is success.
          if (attempt > 1 && statusCodeOf(error) === 404) return;
          throw error;
        }
      });
      await this.#tasks.removeContainers(view, context);
      await this.#tasks.removeImages(view, context);
    });
  }

  /**
   * Pause or resume: the `pause` and `resume` rows of `CONTAINER_TRANSITIONS`.
   * A move freezes or thaws the task's container on its node, then sets or
   * clears the paused marker on the service (the managers cannot tell).
   */
  async freeze(id: string, operation: "pause" | "resume"): Promise<void> {
    const method = operation === "pause" ? "pauseContainer" : "resumeContainer";
    await this.#withOwned(id, method, async (view, current) => {
      const transition = transitionFor(operation, current.status);
      if (transition.kind === "noop") return;
      const { task } = current;
      const containerId = task === undefined ? undefined : containerIdOf(task);
      if (transition.kind !== "move" || task === undefined || containerId === undefined) {
        throw new ContainerStateError(id, current.status, method);
      }
      const context = { operation: method, containerId: id };
      if (!(await this.#tasks.freeze(task, containerId, operation === "pause" ? "pause" : "unpause", context))) {
        // Refused by the node: the container ended (or was frozen by someone else) since the read.
        const now = await this.#view(id, method);
        throw new ContainerStateError(id, now === null ? "removed" : statusOfService(now).status, method);
      }
      const { [SWARM_LABELS.paused]: _marker, ...labels } = view.service.Spec.Labels ?? {};
      await this.#update(
        view.service,
        { ...view.service.Spec, Labels: operation === "pause" ? { ...labels, [SWARM_LABELS.paused]: "true" } : labels },
        context,
      );
    });
  }

  /**
   * Move the container's expiry (`null`: none): the label on its service,
   * which the managers keep for every driver instance (expiry.ts sweeps by it).
   */
  async setExpiry(id: string, expiresAt: number | null): Promise<void> {
    await this.#withOwned(id, "setContainerExpiry", async (view) => {
      const { [OWNER_LABELS.expiresAt]: _old, ...labels } = view.service.Spec.Labels ?? {};
      const next = expiresAt === null ? labels : { ...labels, [OWNER_LABELS.expiresAt]: String(expiresAt) };
      const context = { operation: "setContainerExpiry", containerId: id };
      await this.#update(view.service, { ...view.service.Spec, Labels: next }, context);
    });
  }

  /** The container, or `null` when this driver has none with this id. Never throws for a missing id. */
  async get(id: string): Promise<SwarmContainerInstance | null> {
    requireString(id, "Container id");
    const view = await this.#view(id, "getContainer");
    return view === null ? null : this.#instance(view);
  }

  /** The containers of this driver and namespace that match every given filter field. */
  async list(filter: ContainerFilter = {}): Promise<SwarmContainerInstance[]> {
    const criteria = parseContainerFilter(filter);
    const wanted = criteria.label ?? {};
    if (reservedKeysIn(wanted).length > 0) return [];
    const labels = ownerLabelFilter(this.#scope.driver, this.#scope.namespace);
    if (criteria.sessionId !== undefined) labels.push(`${OWNER_LABELS.session}=${criteria.sessionId}`);
    for (const [key, value] of Object.entries(wanted)) {
      // The engine splits `key=value` at the first '=': such keys are matched below only.
      if (!key.includes("=")) labels.push(`${key}=${value}`);
    }
    const views = await this.#views({ operation: "listContainers" }, labels);
    const instances = (await Promise.all(views.map((view) => this.#instance(view)))).filter(
      (instance) =>
        (criteria.sessionId === undefined || instance.sessionId === criteria.sessionId) &&
        (criteria.status === undefined || instance.status === criteria.status) &&
        (criteria.state === undefined || instance.state === criteria.state) &&
        Object.entries(wanted).every(([key, value]) => instance.labels[key] === value),
    );
    return instances.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /**
   * The container's logs: every task's, oldest first (service-logs.ts).
   * `follow` waits until the container is no longer running, then returns
   * everything it wrote.
   */
  async logs(id: string, options: LogOptions = {}): Promise<string> {
    const shape = parseLogOptions(options);
    requireString(id, "Container id");
    const context = { operation: "getContainerLogs", containerId: id };
    let view = await this.#view(id, "getContainerLogs");
    if (view === null) throw new ContainerNotFoundError(id, { context });
    while (shape.follow === true && statusOfService(view).status === "running") {
      await this.#scope.clock.sleep(this.#settings.pollIntervalMs);
      view = await this.#view(id, "getContainerLogs");
      if (view === null) throw new ContainerNotFoundError(id, { context });
    }
    return readServiceLogs(this.#scope.calls, this.#settings.nodes, view, shape, context);
  }

  /**
   * Where the container's newest task is: its contract status, its node and
   * its container there (once it has one); `null` when this driver has no
   * such container. Exec and files go to that node's engine (task-access.ts).
   */
  async locate(id: string, operation: string): Promise<TaskLocation | null> {
    const view = await this.#view(id, operation);
    if (view === null) return null;
    const { status, task } = statusOfService(view);
    const containerId = task === undefined ? undefined : containerIdOf(task);
    const nodeId = task?.NodeID === undefined || task.NodeID === "" ? undefined : task.NodeID;
    return {
      status,
      ...(containerId === undefined ? {} : { containerId }),
      ...(nodeId === undefined ? {} : { nodeId }),
    };
  }

  /** `true` when the container's task runs (a task with a health check runs only once healthy); `false` otherwise. */
  async isHealthy(id: string): Promise<boolean> {
    requireString(id, "Container id");
    const view = await this.#view(id, "isContainerHealthy");
    if (view === null) throw new ContainerNotFoundError(id, { context: { operation: "isContainerHealthy" } });
    const { status, task } = statusOfService(view);
    return status === "running" && task?.Status.State === "running";
  }

  /** The namespace's containers by status, for `healthCheck()`. */
  async count(context: ErrorMappingContext, options: EngineCallOptions = {}): Promise<ContainerCounts> {
    const views = await this.#views(context, ownerLabelFilter(this.#scope.driver, this.#scope.namespace), options);
    const running = views.filter((view) => statusOfService(view).status === "running").length;
    return { total: views.length, running, stopped: views.length - running };
  }

  /** The ids of the namespace's containers, for `cleanup()`. */
  async listOwned(context: ErrorMappingContext): Promise<string[]> {
    const { calls, docker, driver, namespace } = this.#scope;
    const services = await calls.call(context, (signal) =>
      listServices(docker, { label: ownerLabelFilter(driver, namespace) }, signal),
    );
    return services.map((service) => service.ID);
  }

  /** As {@link ServiceClient.remove}. */
  async removeOwned(id: string, _context: ErrorMappingContext): Promise<void> {
    await this.remove(id);
  }

  async #instance(view: ServiceView): Promise<SwarmContainerInstance> {
    const { nodes } = this.#settings;
    return toSwarmInstance(view, {
      socketOf: (nodeId) => nodes.knownSocket(nodeId),
      oomKilled: await this.#tasks.oomKilled(view),
    });
  }

  /** The service, its tasks and the nodes' states; `null` when there is no such service of this owner. */
  async #view(id: string, operation: string): Promise<ServiceView | null> {
    if (!SERVICE_ID.test(id)) return null;
    const context = { operation, containerId: id };
    const { calls, docker, driver, namespace } = this.#scope;
    try {
      const [service, tasks, nodeStates] = await Promise.all([
        calls.call(context, (signal) => inspectService(docker, id, signal)),
        calls.call(context, (signal) => listTasks(docker, { service: [id] }, signal)),
        this.#settings.nodes.states(context),
        // Resolved once per driver: the instance names the node's socket in its endpoint.
        this.#settings.nodes.reachable(context),
      ]);
      if (service.ID !== id || !isOwnedBy(service.Spec.Labels, driver, namespace)) return null;
      return { service, tasks: sortTasks(tasks), nodeStates };
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return null;
      throw error;
    }
  }

  /** The views of the services with these labels, from three calls whatever their number. */
  async #views(
    context: ErrorMappingContext,
    labels: string[],
    options: EngineCallOptions = {},
  ): Promise<ServiceView[]> {
    const { calls, docker, driver, namespace } = this.#scope;
    const [services, tasks, nodeStates] = await Promise.all([
      calls.call(context, (signal) => listServices(docker, { label: labels }, signal), options),
      // Every task of the namespace: the container spec carries the ownership labels.
      calls.call(
        context,
        (signal) => listTasks(docker, { label: ownerLabelFilter(driver, namespace) }, signal),
        options,
      ),
      this.#settings.nodes.states(context),
      this.#settings.nodes.reachable(context),
    ]);
    const byService = new Map<string, SwarmTask[]>();
    for (const task of tasks) byService.set(task.ServiceID, [...(byService.get(task.ServiceID) ?? []), task]);
    return services
      .filter((service) => isOwnedBy(service.Spec.Labels, driver, namespace))
      .map((service) => ({ service, tasks: sortTasks(byService.get(service.ID) ?? []), nodeStates }));
  }

  /** Run `work` under the id's lock with the service's current view and status. */
  async #withOwned(
    id: string,
    operation: string,
    work: (view: ServiceView, current: ServiceStatusView) => Promise<void>,
  ): Promise<void> {
    requireString(id, "Container id");
    await this.#locks.runExclusive(id, async () => {
      const view = await this.#view(id, operation);
      if (view === null) throw new ContainerNotFoundError(id, { context: { operation } });
      await work(view, statusOfService(view));
    });
  }

  async #update(service: SwarmService, spec: ServiceSpec, context: ErrorMappingContext): Promise<void> {
    await this.#scope.calls.call(context, (signal) =>
      updateService(this.#scope.docker, service.ID, service.Version.Index, spec, signal),
    );
  }

  async #unmarkQuietly(id: string): Promise<void> {
    try {
      const service = await inspectService(this.#scope.docker, id, AbortSignal.timeout(this.#scope.calls.timeoutMs));
      const { [SWARM_LABELS.stopped]: _marker, ...labels } = service.Spec.Labels ?? {};
      await updateService(
        this.#scope.docker,
        id,
        service.Version.Index,
        { ...service.Spec, Labels: labels },
        AbortSignal.timeout(this.#scope.calls.timeoutMs),
      );
    } catch {
      // The managers are gone: nothing more can be done here.
    }
  }
}

/**
 * The task template of a restart: the previous task's committed file system
 * as the image, pinned to the node that holds it (replacing any earlier pin:
 * the task ran there, so it met every other constraint).
 */
function restartedTemplate(template: ServiceSpec["TaskTemplate"], committed: CommittedTask | undefined) {
  if (committed === undefined) return template;
  const others = (template.Placement?.Constraints ?? []).filter(
    (constraint) => !constraint.replace(/\s/g, "").startsWith("node.id=="),
  );
  return {
    ...template,
    ContainerSpec: { ...template.ContainerSpec, Image: committed.image },
    Placement: { ...template.Placement, Constraints: [...others, `node.id==${committed.nodeId}`] },
  };
}
