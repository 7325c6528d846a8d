/**
 * The `ContainerDriver` type: what every runtime driver implements, and the
 * optional capabilities a driver declares. What the package knows about each
 * method (the resource it touches, its failure error, whether it may be
 * retried, the capability that gates it) is one table in `./methods.ts`.
 *
 * @module
 */
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerInstance,
  DriverHealth,
  LogOptions,
  Network,
  NetworkConfig,
  StopOptions,
  Volume,
  VolumeConfig,
} from "./schemas.js";

// ---------------------------------------------------------------------------
// The driver contract
// ---------------------------------------------------------------------------

/**
 * Optional features a driver can declare on {@link ContainerDriver.capabilities}.
 * The conformance suite runs the tier of each declared capability and reports
 * the cases of undeclared ones as skipped.
 *
 * - `execution`: the driver really runs the container's command: output
 *   reaches the logs, exit codes are real, volumes are shared, security
 *   settings are enforced inside the container.
 */
export const DRIVER_CAPABILITIES = ["execution"] as const;

/** One of {@link DRIVER_CAPABILITIES}. */
export type DriverCapability = (typeof DRIVER_CAPABILITIES)[number];

/**
 * The contract between the platform and a runtime. Every method validates
 * its input and rejects with a `DriverError` subclass; the lifecycle follows
 * `CONTAINER_TRANSITIONS`. docs/INTERFACE_CONTRACT.md states each clause and
 * the conformance case that checks it.
 *
 * @example
 * ```ts
 * import { type ContainerDriver, createDriverConfig } from "@openagent/driver-interface";
 *
 * async function runSession(driver: ContainerDriver) {
 *   const container = await driver.createContainer(
 *     createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }),
 *   );
 *   await driver.startContainer(container.id);
 *   return container.id;
 * }
 * ```
 */
export type ContainerDriver = {
  /** Unique name of the implementation, such as `docker` or `mock-local`. */
  readonly name: string;
  /** Semantic version of the implementation (`MAJOR.MINOR.PATCH`). */
  readonly version: string;
  /**
   * Optional features the driver implements; see {@link DRIVER_CAPABILITIES}.
   * Absent means none. An addition to the specification, optional so that
   * drivers written against it still type-check.
   */
  readonly capabilities?: readonly DriverCapability[];

  /**
   * Create a container in status `created`. Rejects with `ConfigurationError`
   * for an invalid config, `ResourceLimitError` above the driver's limits,
   * the NotFound error of a missing volume or network, and
   * `ContainerCreationError` when the runtime fails; nothing is left behind.
   *
   * @example
   * ```ts
   * const container = await driver.createContainer(
   *   createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", resources: { memory: 1024 } }),
   * );
   * container.status; // "created"
   * ```
   */
  createContainer(config: ContainerConfig): Promise<ContainerInstance>;
  /**
   * Start a container; see `CONTAINER_TRANSITIONS.start`.
   *
   * @example
   * ```ts
   * await driver.startContainer(container.id); // again is a no-op
   * ```
   */
  startContainer(id: string): Promise<void>;
  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`.
   *
   * @example
   * ```ts
   * await driver.stopContainer(container.id, { timeout: 5_000 });
   * ```
   */
  stopContainer(id: string, options?: StopOptions): Promise<void>;
  /**
   * Remove a container in any status, stopping it first if needed.
   *
   * @example
   * ```ts
   * await driver.removeContainer(container.id); // stops it first when it runs
   * ```
   */
  removeContainer(id: string): Promise<void>;

  /**
   * The container, or `null` when there is none with this id. Never throws for a missing id.
   *
   * @example
   * ```ts
   * const current = await driver.getContainer(container.id);
   * if (current === null) console.log("already gone");
   * ```
   */
  getContainer(id: string): Promise<ContainerInstance | null>;
  /**
   * The driver's containers that match every given filter field.
   *
   * @example
   * ```ts
   * const running = await driver.listContainers({ sessionId: "s-1", state: "running" });
   * ```
   */
  listContainers(filter?: ContainerFilter): Promise<ContainerInstance[]>;
  /**
   * The container's output, shaped by the options.
   *
   * @example
   * ```ts
   * const lastLines = await driver.getContainerLogs(container.id, { tail: 100, timestamps: true });
   * ```
   */
  getContainerLogs(id: string, options?: LogOptions): Promise<string>;

  /**
   * The driver's health; resolves `unhealthy` with `error` set rather than throwing.
   *
   * @example
   * ```ts
   * const health = await driver.healthCheck();
   * if (health.status === "unhealthy") console.warn(health.error);
   * ```
   */
  healthCheck(): Promise<DriverHealth>;
  /**
   * `true` when the container runs; `false` when not; ContainerNotFoundError when missing.
   *
   * @example
   * ```ts
   * if (!(await driver.isContainerHealthy(container.id))) await driver.startContainer(container.id);
   * ```
   */
  isContainerHealthy(id: string): Promise<boolean>;

  /**
   * Create a named volume; a duplicate name is a `VolumeCreationError`.
   *
   * @example
   * ```ts
   * const volume = await driver.createVolume({ name: "workspace-s-1" });
   * const config = createDriverConfig({
   *   sessionId: "s-1",
   *   image: "alpine:3.20",
   *   volumes: [{ source: volume.name, target: "/workspace", type: "volume" }],
   * });
   * ```
   */
  createVolume(config: VolumeConfig): Promise<Volume>;
  /**
   * Remove a volume; missing → `VolumeNotFoundError`, in use → `VolumeRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeVolume(volume.id); // after every container using it is removed
   * ```
   */
  removeVolume(id: string): Promise<void>;

  /**
   * Create a named network; a duplicate name is a `NetworkCreationError`.
   *
   * @example
   * ```ts
   * const network = await driver.createNetwork({ name: "agents-s-1" });
   * const config = createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", network: network.name });
   * ```
   */
  createNetwork(config: NetworkConfig): Promise<Network>;
  /**
   * Remove a network; missing → `NetworkNotFoundError`, in use → `NetworkRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeNetwork(network.id); // after every container using it is removed
   * ```
   */
  removeNetwork(id: string): Promise<void>;
};
