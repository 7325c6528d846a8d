/**
 * `MockDriver`, the in-memory container engine behind both mock drivers. It
 * implements every clause of the contract once; `MockDockerDriver` and
 * `MockLocalDriver` are this class with a different {@link MockProfile}.
 *
 * The class is thin on purpose: it keeps one {@link EngineState} per
 * instance (out of reach of callers) and hands it to the module that does
 * each job:
 *
 * - `lifecycle.ts`: create, start, stop, remove, pause, resume (the transition table, per-id locks);
 * - `main-process.ts`: the main command; `exec.ts`: execs; `files.ts`: file transfer;
 * - `queries.ts`: get, list, logs, health; `resources.ts`: volumes and networks;
 * - `expiry.ts`, `idempotency.ts`, `release.ts`: expiry, idempotent creates, close and cleanup;
 * - `simulation.ts`: `driver.simulate`; `store.ts`: containers and indexes; `operation.ts`: delay, faults, wording.
 *
 * A new capability is one more module of functions over the state, plus its methods here.
 *
 * How it stays fast: with `timing: "instant"` no timer is created, a
 * container's file system and processes are made only when it runs a
 * command, and indexes (session, label, volume and network users, running
 * count) spare every scan but an unfiltered `listContainers`.
 *
 * @module
 */
import type {
  CleanupReport,
  ContainerConfig,
  ContainerFilter,
  ContainerInstance,
  DriverCapability,
  DriverHealth,
  DriverWith,
  ExecOptions,
  ExecRequest,
  ExecResult,
  FileContent,
  LogOptions,
  Network,
  NetworkConfig,
  ReadFileOptions,
  StopOptions,
  Volume,
  VolumeConfig,
  WriteFileOptions,
} from "../../src/index.js";
import { execInContainer } from "./exec.js";
import { setContainerExpiry, startSweeper } from "./expiry.js";
import { FaultInjector } from "./faults.js";
import { readFile, readFileStream, writeFile } from "./files.js";
import { createContainer, pauseOrResume, removeContainer, startContainer, stopContainer } from "./lifecycle.js";
import type { MockProfile } from "./profiles.js";
import { getContainer, getContainerLogs, healthCheck, isContainerHealthy, listContainers } from "./queries.js";
import { cleanup, close } from "./release.js";
import { createNetwork, createVolume, removeNetwork, removeVolume } from "./resources.js";
import { createRuntimeEvents, type MockRuntimeEvents } from "./simulation.js";
import { detached, engines, MOCK_CAPABILITIES } from "./instances.js";
import { createEngineState, type MockDriverOptions } from "./state.js";

/**
 * A mock `ContainerDriver` with the behaviour given by a {@link MockProfile}.
 * Use {@link MockDockerDriver} or {@link MockLocalDriver}; use this class
 * directly only to build a mock with a profile of your own.
 *
 * Containers, volumes and networks belong to the driver's runtime: two
 * drivers never see each other's unless they share a `MockRuntime`.
 *
 * @example
 * ```ts
 * const driver = new MockDriver(DOCKER_PROFILE, { timing: "instant" });
 * const container = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
 * await driver.startContainer(container.id);
 * ```
 */
export class MockDriver implements DriverWith<(typeof MOCK_CAPABILITIES)[number]> {
  /** The profile's name: `mock-docker` or `mock-local`. */
  readonly name: string;
  /** The profile's version. */
  readonly version: string;
  /** {@link MOCK_CAPABILITIES}: everything but `isolation` and `limits`. */
  readonly capabilities: readonly DriverCapability[] = MOCK_CAPABILITIES;
  /** The profile this driver runs with: limits, timing, formats, error vocabulary. */
  readonly profile: MockProfile;
  /** Fault injection for this instance; see {@link FaultInjector}. */
  readonly faults: FaultInjector = new FaultInjector();
  /** Runtime events for this instance; see {@link MockRuntimeEvents}. */
  readonly simulate: MockRuntimeEvents;

  /**
   * @param profile - limits, timing, formats and error vocabulary; see `DOCKER_PROFILE`, `LOCAL_PROFILE`.
   * @param options - see {@link MockDriverOptions}.
   */
  constructor(profile: MockProfile, options: MockDriverOptions = {}) {
    this.profile = profile;
    this.name = profile.name;
    this.version = profile.version;
    const state = createEngineState(profile, this.faults, options);
    engines.set(this, state);
    this.simulate = createRuntimeEvents(state);
    startSweeper(state);
  }

