/**
 * The in-memory container engine behind both mock drivers. It implements
 * every clause of the contract once; `MockDockerDriver` and `MockLocalDriver`
 * are this engine with a different {@link MockProfile}.
 *
 * How it stays correct under concurrency: each operation waits its operation
 * time first and then takes effect in one synchronous step, so no other call
 * ever sees half of it. Operations that change a container (start, stop,
 * remove) also hold a per-id lock ({@link KeyedMutex}), so they take effect
 * in the order they were called. A container is inserted only once its
 * creation has passed every check, so `listContainers` never shows one that
 * is half created.
 *
 * How it stays fast: with `timing: "instant"` no timer or sleep is created;
 * every index the operations need (by session, by label, users of each volume
 * and network, the running count) is kept up to date, so no operation scans
 * all containers except a `listContainers` whose filter names no session and
 * no label.
 *
 * @module
 */
import { type Clock, systemClock } from "../../../src/index.js";
import {
  ConfigurationError,
  ContainerCreationError,
  ContainerNotFoundError,
  ContainerStartError,
  ContainerStopError,
  type DriverError,
  type ErrorContext,
  getErrorMessage,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  ResourceLimitError,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../../src/index.js";
import { stateForStatus, type Transition, transitionFor } from "../../../src/index.js";
import { KeyedMutex } from "../../../src/index.js";
import { type ErrorMappingContext, toDriverError } from "../../../src/index.js";
import type {
  ContainerConfig,
  ContainerDriver,
  ContainerFilter,
  ContainerInstance,
  ContainerStatus,
  DriverCapability,
  DriverHealth,
  DriverMethod,
  LogOptions,
  Network,
  NetworkConfig,
  ResourceLimits,
  StopOptions,
  Volume,
  VolumeConfig,
} from "../../../src/index.js";
import {
  parseContainerConfig,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseStopOptions,
  parseVolumeConfig,
} from "../../../src/index.js";
import { FaultInjector } from "./faults.js";
import type { MockFailureKind, MockProfile } from "./profiles.js";
import { createSeededRandom } from "./random.js";

/**
 * How long each operation of a mock takes.
 *
 * - `"profile"`: the profile's range (100–200 ms for mock-docker, 200–300 ms
 *   for mock-local), the realistic default.
 * - `"instant"`: no waiting at all and no timer created; what unit tests and
 *   the conformance suite use. Calls still return promises and resolve
 *   asynchronously.
 * - `{ minMs, maxMs }`: a delay drawn uniformly from the range, on the
 *   driver's clock. `{ minMs: 0, maxMs: 0 }` is the same as `"instant"`.
 */
export type MockTiming = "profile" | "instant" | { readonly minMs: number; readonly maxMs: number };

/** Options of both mock drivers. Every option has a default; `new MockDockerDriver()` is the seed's driver. */
export type MockDriverOptions = {
  /** How long each operation takes; see {@link MockTiming}. Default `"profile"`. */
  readonly timing?: MockTiming;
  /**
   * Where time comes from: timestamps (`createdAt`, `startedAt`, log times,
   * uptime) and the operation delays. Pass `createManualClock()` to check
   * timing without waiting. Default `systemClock`.
   */
  readonly clock?: Clock;
  /**
   * Source of numbers in `[0, 1)` for delays and ids. Default: a seeded
   * generator (see `seed`), so runs are reproducible.
   */
  readonly random?: () => number;
  /** Seed of the default `random`; ignored when `random` is given. Default 1. */
  readonly seed?: number;
};

/** Lines written at or after `time` (ms, by the driver's clock). */
type LogLine = { readonly time: number; readonly text: string };

type VolumeRecord = { readonly volume: Readonly<Volume>; readonly users: Set<string> };
type NetworkRecord = { readonly network: Readonly<Network>; readonly users: Set<string> };

type ContainerRecord = {
  readonly id: string;
  readonly name: string;
  readonly sessionId: string;
  readonly image: string;
  readonly endpoint: string;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  // Resources are kept as fields of the record rather than a nested object:
  // listing reads them for every container, and one object less to visit
  // keeps that cost flat as the number of containers grows.
  readonly cpu: number;
  readonly memory: number;
  readonly disk: number;
  readonly pids: number;
  readonly command: readonly string[];
  readonly volumes: readonly VolumeRecord[];
  readonly network: NetworkRecord | undefined;
  status: ContainerStatus;
  startedAt: number | undefined;
  exitCode: number | undefined;
  readonly logs: LogLine[];
  /** Callers of `getContainerLogs({ follow: true })` waiting for the container to stop running. */
  followers: (() => void)[] | undefined;
};

/**
 * The exit code a stopped container carries. The mocks run no process; these
 * are the codes a shell reports for a process ended by SIGTERM (128 + 15) and
 * by SIGKILL (128 + 9), which is what a real runtime shows after a stop.
 */
export const MOCK_EXIT_CODES = Object.freeze({ stopped: 143, killed: 137 });

/** The grace period of `stopContainer` when the caller gives none, in ms (the contract's default). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * The error for each rejection the transition table can name. Keyed by the
 * table's own type, so a new kind of rejection in the table fails to compile
 * here until the mock knows how to throw it.
 */
const REJECTIONS: {
  readonly [Name in Extract<Transition, { kind: "reject" }>["error"]]: (
    containerId: string,
    reason: string,
    context: ErrorContext,
  ) => DriverError;
} = {
  ContainerStartError: (containerId, reason, context) => new ContainerStartError(containerId, reason, { context }),
};

/** Shared by every container without volume mounts; never written to (a container's volumes are fixed at creation). */
const NO_VOLUMES: VolumeRecord[] = [];

const RESOURCE_ORDER = ["cpu", "memory", "disk", "pids"] as const satisfies readonly (keyof ResourceLimits)[];

/** Shell-style quoting for the command line written to the logs, so argv boundaries stay visible. */
function quoteArgument(argument: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

function checkTiming(timing: MockTiming, profile: MockProfile): { minMs: number; maxMs: number } | undefined {
  if (timing === "instant") return undefined;
  const range = timing === "profile" ? profile.timing : timing;
  const { minMs, maxMs } = range as { minMs: unknown; maxMs: unknown };
  if (
    typeof minMs !== "number" ||
    typeof maxMs !== "number" ||
    !Number.isFinite(minMs) ||
    !Number.isFinite(maxMs) ||
    minMs < 0 ||
    maxMs < minMs
  ) {
    throw new ConfigurationError(
      `Invalid mock timing ${JSON.stringify(timing)}: use "profile", "instant" or { minMs, maxMs } with 0 <= minMs <= maxMs.`,
      { issues: [{ path: "timing", message: "must be 'profile', 'instant' or a range 0 <= minMs <= maxMs" }] },
    );
  }
  return maxMs === 0 ? undefined : { minMs, maxMs };
}

function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string") {
    throw new ConfigurationError(`The ${what} id must be a string, got ${typeof id}.`, {
      issues: [{ path: "id", message: "must be a string" }],
    });
  }
}

