/**
 * Containers: the contract's container methods over the engine for one
 * driver and namespace. Every lookup checks the ownership labels; the
 * lifecycle comes from the package's transition table; operations on one id
 * run one at a time; `stopped` is kept in the engine as a marker in the
 * container's name (see `STOPPED_NAME_SUFFIX`), so a restarted driver still
 * tells it from `exited`, and so is a moved expiry (see expiry.ts); both are
 * changed through the current name and read back, so two driver instances
 * do not lose each other's marker (container-name.ts). Pause and resume are
 * in pause.ts.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  type ContainerConfig,
  type ContainerFilter,
  ContainerNotFoundError,
  ContainerStartError,
  type ContainerStatus,
  type DriverError,
  type ErrorMappingContext,
  KeyedMutex,
  type LogOptions,
  parseContainerFilter,
  parseLogOptions,
  parseStopOptions,
  SESSION_ID_PATTERN,
  type StopOptions,
  type Transition,
  transitionFor,
  MAX_TIMER_DELAY_MS,
} from "../../../src/index.js";
import { type ContainerCreateSettings, createOwnedContainer } from "./container-create.js";
import { readContainerLogs } from "./container-logs.js";
import { changeEngineName, changeEngineNameQuietly } from "./container-name.js";
import { type EngineCallOptions, type EngineScope, ignoreNotModified, statusCodeOf } from "./engine-call.js";
import { moveExpiry, parseExpiresAt } from "./expiry.js";
import {
  type EngineNameParts,
  engineLabelFilters,
  hasStoppedMarker,
  isOwnedBy,
  OWNER_LABELS,
  ownerLabelFilter,
  reservedKeysIn,
} from "./labels.js";
import { type DockerContainerInstance, statusFromEngine, toInstance } from "./mapping.js";
import { freezeOrThaw } from "./pause.js";
import { requireString } from "./preflight.js";
import { attachStdin, stdinOf } from "./stdin.js";

/**
 * What the driver asks of its container client. {@link ContainerClient}
 * implements it over engine containers; a variant engine (services and tasks
 * on Swarm) implements it over its own objects.
 */
export interface ContainerOperations {
  /** Create a container from a config that passed the driver's pre-flight and limits. */
  create(config: ContainerConfig): Promise<DockerContainerInstance>;
  /** `startContainer`. */
  start(id: string): Promise<void>;
  /** `stopContainer`. */
  stop(id: string, options?: StopOptions): Promise<void>;
  /** `removeContainer`. */
  remove(id: string): Promise<void>;
  /** `getContainer`. */
  get(id: string): Promise<DockerContainerInstance | null>;
  /** `listContainers`. */
  list(filter?: ContainerFilter): Promise<DockerContainerInstance[]>;
  /** `getContainerLogs`. */
  logs(id: string, options?: LogOptions): Promise<string>;
  /** `isContainerHealthy`. */
  isHealthy(id: string): Promise<boolean>;
  /** The namespace's containers by status, for `healthCheck()`. */
  count(context: ErrorMappingContext, options?: EngineCallOptions): Promise<ContainerCounts>;
  /** The ids of the namespace's containers, for `cleanup()`. */
  listOwned(context: ErrorMappingContext): Promise<string[]>;
  /** Remove one of them, for `cleanup()`. */
  removeOwned(id: string, context: ErrorMappingContext): Promise<void>;
  /** `pauseContainer`; a variant engine that cannot pause leaves it out (and does not declare `pause`). */
  pause?(id: string): Promise<void>;
  /** `resumeContainer`; see {@link ContainerOperations.pause}. */
  resume?(id: string): Promise<void>;
  /** `setContainerExpiry`; a variant engine without it does not declare `expiry`. */
  setExpiry?(id: string, expiresAt: number | null): Promise<void>;
}

/** `healthCheck()`'s container counts: stopped counts every container that is not running. */
export type ContainerCounts = { readonly total: number; readonly running: number; readonly stopped: number };

/** What {@link ContainerClient} needs besides the engine scope. */
export type ContainerClientSettings = ContainerCreateSettings & {
  /** Grace period of `stop` when the caller gives none, in ms. */
  readonly stopTimeoutMs: number;
  /** Grace period before `remove` kills a running container, in ms. */
  readonly removeTimeoutMs: number;
};

/** Engine ids are 64 hex digits; anything else is not an id this driver handed out. */
const ENGINE_ID = /^[0-9a-f]{64}$/;
/** The longest grace period a stop gets, in seconds (23 days). */
const MAX_GRACE_SECONDS = 2_000_000;
/** The engine's 409 when another client is already removing the container. */
const REMOVAL_IN_PROGRESS = /removal of container .* is already in progress/;
/** How often a remove that found another removal under way looks whether the container is gone, in ms. */
const REMOVAL_POLL_MS = 50;

