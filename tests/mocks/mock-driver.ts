/**
 * `MockDriver`, the in-memory container engine behind both mock drivers. It
 * implements every clause of the contract once; `MockDockerDriver` and
 * `MockLocalDriver` are this class with a different {@link MockProfile}.
 *
 * The class is thin on purpose: it holds one private {@link EngineState} and
 * hands it to the module that does each job:
 *
 * - `lifecycle.ts`: create, start, stop, remove (the transition table, per-id locks);
 * - `queries.ts`: get, list, logs, health;
 * - `resources.ts`: volumes and networks;
 * - `simulation.ts`: runtime events (`driver.simulate`);
 * - `store.ts`: the containers and their indexes; `operation.ts`: delay, faults, error wording.
 *
 * A new capability is one more module of functions over the state plus its
 * methods here.
 *
 * How it stays fast: with `timing: "instant"` no timer or sleep is created;
 * every index the operations need (by session, by label, users of each volume
 * and network, the running count) is kept up to date, so no operation scans
 * all containers except a `listContainers` whose filter names no session and
 * no label.
 *
 * @module
 */
import type {
  ContainerConfig,
  ContainerDriver,
  ContainerFilter,
  ContainerInstance,
  DriverCapability,
  DriverHealth,
  LogOptions,
  Network,
  NetworkConfig,
  StopOptions,
  Volume,
  VolumeConfig,
} from "../../src/index.js";
import { FaultInjector } from "./faults.js";
import { createContainer, removeContainer, startContainer, stopContainer } from "./lifecycle.js";
import type { MockProfile } from "./profiles.js";
import { getContainer, getContainerLogs, healthCheck, isContainerHealthy, listContainers } from "./queries.js";
import { createNetwork, createVolume, removeNetwork, removeVolume } from "./resources.js";
import { createRuntimeEvents, type MockRuntimeEvents } from "./simulation.js";
import { createEngineState, type EngineState, type MockDriverOptions } from "./state.js";

/**
 * A mock `ContainerDriver` with the behaviour given by a {@link MockProfile}.
 * Use {@link MockDockerDriver} or {@link MockLocalDriver}; use this class
 * directly only to build a mock with a profile of your own.
 *
 * Containers, volumes and networks belong to the instance: two drivers never
 * see each other's.
 *
 * @example
 * ```ts
 * const driver = new MockDriver(DOCKER_PROFILE, { timing: "instant" });
 * const container = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
 * await driver.startContainer(container.id);
 * ```
 */
export class MockDriver implements ContainerDriver {
  /** The profile's name: `mock-docker` or `mock-local`. */
  readonly name: string;
  /** The profile's version. */
  readonly version: string;
  /** None: the mocks run no command, so they do not declare `execution`. */
  readonly capabilities: readonly DriverCapability[] = Object.freeze([]);
  /** The profile this driver runs with: limits, timing, formats, error vocabulary. */
  readonly profile: MockProfile;
  /** Fault injection for this instance; see {@link FaultInjector}. */
  readonly faults: FaultInjector = new FaultInjector();
  /** Runtime events for this instance; see {@link MockRuntimeEvents}. */
  readonly simulate: MockRuntimeEvents;

  /** Everything the engine holds; private, so tests reach it only through the contract, `faults` and `simulate`. */
  readonly #state: EngineState;