/**
 * One index key for a label pair. Label keys and values cannot contain NUL
 * (the schema refuses it), so NUL separates them without ambiguity.
 */
function labelIndexKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/**
 * An index entry: the one container with this key, or a set once there are
 * several. Most keys (a session, a label such as a request id) belong to one
 * container, and a set for each would double the memory of a large driver.
 */
type IndexEntry = ContainerRecord | Set<ContainerRecord>;

function addToIndex(index: Map<string, IndexEntry>, key: string, record: ContainerRecord): void {
  const entry = index.get(key);
  if (entry === undefined) index.set(key, record);
  else if (entry instanceof Set) entry.add(record);
  else index.set(key, new Set([entry, record]));
}

function removeFromIndex(index: Map<string, IndexEntry>, key: string, record: ContainerRecord): void {
  const entry = index.get(key);
  if (entry === record || (entry instanceof Set && entry.delete(record) && entry.size === 0)) index.delete(key);
}

/** Marks a list plan that came from the session index (a label key cannot be a symbol). */
const SESSION: unique symbol = Symbol("session index");

/** Which containers `listContainers` visits, and which filter field chose them (already satisfied). */
type ListPlan = {
  readonly records: Iterable<ContainerRecord>;
  readonly size: number;
  readonly via: string | typeof SESSION | undefined;
};