/** The engine's own message of an unmapped dockerode error. */
function rawEngineMessage(error: unknown): string {
  const json =
    typeof error === "object" && error !== null ? (error as { json?: { message?: unknown } }).json : undefined;
  return typeof json?.message === "string" ? json.message : String((error as { message?: unknown })?.message ?? "");
}

/** The error of a rejecting transition, by the name the lifecycle table gives. */
const TRANSITION_REJECTIONS: Record<
  Extract<Transition, { kind: "reject" }>["error"],
  (id: string, status: ContainerStatus) => DriverError
> = {
  ContainerStartError: (id, status) =>
    new ContainerStartError(id, `its status is '${status}'; remove it and create a new one`),
};

/**
 * Engine containers as the contract's containers. The create is in
 * container-create.ts, the reading of logs in container-logs.ts.
 *
 * @example
 * ```ts
 * const containers = new ContainerClient(scope, { socketPath, stopTimeoutMs: 10_000, ..., volumes, networks, disk });
 * const created = await containers.create(config);
 * await containers.start(created.id);
 * ```
 */
export class ContainerClient implements ContainerOperations {
  readonly #scope: EngineScope;
  readonly #settings: ContainerClientSettings;
  /** Per container id, so the read-decide-act of start, stop and remove is atomic per container. */
  readonly #locks = new KeyedMutex<string>();

  constructor(scope: EngineScope, settings: ContainerClientSettings) {
    this.#scope = scope;
    this.#settings = settings;
  }