  /**
   * @param profile - limits, timing, formats and error vocabulary; see `DOCKER_PROFILE`, `LOCAL_PROFILE`.
   * @param options - see {@link MockDriverOptions}.
   */
  constructor(profile: MockProfile, options: MockDriverOptions = {}) {
    this.profile = profile;
    this.name = profile.name;
    this.version = profile.version;
    this.#state = createEngineState(profile, this.faults, options);
    this.simulate = createRuntimeEvents(this.#state);
  }

  // The methods return the module functions' promises as they are (no
  // `async` wrapper), so a call settles after exactly as many microtasks as
  // the engine's own work: ordering tests see what they always saw.

  /**
   * Validates the config (`ConfigurationError`), checks the profile's limits
   * (`ResourceLimitError`), waits the operation time, then checks that the
   * network and every volume exist (`NetworkNotFoundError`,
   * `VolumeNotFoundError`) and inserts the container in status `created`.
   * A rejected call leaves nothing behind.
   *
   * @example
   * ```ts
   * const container = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
   * ```
   */
  createContainer(config: ContainerConfig): Promise<ContainerInstance> {
    return createContainer(this.#state, config);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.start`: → running, no-op, or `ContainerStartError`.
   *
   * @example
   * ```ts
   * await driver.startContainer(container.id);
   * ```
   */
  startContainer(id: string): Promise<void> {
    return startContainer(this.#state, id);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.stop`. The mock's process obeys SIGTERM at
   * once, so the grace period is not waited; the container exits with 143
   * (137 with `force`). See {@link MOCK_EXIT_CODES}.
   *
   * @example
   * ```ts
   * await driver.stopContainer(container.id);
   * (await driver.getContainer(container.id))?.exitCode; // 143
   * ```
   */
  stopContainer(id: string, options?: StopOptions): Promise<void> {
    return stopContainer(this.#state, id, options);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.remove`: a running or paused container is stopped first, then it is gone.
   *
   * @example
   * ```ts
   * await driver.removeContainer(container.id);
   * ```
   */
  removeContainer(id: string): Promise<void> {
    return removeContainer(this.#state, id);
  }

  /**
   * The container as it is now, or `null` for an unknown id (never throws for one).
   *
   * @example
   * ```ts
   * await driver.getContainer("no-such-id"); // null
   * ```
   */
  getContainer(id: string): Promise<ContainerInstance | null> {
    return getContainer(this.#state, id);
  }

  /**
   * Containers matching every given filter field, in creation order. The
   * filter is validated first (`ConfigurationError`). A label or session
   * filter reads only the containers that have that label or session.
   *
   * @example
   * ```ts
   * await driver.listContainers({ label: { "request-id": "r-7" } });
   * ```
   */
  listContainers(filter?: ContainerFilter): Promise<ContainerInstance[]> {
    return listContainers(this.#state, filter);
  }

  /**
   * What happened to the container, one line per event, each ending in a
   * newline. `since`, then `tail`, select lines; `timestamps` prefixes each
   * with its ISO-8601 time and a space; `follow` waits until the container no
   * longer runs (or is removed) and then returns its lines.
   *
   * @example
   * ```ts
   * await driver.getContainerLogs(container.id, { tail: 1 });
   * ```
   */
  getContainerLogs(id: string, options?: LogOptions): Promise<string> {
    return getContainerLogs(this.#state, id, options);
  }

  /**
   * Never rejects. Healthy: exact counts (`running` counts status `running`;
   * `stopped` counts every other container). When an injected fault makes the
   * runtime unreachable: `unhealthy`, `error` set, counts 0 (a driver that
   * cannot reach its runtime cannot count).
   *
   * @example
   * ```ts
   * driver.faults.failNext("healthCheck", 1);
   * (await driver.healthCheck()).status; // "unhealthy"
   * ```
   */
  healthCheck(): Promise<DriverHealth> {
    return healthCheck(this.#state);
  }

  /**
   * `true` when the container's status is `running`; `false` otherwise; `ContainerNotFoundError` for an unknown id.
   *
   * @example
   * ```ts
   * driver.simulate.exit(container.id, 0);
   * await driver.isContainerHealthy(container.id); // false
   * ```
   */
  isContainerHealthy(id: string): Promise<boolean> {
    return isContainerHealthy(this.#state, id);
  }

  /**
   * Creates a named volume; a taken name is a `VolumeCreationError`.
   *
   * @example
   * ```ts
   * const volume = await driver.createVolume({ name: "workspace" });
   * ```
   */
  createVolume(config: VolumeConfig): Promise<Volume> {
    return createVolume(this.#state, config);
  }

  /**
   * Removes a volume by the id `createVolume` returned, or by its name.
   * Unknown → `VolumeNotFoundError`; used by a container that is not removed
   * → `VolumeRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeVolume("workspace"); // by name works too
   * ```
   */
  removeVolume(id: string): Promise<void> {
    return removeVolume(this.#state, id);
  }

  /**
   * Creates a named network; a taken name is a `NetworkCreationError`.
   *
   * @example
   * ```ts
   * const network = await driver.createNetwork({ name: "agents" });
   * ```
   */
  createNetwork(config: NetworkConfig): Promise<Network> {
    return createNetwork(this.#state, config);
  }

  /**
   * Removes a network by the id `createNetwork` returned, or by its name.
   * Unknown → `NetworkNotFoundError`; used by a container that is not removed
   * → `NetworkRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeNetwork(network.id);
   * ```
   */
  removeNetwork(id: string): Promise<void> {
    return removeNetwork(this.#state, id);
  }
}