const NOTHING: ListPlan = Object.freeze({ records: [], size: 0, via: undefined });

/** The containers of an entry, and how many. */
function entryContents(entry: IndexEntry): { readonly records: Iterable<ContainerRecord>; readonly size: number } {
  return entry instanceof Set ? { records: entry, size: entry.size } : { records: [entry], size: 1 };
}

/**
 * Runtime events that happen to a container without a driver call: its
 * process exits, the runtime pauses it, or it breaks. The contract has no
 * method for them, but platform code has to cope with containers in these
 * statuses; these let a test put a container there. Each applies at once
 * (no operation time) and returns whether it applied.
 */
export type MockRuntimeEvents = {
  /**
   * The main process ends with `exitCode`: a running or paused container
   * becomes `exited` (state `terminated` for 0, `error` otherwise).
   * Returns `false` (and changes nothing) when the container is not running.
   * Throws `ContainerNotFoundError` for an unknown id.
   *
   * @example
   * ```ts
   * driver.simulate.exit(container.id, 1); // status "exited", state "error"
   * ```
   */
  exit(id: string, exitCode: number): boolean;
  /**
   * A running container becomes `paused`. Returns `false` when it is not running.
   *
   * @example
   * ```ts
   * driver.simulate.pause(container.id); // status "paused"
   * ```
   */
  pause(id: string): boolean;
  /**
   * The container becomes `dead` (the runtime lost it); only removal helps. Returns `false` when already dead.
   *
   * @example
   * ```ts
   * driver.simulate.die(container.id, "out of memory"); // status "dead"
   * ```
   */
  die(id: string, reason?: string): boolean;
};

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

  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #timing: { minMs: number; maxMs: number } | undefined;
  readonly #startedAt: number;
  readonly #locks = new KeyedMutex<string>();

  readonly #containers = new Map<string, ContainerRecord>();
  readonly #bySession = new Map<string, IndexEntry>();
  /** `labelIndexKey(key, value)` → containers, so a label filter reads only matching containers. */
  readonly #byLabel = new Map<string, IndexEntry>();
  #running = 0;

  readonly #volumesById = new Map<string, VolumeRecord>();
  readonly #volumesByName = new Map<string, VolumeRecord>();
  readonly #networksById = new Map<string, NetworkRecord>();
  readonly #networksByName = new Map<string, NetworkRecord>();
  readonly #sequences = { container: 0, volume: 0, network: 0 };

  /**
   * @param profile - limits, timing, formats and error vocabulary; see `DOCKER_PROFILE`, `LOCAL_PROFILE`.
   * @param options - see {@link MockDriverOptions}.
   */
  constructor(profile: MockProfile, options: MockDriverOptions = {}) {
    this.profile = profile;
    this.name = profile.name;
    this.version = profile.version;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? createSeededRandom(options.seed ?? 1);
    this.#timing = checkTiming(options.timing ?? "profile", profile);
    this.#startedAt = this.#clock.now();
    this.simulate = {
      exit: (id, exitCode) => this.#simulateExit(id, exitCode),
      pause: (id) => this.#simulatePause(id),
      die: (id, reason) => this.#simulateDeath(id, reason),
    };
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

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
  async createContainer(config: ContainerConfig): Promise<ContainerInstance> {
    const operation = "createContainer";
    const parsed = parseContainerConfig(config);
    this.#checkLimits(parsed.resources, operation);
    await this.#delay();
    this.#injectFault(operation, parsed.sessionId);

    const network = parsed.network === "none" ? undefined : this.#networksByName.get(parsed.network);
    if (parsed.network !== "none" && network === undefined) {
      throw new NetworkNotFoundError(parsed.network, { context: this.#context(operation, "notFound", parsed.network) });
    }
    const volumes: VolumeRecord[] = parsed.volumes.length === 0 ? NO_VOLUMES : [];
    for (const mount of parsed.volumes) {
      const isVolume = mount.type === "volume" || (mount.type === undefined && !mount.source.startsWith("/"));
      if (!isVolume) continue;
      const volume = this.#volumesByName.get(mount.source);
      if (volume === undefined) {
        throw new VolumeNotFoundError(mount.source, { context: this.#context(operation, "notFound", mount.source) });
      }
      volumes.push(volume);
    }

    const sequence = ++this.#sequences.container;
    const id = this.profile.makeId("container", sequence, this.#random);
    const name = this.profile.containerName(parsed.sessionId, id, sequence);
    const now = this.#clock.now();
    const record: ContainerRecord = {
      // What listing reads comes first, so it shares the record's first cache lines.
      id,
      name,
      sessionId: parsed.sessionId,
      image: parsed.image,
      status: "created",
      endpoint: this.profile.endpoint(id, sequence),
      createdAt: now,
      startedAt: undefined,
      exitCode: undefined,
      labels: parsed.labels,
      cpu: parsed.resources.cpu,
      memory: parsed.resources.memory,
      disk: parsed.resources.disk,
      pids: parsed.resources.pids,
      command: Object.freeze(parsed.command ?? []),
      volumes,
      network,
      logs: [{ time: now, text: `created: ${name} from image ${parsed.image} for session ${parsed.sessionId}` }],
      followers: undefined,
    };
    this.#containers.set(id, record);
    addToIndex(this.#bySession, record.sessionId, record);
    for (const key in record.labels)
      addToIndex(this.#byLabel, labelIndexKey(key, record.labels[key] as string), record);
    for (const volume of volumes) volume.users.add(id);
    network?.users.add(id);
    return this.#toInstance(record);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.start`: → running, no-op, or `ContainerStartError`.
   *
   * @example
   * ```ts
   * await driver.startContainer(container.id);
   * ```
   */
  async startContainer(id: string): Promise<void> {
    const operation = "startContainer";
    checkId(id, "container");
    return this.#locks.runExclusive(id, async () => {
      await this.#delay();
      this.#injectFault(operation, id);
      const record = this.#requireContainer(id, operation);
      this.#apply(record, transitionFor("start", record.status), operation);
    });
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
  async stopContainer(id: string, options?: StopOptions): Promise<void> {
    const operation = "stopContainer";
    checkId(id, "container");
    const parsed = parseStopOptions(options);
    return this.#locks.runExclusive(id, async () => {
      await this.#delay();
      this.#injectFault(operation, id);
      const record = this.#requireContainer(id, operation);
      this.#apply(record, transitionFor("stop", record.status), operation, parsed);
    });
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.remove`: a running or paused container is stopped first, then it is gone.
   *
   * @example
   * ```ts
   * await driver.removeContainer(container.id);
   * ```
   */
  async removeContainer(id: string): Promise<void> {
    const operation = "removeContainer";
    checkId(id, "container");
    return this.#locks.runExclusive(id, async () => {
      await this.#delay();
      this.#injectFault(operation, id);
      const record = this.#requireContainer(id, operation);
      this.#apply(record, transitionFor("remove", record.status), operation);
    });
  }

  // -------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------

  /**
   * The container as it is now, or `null` for an unknown id (never throws for one).
   *
   * @example
   * ```ts
   * await driver.getContainer("no-such-id"); // null
   * ```
   */
  async getContainer(id: string): Promise<ContainerInstance | null> {
    const operation = "getContainer";
    checkId(id, "container");
    await this.#delay();
    this.#injectFault(operation, id);
    const record = this.#containers.get(id);
    return record === undefined ? null : this.#toInstance(record);
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
  async listContainers(filter?: ContainerFilter): Promise<ContainerInstance[]> {
    const operation = "listContainers";
    const parsed = parseContainerFilter(filter);
    await this.#delay();
    this.#injectFault(operation, "containers");
    const result: ContainerInstance[] = [];
    const { records, via } = this.#candidates(parsed);
    for (const record of records) {
      if (this.#matches(record, parsed, via)) result.push(this.#toInstance(record));
    }
    return result;
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
  async getContainerLogs(id: string, options?: LogOptions): Promise<string> {
    const operation = "getContainerLogs";
    checkId(id, "container");
    const parsed = parseLogOptions(options);
    await this.#delay();
    this.#injectFault(operation, id);
    const record = this.#requireContainer(id, operation);
    if (parsed.follow === true && stateForStatus(record.status, record.exitCode) === "running") {
      await new Promise<void>((resolve) => {
        record.followers ??= [];
        record.followers.push(resolve);
      });
    }
    let lines = record.logs;
    if (parsed.since !== undefined) {
      const since = parsed.since;
      lines = lines.filter((line) => line.time >= since);
    }
    if (parsed.tail !== undefined) lines = parsed.tail === 0 ? [] : lines.slice(-parsed.tail);
    let output = "";
    for (const line of lines) {
      output += parsed.timestamps === true ? `${new Date(line.time).toISOString()} ${line.text}\n` : `${line.text}\n`;
    }
    return output;
  }

  // -------------------------------------------------------------------------
  // Health
  // -------------------------------------------------------------------------

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
  async healthCheck(): Promise<DriverHealth> {
    const operation = "healthCheck";
    try {
      await this.#delay();
      this.#injectFault(operation, "runtime");
      const total = this.#containers.size;
      return {
        status: "healthy",
        version: this.version,
        uptime: Math.max(0, this.#clock.now() - this.#startedAt),
        containers: { total, running: this.#running, stopped: total - this.#running },
      };
    } catch (error) {
      let uptime = 0;
      try {
        uptime = Math.max(0, this.#clock.now() - this.#startedAt);
      } catch {
        // A clock that fails is one more thing that is wrong; the report must still arrive.
      }
      return {
        status: "unhealthy",
        version: this.version,
        uptime,
        containers: { total: 0, running: 0, stopped: 0 },
        error: getErrorMessage(error),
      };
    }
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
  async isContainerHealthy(id: string): Promise<boolean> {
    const operation = "isContainerHealthy";
    checkId(id, "container");
    await this.#delay();
    this.#injectFault(operation, id);
    return this.#requireContainer(id, operation).status === "running";
  }

  // -------------------------------------------------------------------------
  // Volumes and networks
  // -------------------------------------------------------------------------

  /**
   * Creates a named volume; a taken name is a `VolumeCreationError`.
   *
   * @example
   * ```ts
   * const volume = await driver.createVolume({ name: "workspace" });
   * ```
   */
  async createVolume(config: VolumeConfig): Promise<Volume> {
    const operation = "createVolume";
    const parsed = parseVolumeConfig(config);
    await this.#delay();
    this.#injectFault(operation, parsed.name);
    if (this.#volumesByName.has(parsed.name)) {
      const failure = this.profile.describe("duplicate", parsed.name);
      throw new VolumeCreationError(parsed.name, failure.reason, {
        context: this.#context(operation, "duplicate", parsed.name),
      });
    }
    const volume: Volume = Object.freeze({
      id: this.profile.makeId("volume", ++this.#sequences.volume, this.#random),
      name: parsed.name,
      driver: parsed.driver ?? this.profile.defaultVolumeDriver,
      mountpoint: this.profile.mountpoint(parsed.name),
      createdAt: this.#clock.now(),
      labels: Object.freeze({ ...parsed.labels }),
    });
    const record: VolumeRecord = { volume, users: new Set() };
    this.#volumesById.set(volume.id, record);
    this.#volumesByName.set(volume.name, record);
    return { ...volume, labels: { ...volume.labels } };
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
  async removeVolume(id: string): Promise<void> {
    const operation = "removeVolume";
    checkId(id, "volume");
    await this.#delay();
    this.#injectFault(operation, id);
    const record = this.#volumesById.get(id) ?? this.#volumesByName.get(id);
    if (record === undefined) {
      throw new VolumeNotFoundError(id, { context: this.#context(operation, "notFound", id) });
    }
    if (record.users.size > 0) {
      const users = [...record.users].join(", ");
      throw new VolumeRemoveError(record.volume.id, this.profile.describe("inUse", record.volume.name, users).reason, {
        context: { ...this.#context(operation, "inUse", record.volume.name, users), containerIds: [...record.users] },
      });
    }
    this.#volumesById.delete(record.volume.id);
    this.#volumesByName.delete(record.volume.name);
  }

  /**
   * Creates a named network; a taken name is a `NetworkCreationError`.
   *
   * @example
   * ```ts
   * const network = await driver.createNetwork({ name: "agents" });
   * ```
   */
  async createNetwork(config: NetworkConfig): Promise<Network> {
    const operation = "createNetwork";
    const parsed = parseNetworkConfig(config);
    await this.#delay();
    this.#injectFault(operation, parsed.name);
    if (this.#networksByName.has(parsed.name)) {
      const failure = this.profile.describe("duplicate", parsed.name);
      throw new NetworkCreationError(parsed.name, failure.reason, {
        context: this.#context(operation, "duplicate", parsed.name),
      });
    }
    const network: Network = Object.freeze({
      id: this.profile.makeId("network", ++this.#sequences.network, this.#random),
      name: parsed.name,
      driver: parsed.driver ?? this.profile.defaultNetworkDriver,
      createdAt: this.#clock.now(),
      labels: Object.freeze({ ...parsed.labels }),
    });
    const record: NetworkRecord = { network, users: new Set() };
    this.#networksById.set(network.id, record);
    this.#networksByName.set(network.name, record);
    return { ...network, labels: { ...network.labels } };
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
  async removeNetwork(id: string): Promise<void> {
    const operation = "removeNetwork";
    checkId(id, "network");
    await this.#delay();
    this.#injectFault(operation, id);
    const record = this.#networksById.get(id) ?? this.#networksByName.get(id);
    if (record === undefined) {
      throw new NetworkNotFoundError(id, { context: this.#context(operation, "notFound", id) });
    }
    if (record.users.size > 0) {
      const users = [...record.users].join(", ");
      throw new NetworkRemoveError(
        record.network.id,
        this.profile.describe("inUse", record.network.name, users).reason,
        {
          context: {
            ...this.#context(operation, "inUse", record.network.name, users),
            containerIds: [...record.users],
          },
        },
      );
    }
    this.#networksById.delete(record.network.id);
    this.#networksByName.delete(record.network.name);
  }

  // -------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------

  /** Resolves after one operation time; with instant timing resolves at once, creating no timer. */
  #delay(): Promise<void> | undefined {
    const timing = this.#timing;
    if (timing === undefined) return undefined;
    return this.#clock.sleep(timing.minMs + this.#random() * (timing.maxMs - timing.minMs));
  }

  #context(operation: string, kind: MockFailureKind, subject: string, detail?: string): ErrorContext {
    return { driver: this.name, operation, ...this.profile.describe(kind, subject, detail).context };
  }

  #checkLimits(resources: ResourceLimits, operation: DriverMethod): void {
    const limits = this.profile.limits;
    for (const resource of RESOURCE_ORDER) {
      if (resources[resource] > limits[resource]) {
        throw new ResourceLimitError(resource, limits[resource], resources[resource], {
          context: { driver: this.name, operation },
        });
      }
    }
  }

  #requireContainer(id: string, operation: string): ContainerRecord {
    const record = this.#containers.get(id);
    if (record === undefined) {
      throw new ContainerNotFoundError(id, { context: this.#context(operation, "notFound", id) });
    }
    return record;
  }

  /**
   * Throws when fault injection says this call fails. A caller's own error
   * goes through `toDriverError`, so even a plain `Error` reaches the caller
   * as one of the contract's errors.
   */
  #injectFault(operation: DriverMethod, subject: string): void {
    const fault = this.faults.take(operation);
    if (fault === undefined) return;
    if (fault.error !== undefined) {
      const mapping: ErrorMappingContext = { operation, driver: this.name };
      if (operation.endsWith("Container") || operation === "getContainerLogs" || operation === "isContainerHealthy") {
        if (operation !== "createContainer") mapping.containerId = subject;
      } else if (operation === "createVolume") mapping.volumeName = subject;
      else if (operation === "removeVolume") mapping.volumeId = subject;
      else if (operation === "createNetwork") mapping.networkName = subject;
      else if (operation === "removeNetwork") mapping.networkId = subject;
      let produced: unknown;
      try {
        produced = fault.error();
      } catch (thrown) {
        // A factory that throws instead of returning still means "fail with this".
        produced = thrown;
      }
      throw toDriverError(produced, mapping);
    }
    throw this.#transientError(operation, subject);
  }

  /** The default injected fault: the method's own retryable error, or the profile's "runtime did not answer". */
  #transientError(operation: DriverMethod, subject: string): DriverError {
    const { reason } = this.profile.describe("transient", subject);
    const options = { context: { ...this.#context(operation, "transient", subject), injected: true } };
    switch (operation) {
      case "createContainer":
        return new ContainerCreationError(
          `Container for session '${subject}' could not be created: ${reason}`,
          { sessionId: subject },
          options,
        );
      case "startContainer":
        return new ContainerStartError(subject, reason, options);
      case "stopContainer":
        return new ContainerStopError(subject, reason, options);
      case "createVolume":
        return new VolumeCreationError(subject, reason, options);
      case "createNetwork":
        return new NetworkCreationError(subject, reason, options);
      default:
        return this.profile.unavailable(operation, { driver: this.name, operation, injected: true });
    }
  }

  /** Carries out one entry of the transition table. */
  #apply(record: ContainerRecord, transition: Transition, operation: string, stop: StopOptions = {}): void {
    switch (transition.kind) {
      case "noop":
        return;
      case "reject":
        throw REJECTIONS[transition.error](
          record.id,
          this.profile.describe("cannotStart", record.id, record.status).reason,
          this.#context(operation, "cannotStart", record.id, record.status),
        );
      case "move":
        this.#moveTo(record, transition.to, stop);
        return;
      case "delete": {
        // "Gone, stopped first if it was running": the stop entry of the table says how.
        const stopFirst = transitionFor("stop", record.status);
        if (stopFirst.kind === "move") this.#moveTo(record, stopFirst.to, {});
        this.#delete(record);
        return;
      }
    }
  }

  #moveTo(record: ContainerRecord, status: ContainerStatus, stop: StopOptions): void {
    const now = this.#clock.now();
    if (status === "running") {
      record.startedAt = now;
      record.exitCode = undefined;
      const commandLine =
        record.command.length === 0
          ? `(default command of ${record.image})`
          : record.command.map(quoteArgument).join(" ");
      record.logs.push({ time: now, text: `started: ${commandLine}` });
    } else if (status === "stopped") {
      const force = stop.force === true;
      record.exitCode = force ? MOCK_EXIT_CODES.killed : MOCK_EXIT_CODES.stopped;
      record.logs.push({
        time: now,
        text: force
          ? "stopping: SIGKILL (force)"
          : `stopping: SIGTERM, grace period ${stop.timeout ?? DEFAULT_STOP_TIMEOUT_MS} ms`,
      });
      record.logs.push({ time: now, text: `stopped: exit code ${record.exitCode}` });
    }
    this.#setStatus(record, status);
  }

  #setStatus(record: ContainerRecord, status: ContainerStatus): void {
    const wasRunning = record.status === "running";
    record.status = status;
    if (wasRunning !== (status === "running")) this.#running += wasRunning ? -1 : 1;
    if (stateForStatus(status, record.exitCode) !== "running") this.#wakeFollowers(record);
  }

  #wakeFollowers(record: ContainerRecord): void {
    const followers = record.followers;
    if (followers === undefined) return;
    record.followers = undefined;
    for (const resolve of followers) resolve();
  }

  #delete(record: ContainerRecord): void {
    if (record.status === "running") this.#running--;
    this.#containers.delete(record.id);
    removeFromIndex(this.#bySession, record.sessionId, record);
    for (const key in record.labels) {
      removeFromIndex(this.#byLabel, labelIndexKey(key, record.labels[key] as string), record);
    }
    for (const volume of record.volumes) volume.users.delete(record.id);
    record.network?.users.delete(record.id);
    this.#wakeFollowers(record);
  }

  /**
   * Where to look: the smallest index entry the filter names (one label
   * pair's or the session's containers), else all containers. Records from an
   * index entry already satisfy the field that chose it, so `#matches` skips
   * that field: at 100k containers, re-reading it costs a cache miss per
   * container.
   */
  #candidates(filter: ContainerFilter): ListPlan {
    let plan: ListPlan = { records: this.#containers.values(), size: this.#containers.size, via: undefined };
    if (filter.sessionId !== undefined) {
      const entry = this.#bySession.get(filter.sessionId);
      if (entry === undefined) return NOTHING;
      plan = { ...entryContents(entry), via: SESSION };
    }
    if (filter.label !== undefined) {
      for (const key in filter.label) {
        const entry = this.#byLabel.get(labelIndexKey(key, filter.label[key] as string));
        if (entry === undefined) return NOTHING;
        const contents = entryContents(entry);
        if (contents.size < plan.size) plan = { ...contents, via: key };
      }
    }
    return plan;
  }

  #matches(record: ContainerRecord, filter: ContainerFilter, via: string | typeof SESSION | undefined): boolean {
    if (filter.sessionId !== undefined && via !== SESSION && record.sessionId !== filter.sessionId) return false;
    if (filter.status !== undefined && record.status !== filter.status) return false;
    if (filter.state !== undefined && stateForStatus(record.status, record.exitCode) !== filter.state) return false;
    if (filter.label !== undefined) {
      for (const key in filter.label) {
        if (key === via) continue;
        if (!Object.hasOwn(record.labels, key) || record.labels[key] !== filter.label[key]) return false;
      }
    }
    return true;
  }

  /** A fresh copy: callers may change what they get without touching the driver's state. */
  #toInstance(record: ContainerRecord): ContainerInstance {
    const instance: ContainerInstance = {
      id: record.id,
      name: record.name,
      sessionId: record.sessionId,
      image: record.image,
      status: record.status,
      state: stateForStatus(record.status, record.exitCode),
      endpoint: record.endpoint,
      createdAt: record.createdAt,
      // Object.assign and a literal, not spreads: this runs once per listed
      // container, and spreading a record is several times slower in V8.
      labels: Object.assign({}, record.labels),
      resources: { cpu: record.cpu, memory: record.memory, disk: record.disk, pids: record.pids },
    };
    if (record.startedAt !== undefined) instance.startedAt = record.startedAt;
    if (record.exitCode !== undefined) instance.exitCode = record.exitCode;
    return instance;
  }

  // -------------------------------------------------------------------------
  // Runtime events
  // -------------------------------------------------------------------------

  #simulateExit(id: string, exitCode: number): boolean {
    if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
      throw new ConfigurationError(`Exit code must be an integer from 0 to 255, got ${String(exitCode)}.`, {
        issues: [{ path: "exitCode", message: "must be an integer from 0 to 255" }],
      });
    }
    const record = this.#requireContainer(id, "simulate.exit");
    if (stateForStatus(record.status) !== "running") return false;
    record.exitCode = exitCode;
    record.logs.push({ time: this.#clock.now(), text: `exited: exit code ${exitCode}` });
    this.#setStatus(record, "exited");
    return true;
  }

  #simulatePause(id: string): boolean {
    const record = this.#requireContainer(id, "simulate.pause");
    if (record.status !== "running") return false;
    record.logs.push({ time: this.#clock.now(), text: "paused" });
    this.#setStatus(record, "paused");
    return true;
  }

  #simulateDeath(id: string, reason = "the runtime lost the container"): boolean {
    const record = this.#requireContainer(id, "simulate.die");
    if (record.status === "dead") return false;
    record.logs.push({ time: this.#clock.now(), text: `dead: ${reason}` });
    this.#setStatus(record, "dead");
    return true;
  }
}
