/**
 * The `ContainerDriver` type: what every runtime driver implements, and the
 * optional capabilities a driver declares. What the package knows about each
 * method (the resource it touches, its failure error, whether it may be
 * retried, the capability that gates it) is one table in `./methods.ts`.
 *
 * @module
 */
import type { ExecOptions, ExecRequest, ExecResult } from "./exec.js";
import type { FileContent, ReadFileOptions, WriteFileOptions } from "./files.js";
import type {
  CleanupReport,
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
 * Optional features a driver can declare on {@link ContainerDriver.capabilities},
 * so it claims exactly what it does. The conformance suite runs the tier of
 * each declared capability in full and reports the cases of undeclared ones
 * as skipped, never as passed. docs/INTERFACE_CONTRACT.md states each.
 *
 * - `execution`: the main command really runs: its output reaches the logs,
 *   exit codes are real and stay, env vars arrive and the host's do not,
 *   `follow` waits for the lines.
 * - `isolation`: the security options hold inside the container (user,
 *   read-only root, no new privileges, capability set), network `none`
 *   leaves only loopback, mounts appear at their targets, a volume is shared
 *   between containers.
 * - `limits`: memory, pids and cpu limits are enforced and observable inside;
 *   a container killed for memory ends `exited` 137, state `error`, and
 *   reports `oomKilled`.
 * - `streams`: `stdin` for the main command; live, cancellable, per-stream
 *   logs (`onLine`, `signal`, `stream`).
 * - `exec`: `execInContainer`.
 * - `files`: `writeFile`, `readFile`, `readFileStream`.
 * - `pause`: `pauseContainer`, `resumeContainer`.
 * - `expiry`: `ttlMs`, `expiresAt` and `setContainerExpiry`; expired
 *   containers are removed by the driver.
 * - `idempotency`: creates with one `idempotencyKey` return one container.
 */
export const DRIVER_CAPABILITIES = [
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

  // -------------------------------------------------------------------------
  // Contract 1.1: optional members. A driver that declares a capability has its
  // methods (`DriverWith` makes that a compile-time fact); close and cleanup
  // are optional for every driver.
  // -------------------------------------------------------------------------

  /**
   * Run a command in a running container (capability `exec`). Output streams
   * to `onOutput` and is kept up to `maxOutputBytes` per stream; a timeout or
   * an abort kills the command and everything it started, and resolves with
   * `timedOut` or `aborted`. A container that is not running:
   * `ContainerStateError`.
   *
   * @example
   * ```ts
   * const result = await driver.execInContainer?.(id, { command: ["sh", "-c", "make test"], timeoutMs: 60_000 });
   * if (result?.exitCode !== 0) console.log(result?.stderr);
   * ```
   */
  execInContainer?(id: string, request: ExecRequest, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Write a file into a container (capability `files`): binary-safe, streamed
   * from an async iterable, parents created, owned by the container's user.
   * A path the container's file system refuses (a read-only root outside any
   * writable mount): `FileSystemError`.
   *
   * @example
   * ```ts
   * await driver.writeFile?.(id, "/workspace/input.json", JSON.stringify(task), { mode: 0o600 });
   * ```
   */
  writeFile?(id: string, path: string, content: FileContent, options?: WriteFileOptions): Promise<void>;
  /**
   * Read a whole file from a container into memory, up to `maxBytes`
   * (capability `files`). A missing file: `FileNotFoundError`.
   *
   * @example
   * ```ts
   * const bytes = await driver.readFile?.(id, "/workspace/result.json");
   * ```
   */
  readFile?(id: string, path: string, options?: ReadFileOptions): Promise<Uint8Array>;
  /**
   * Read a file from a container as a stream of byte chunks, for files too
   * large to hold (capability `files`). Resolves once the file is found (a
   * missing file rejects here); break out of the loop to stop the transfer.
   *
   * @example
   * ```ts
   * const chunks = await driver.readFileStream?.(id, "/workspace/build.tar");
   * for await (const chunk of chunks ?? []) output.write(chunk);
   * ```
   */
  readFileStream?(id: string, path: string, options?: ReadFileOptions): Promise<AsyncIterable<Uint8Array>>;
  /**
   * Freeze a running container's processes, keeping their memory (capability
   * `pause`); see the `pause` row of `CONTAINER_TRANSITIONS`.
   *
   * @example
   * ```ts
   * await driver.pauseContainer?.(id); // status "paused"
   * ```
   */
  pauseContainer?(id: string): Promise<void>;
  /**
   * Thaw a paused container (capability `pause`); see the `resume` row of
   * `CONTAINER_TRANSITIONS`.
   *
   * @example
   * ```ts
   * await driver.resumeContainer?.(id); // status "running"
   * ```
   */
  resumeContainer?(id: string): Promise<void>;
  /**
   * Move a container's expiry (capability `expiry`): a time in ms since the
   * epoch, or `null` for none. A time in the past makes it due at the next
   * sweep.
   *
   * @example
   * ```ts
   * await driver.setContainerExpiry?.(id, Date.now() + 30 * 60_000); // another half hour
   * ```
   */
  setContainerExpiry?(id: string, expiresAt: number | null): Promise<void>;
  /**
   * Free what this driver instance holds (timers, sweepers, connections),
   * leaving every container, volume and network in place. Idempotent; the
   * conformance runner calls it after each case. What it resolves with is
   * ignored (`unknown`, not `void`, so that a driver written against 1.0 with
   * a `close()` of its own still type-checks).
   *
   * @example
   * ```ts
   * process.on("SIGTERM", () => void driver.close?.());
   * ```
   */
  close?(): Promise<unknown>;
  /**
   * Remove every container, volume and network of this driver's namespace,
   * going on past a failure and reporting it. Idempotent.
   *
   * @example
   * ```ts
   * const report = await driver.cleanup?.();
   * if (report !== undefined && report.failures.length > 0) console.warn(report.failures);
   * ```
   */
  cleanup?(): Promise<CleanupReport>;
};