  /** Create a container in status `created`; see `createOwnedContainer`. */
  async create(config: ContainerConfig): Promise<DockerContainerInstance> {
    return createOwnedContainer(this.#scope, this.#settings, config);
  }

  /** Start a container; see `CONTAINER_TRANSITIONS.start`. */
  async start(id: string): Promise<void> {
    await this.#withOwned(id, "startContainer", async (info, status) => {
      const transition = transitionFor("start", status);
      if (transition.kind === "noop") return;
      if (transition.kind === "reject") throw TRANSITION_REJECTIONS[transition.error](id, status);
      const context = { operation: "startContainer", containerId: id };
      const container = this.#scope.docker.getContainer(id);
      // A config's stdin is written on every start: attached before, so the command reads it from its first instruction.
      const stdin = stdinOf(info.Config.Labels);
      const attachment = stdin === undefined ? undefined : await attachStdin(this.#scope, container, stdin, context);
      try {
        await this.#scope.calls.call(context, (signal) => ignoreNotModified(container.start({ abortSignal: signal })));
      } catch (error) {
        attachment?.cancel();
        throw error;
      }
      const delivered = attachment?.deliver();
      // Awaited below; a failed rename must not leave the delivery's failure unhandled.
      delivered?.catch(() => undefined);
      if (hasStoppedMarker(info.Name)) {
        // Started again: whatever ends it next is its own doing, not a stop. Unmarked only once it
        // runs, so a reader meanwhile sees `stopped` (the engine ignores the marker of a running one),
        // never `exited`.
        await changeEngineName(this.#scope, id, info, unmarkStopped, "startContainer");
      }
      await delivered;
    });
  }

  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`. `timeout` (ms) is
   * the grace period between SIGTERM and SIGKILL, rounded up to whole
   * seconds (the engine's unit); `force` kills at once.
   */
  async stop(id: string, options: StopOptions = {}): Promise<void> {
    const stop = parseStopOptions(options);
    await this.#withOwned(id, "stopContainer", async (info, status) => {
      if (transitionFor("stop", status).kind !== "move") return;
      const graceMs = stop.force === true ? 0 : (stop.timeout ?? this.#settings.stopTimeoutMs);
      const mark = !hasStoppedMarker(info.Name);
      // Marked before the stop, so a reader meanwhile sees `running` (the engine ignores the marker of a
      // running one) or `stopped`, never `exited`, which a platform would take for a crash.
      if (mark) await changeEngineName(this.#scope, id, info, markStopped, "stopContainer");
      try {
        await this.#stopEngineContainer(id, info, status, graceMs, "stopContainer");
      } catch (error) {
        // Not stopped by us after all: whatever ends it later is its own doing.
        if (mark) await this.#unmarkQuietly(id, "stopContainer");
        throw error;
      }
    });
  }

  /**
   * Remove a container in any status. A running one gets
   * `removeTimeoutMs` to stop on SIGTERM, then is killed.
   */
  async remove(id: string): Promise<void> {
    await this.#withOwned(id, "removeContainer", async (info, status) => {
      if (transitionFor("remove", status).kind !== "delete") return;
      const context = { operation: "removeContainer", containerId: id };
      if (transitionFor("stop", status).kind === "move") {
        // Marked as stopped by us first, so until it is gone it reads `stopped`, not `exited` (see stop).
        if (!hasStoppedMarker(info.Name)) {
          await changeEngineNameQuietly(this.#scope, id, info, markStopped, "removeContainer");
        }
        try {
          await this.#stopEngineContainer(id, info, status, this.#settings.removeTimeoutMs, "removeContainer");
        } catch {
          // The forced removal below kills it anyway.
        }
      }
      await this.#scope.calls.call(context, async (signal, attempt) => {
        try {
          await this.#scope.docker.getContainer(id).remove({ force: true, v: true, abortSignal: signal });
        } catch (error) {
          // A retry after a lost answer finds the container already gone: that is success.
          if (attempt > 1 && statusCodeOf(error) === 404) return;
          // Another instance on this namespace (a second replica) is removing it: done once it is gone.
          if (statusCodeOf(error) === 409 && REMOVAL_IN_PROGRESS.test(rawEngineMessage(error))) {
            return this.#waitUntilGone(id, signal);
          }
          throw error;
        }
      });
    });
  }

  /** Pause a running container; see `CONTAINER_TRANSITIONS.pause` and pause.ts. */
  async pause(id: string): Promise<void> {
    await this.#withOwned(id, "pauseContainer", (_info, status) => freezeOrThaw(this.#scope, "pause", id, status));
  }

  /** Resume a paused container; see `CONTAINER_TRANSITIONS.resume` and pause.ts. */
  async resume(id: string): Promise<void> {
    await this.#withOwned(id, "resumeContainer", (_info, status) => freezeOrThaw(this.#scope, "resume", id, status));
  }

  /**
   * Move the container's expiry to `expiresAt` (ms since the epoch), or
   * clear it (`null`); see expiry.ts. A bad value is a `ConfigurationError`
   * before any engine call.
   */
  async setExpiry(id: string, expiresAt: number | null): Promise<void> {
    const at = parseExpiresAt(expiresAt);
    await this.#withOwned(id, "setContainerExpiry", async (info) => {
      await moveExpiry(this.#scope, id, info, at);
      if (at !== null) this.#settings.expiry.expect(at);
    });
  }

  /** The container, or `null` when this driver has none with this id. Never throws for a missing id. */
  async get(id: string): Promise<DockerContainerInstance | null> {
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "getContainer");
    return info === null ? null : toInstance(info, this.#settings.socketPath);
  }

  /** The containers of this driver and namespace that match every given filter field. */
  async list(filter: ContainerFilter = {}): Promise<DockerContainerInstance[]> {
    const criteria = parseContainerFilter(filter);
    const wanted = criteria.label ?? {};
    if (reservedKeysIn(wanted).length > 0) return [];
    // No container has a session id outside the pattern; one of megabytes would not even fit in a request.
    if (criteria.sessionId !== undefined && !SESSION_ID_PATTERN.test(criteria.sessionId)) return [];
    const labelFilter = ownerLabelFilter(this.#scope.driver, this.#scope.namespace);
    if (criteria.sessionId !== undefined) labelFilter.push(`${OWNER_LABELS.session}=${criteria.sessionId}`);
    // Keys with '=' and labels beyond the engine's request size are matched below only.
    labelFilter.push(...engineLabelFilters(wanted));
    const context = { operation: "listContainers" };
    const summaries = await this.#scope.calls.call(context, (signal) =>
      this.#scope.docker.listContainers({ all: true, filters: { label: labelFilter }, abortSignal: signal }),
    );
    const infos = await Promise.all(summaries.map((summary) => this.#inspectOwned(summary.Id, "listContainers")));
    const instances: DockerContainerInstance[] = [];
    for (const info of infos) {
      // Gone between the list and the inspect: no longer a container of the driver.
      if (info === null) continue;
      const instance = toInstance(info, this.#settings.socketPath);
      if (criteria.sessionId !== undefined && instance.sessionId !== criteria.sessionId) continue;
      if (criteria.status !== undefined && instance.status !== criteria.status) continue;
      if (criteria.state !== undefined && instance.state !== criteria.state) continue;
      if (!Object.entries(wanted).every(([key, value]) => instance.labels[key] === value)) continue;
      instances.push(instance);
    }
    return instances.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** The container's logs; see `readContainerLogs`. */
  async logs(id: string, options: LogOptions = {}): Promise<string> {
    const shape = parseLogOptions(options);
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "getContainerLogs");
    if (info === null) throw new ContainerNotFoundError(id, { context: { operation: "getContainerLogs" } });
    return readContainerLogs(this.#scope, id, shape, { idleTimeoutMs: this.#scope.calls.timeoutMs });
  }

  /**
   * `true` when the container runs and, if its image defines a health
   * check, the engine reports it healthy; `false` otherwise;
   * `ContainerNotFoundError` when the driver has no such container.
   */
  async isHealthy(id: string): Promise<boolean> {
    requireString(id, "Container id");
    const info = await this.#inspectOwned(id, "isContainerHealthy");
    if (info === null) throw new ContainerNotFoundError(id, { context: { operation: "isContainerHealthy" } });
    if (statusFromEngine(info.State.Status, info.Name) !== "running") return false;
    const health = info.State.Health?.Status;
    return health === undefined || health === "healthy";
  }

  /** The namespace's containers by status, for `healthCheck()`: running as the contract reads the engine's state. */
  async count(context: ErrorMappingContext, options: EngineCallOptions = {}): Promise<ContainerCounts> {
    const summaries = await this.#listOwnedSummaries(context, options);
    const running = summaries.filter(
      (summary) => statusFromEngine(summary.State, summary.Names[0] ?? "") === "running",
    ).length;
    return { total: summaries.length, running, stopped: summaries.length - running };
  }

  /** The ids of the namespace's containers, for `cleanup()`. */
  async listOwned(context: ErrorMappingContext): Promise<string[]> {
    return (await this.#listOwnedSummaries(context)).map((summary) => summary.Id);
  }

  /** As {@link ContainerClient.remove}: a container in cleanup gets the same stop and marker as any other. */
  async removeOwned(id: string, _context: ErrorMappingContext): Promise<void> {
    await this.remove(id);
  }

  #listOwnedSummaries(context: ErrorMappingContext, options: EngineCallOptions = {}): Promise<Docker.ContainerInfo[]> {
    const { calls, docker, driver, namespace } = this.#scope;
    return calls.call(
      context,
      (signal) =>
        docker.listContainers({
          all: true,
          filters: { label: ownerLabelFilter(driver, namespace) },
          abortSignal: signal,
        }),
      options,
    );
  }

  /** Inspect a container; `null` when it does not exist or is not this driver's and namespace's. */
  async #inspectOwned(id: string, operation: string): Promise<Docker.ContainerInspectInfo | null> {
    if (!ENGINE_ID.test(id)) return null;
    try {
      const info = await this.#scope.calls.call({ operation, containerId: id }, (signal) =>
        this.#scope.docker.getContainer(id).inspect({ abortSignal: signal }),
      );
      return info.Id === id && isOwnedBy(info.Config.Labels, this.#scope.driver, this.#scope.namespace) ? info : null;
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return null;
      throw error;
    }
  }

  /** Run `work` under the id's lock with the container's current engine data and contract status. */
  async #withOwned(
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
    const { calls, docker } = this.#scope;
    const container = docker.getContainer(id);
    if (status === "paused" || info.State.Paused) {
      // Frozen processes cannot handle SIGTERM; thaw them so the stop is graceful.
      await calls.call(context, (signal) => ignoreNotModified(container.unpause({ abortSignal: signal })));
    }
    // Capped: the engine overflows its duration beyond ~292 years of nanoseconds, and a deadline longer than a
    // timer can hold (~24.8 days) would be refused; 23 days is "wait as long as it takes" for a stop.
    const seconds = Math.min(Math.ceil(graceMs / 1000), MAX_GRACE_SECONDS);
    const deadline = seconds * 1000 + calls.timeoutMs;
    await calls.call(context, (signal) => ignoreNotModified(container.stop({ t: seconds, abortSignal: signal })), {
      timeoutMs: deadline <= MAX_TIMER_DELAY_MS ? deadline : Number.POSITIVE_INFINITY,
    });
  }

  /** Resolves once the engine no longer knows the container; rejects when `signal` (the call's deadline) aborts. */
  async #waitUntilGone(id: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.#scope.docker.getContainer(id).inspect({ abortSignal: signal });
      } catch (error) {
        if (statusCodeOf(error) === 404) return;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, REMOVAL_POLL_MS));
    }
  }

  /** Take the stopped marker off again, from the name as it is now. */
  async #unmarkQuietly(id: string, operation: string): Promise<void> {
    try {
      const info = await this.#inspectOwned(id, operation);
      if (info !== null) await changeEngineNameQuietly(this.#scope, id, info, unmarkStopped, operation);
    } catch {
      // Gone, or the engine is: nothing more can be done here.
    }
  }
}

const markStopped = (parts: EngineNameParts): EngineNameParts => ({ ...parts, stopped: true });
const unmarkStopped = (parts: EngineNameParts): EngineNameParts => ({ ...parts, stopped: false });