  // Each method returns its module function's promise as it is (no `async` wrapper), so a
  // call settles after as many microtasks as the engine's own work; ordering tests rely on it.

  /**
   * Validates (`ConfigurationError`), checks the profile's limits, waits, then
   * returns the container of its idempotency key, or checks the network and
   * volumes exist and inserts a new one in status `created`. A rejected call
   * leaves nothing behind.
   *
   * @example
   * ```ts
   * const container = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
   * ```
   */
  createContainer(config: ContainerConfig): Promise<ContainerInstance> {
    const state = engines.get(this);
    return state === undefined ? detached("createContainer") : createContainer(state, config);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.start`: the main command starts (→ running), or no-op, or `ContainerStartError`.
   *
   * @example
   * ```ts
   * await driver.startContainer(container.id);
   * ```
   */
  startContainer(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("startContainer") : startContainer(state, id);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.stop`: SIGTERM to the main command, SIGKILL
   * after the grace period; a simulated one ends at once with 143 (137 with
   * `force`). See {@link MOCK_EXIT_CODES}.
   *
   * @example
   * ```ts
   * await driver.stopContainer(container.id, { timeout: 5_000 });
   * ```
   */
  stopContainer(id: string, options?: StopOptions): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("stopContainer") : stopContainer(state, id, options);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.remove`: what runs in it is killed, then it is gone.
   *
   * @example
   * ```ts
   * await driver.removeContainer(container.id);
   * ```
   */
  removeContainer(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("removeContainer") : removeContainer(state, id);
  }

  /**
   * The container as it is now, or `null` for an unknown id.
   *
   * @example
   * ```ts
   * await driver.getContainer("no-such-id"); // null
   * ```
   */
  getContainer(id: string): Promise<ContainerInstance | null> {
    const state = engines.get(this);
    return state === undefined ? detached("getContainer") : getContainer(state, id);
  }

  /**
   * Containers matching every filter field, in creation order; a label or
   * session filter reads only the containers that have it.
   *
   * @example
   * ```ts
   * await driver.listContainers({ label: { "request-id": "r-7" } });
   * ```
   */
  listContainers(filter?: ContainerFilter): Promise<ContainerInstance[]> {
    const state = engines.get(this);
    return state === undefined ? detached("listContainers") : listContainers(state, filter);
  }

  /**
   * What the main command wrote (a simulated one: the container's events),
   * with every `LogOptions` field, `follow`, `signal` and `onLine` included.
   *
   * @example
   * ```ts
   * await driver.getContainerLogs(container.id, { tail: 1 });
   * ```
   */
  getContainerLogs(id: string, options?: LogOptions): Promise<string> {
    const state = engines.get(this);
    return state === undefined ? detached("getContainerLogs") : getContainerLogs(state, id, options);
  }

  /**
   * Never rejects: exact counts, or `unhealthy` with `error` (counts 0) when an injected fault hides the runtime.
   *
   * @example
   * ```ts
   * (await driver.healthCheck()).containers.running;
   * ```
   */
  healthCheck(): Promise<DriverHealth> {
    const state = engines.get(this);
    return state === undefined ? detached("healthCheck") : healthCheck(state);
  }

  /**
   * `true` when the container's status is `running`; `ContainerNotFoundError` for an unknown id.
   *
   * @example
   * ```ts
   * await driver.isContainerHealthy(container.id); // false once it exited
   * ```
   */
  isContainerHealthy(id: string): Promise<boolean> {
    const state = engines.get(this);
    return state === undefined ? detached("isContainerHealthy") : isContainerHealthy(state, id);
  }

  /**
   * Creates a named volume (its files made at the first mount); a taken name is a `VolumeCreationError`.
   *
   * @example
   * ```ts
   * const volume = await driver.createVolume({ name: "workspace" });
   * ```
   */
  createVolume(config: VolumeConfig): Promise<Volume> {
    const state = engines.get(this);
    return state === undefined ? detached("createVolume") : createVolume(state, config);
  }

  /**
   * Removes a volume by id or name: `VolumeNotFoundError`, or `VolumeRemoveError` while a container uses it.
   *
   * @example
   * ```ts
   * await driver.removeVolume("workspace"); // by name works too
   * ```
   */
  removeVolume(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("removeVolume") : removeVolume(state, id);
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
    const state = engines.get(this);
    return state === undefined ? detached("createNetwork") : createNetwork(state, config);
  }

  /**
   * Removes a network by id or name: `NetworkNotFoundError`, or `NetworkRemoveError` while a container uses it.
   *
   * @example
   * ```ts
   * await driver.removeNetwork(network.id);
   * ```
   */
  removeNetwork(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("removeNetwork") : removeNetwork(state, id);
  }

  /**
   * Runs the command as a process of the container (see exec.ts): the test's
   * exec handler or the built-in shell and commands; `ContainerStateError`
   * unless the container runs.
   *
   * @example
   * ```ts
   * (await driver.execInContainer(id, { command: ["sh", "-c", "echo hi"] })).stdout; // "hi\n"
   * ```
   */
  execInContainer(id: string, request: ExecRequest, options?: ExecOptions): Promise<ExecResult> {
    const state = engines.get(this);
    return state === undefined ? detached("execInContainer") : execInContainer(state, id, request, options);
  }

  /**
   * Writes into the container's in-memory file system (see files.ts); works in every status.
   *
   * @example
   * ```ts
   * await driver.writeFile(id, "/tmp/task.json", JSON.stringify(task));
   * ```
   */
  writeFile(id: string, path: string, content: FileContent, options?: WriteFileOptions): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("writeFile") : writeFile(state, id, path, content, options);
  }

  /**
   * Reads a whole file, up to `maxBytes`; `FileNotFoundError` when there is none.
   *
   * @example
   * ```ts
   * new TextDecoder().decode(await driver.readFile(id, "/etc/hostname"));
   * ```
   */
  readFile(id: string, path: string, options?: ReadFileOptions): Promise<Uint8Array> {
    const state = engines.get(this);
    return state === undefined ? detached("readFile") : readFile(state, id, path, options);
  }

  /**
   * Reads a file as a stream of chunks; resolves once the file is found.
   *
   * @example
   * ```ts
   * for await (const chunk of await driver.readFileStream(id, "/tmp/out.bin")) total += chunk.byteLength;
   * ```
   */
  readFileStream(id: string, path: string, options?: ReadFileOptions): Promise<AsyncIterable<Uint8Array>> {
    const state = engines.get(this);
    return state === undefined ? detached("readFileStream") : readFileStream(state, id, path, options);
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.pause`: the container's processes freeze where they are.
   *
   * @example
   * ```ts
   * await driver.pauseContainer(id); // status "paused"
   * ```
   */
  pauseContainer(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("pauseContainer") : pauseOrResume(state, id, "pause");
  }

  /**
   * Applies `CONTAINER_TRANSITIONS.resume`: the processes go on from where they were.
   *
   * @example
   * ```ts
   * await driver.resumeContainer(id); // status "running"
   * ```
   */
  resumeContainer(id: string): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("resumeContainer") : pauseOrResume(state, id, "resume");
  }

  /**
   * Moves the container's expiry (ms since the epoch, on the driver's clock), or clears it with `null`.
   *
   * @example
   * ```ts
   * await driver.setContainerExpiry(id, Date.now() + 60_000);
   * ```
   */
  setContainerExpiry(id: string, expiresAt: number | null): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("setContainerExpiry") : setContainerExpiry(state, id, expiresAt);
  }

  /**
   * Stops this instance's expiry sweeper; containers, volumes and networks stay. Idempotent.
   *
   * @example
   * ```ts
   * await driver.close();
   * ```
   */
  close(): Promise<void> {
    const state = engines.get(this);
    return state === undefined ? detached("close") : close(state);
  }

  /**
   * Removes every container, volume and network of the driver's runtime, reporting what failed.
   *
   * @example
   * ```ts
   * const { failures } = await driver.cleanup();
   * ```
   */
  cleanup(): Promise<CleanupReport> {
    const state = engines.get(this);
    return state === undefined ? detached("cleanup") : cleanup(state);
  }
}
