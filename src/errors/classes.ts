/**
 * The contract's error classes. Each takes its code, retryable flag and
 * literal name from {@link DRIVER_ERROR_DEFINITIONS} through
 * {@link contractError}, and adds only its constructor fields (those of the
 * specification) and a message that says what failed and what to do.
 *
 * @module
 */
import type { DriverErrorJSON, DriverErrorOptions } from "./definitions.js";
import { contractError } from "./driver-error.js";

// ---------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------

/** A container id that the driver does not know. Not retryable. */
export class ContainerNotFoundError extends contractError("ContainerNotFoundError") {
  /** The id that was not found. */
  readonly containerId: string;

  /** @example `throw new ContainerNotFoundError("c-42")` */
  constructor(containerId: string, options?: DriverErrorOptions) {
    super(`Container '${containerId}' was not found: check the id, or list containers to see which exist.`, options);
    this.containerId = containerId;
  }
}

/** The runtime failed to create a container. Retryable. */
export class ContainerCreationError extends contractError("ContainerCreationError") {
  /** Whatever the runtime reported, for debugging. */
  readonly details: unknown;

  /**
   * @param details - what the runtime reported (a response body, an engine
   *   message), kept apart from `message` so that text stays readable. Default: none.
   * @example `throw new ContainerCreationError("image not found", { image: "alpine" })`
   */
  constructor(message: string, details?: unknown, options?: DriverErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

function couldNot(containerId: string, verb: string, reason: string): string {
  return `Container '${containerId}' could not be ${verb}: ${reason}`;
}

/** The runtime failed to start a container, or its status forbids starting. Retryable. */
export class ContainerStartError extends contractError("ContainerStartError") {
  /** The container that did not start. */
  readonly containerId: string;
  /** Why it did not start. */
  readonly reason: string;

  /** @example `throw new ContainerStartError("c-42", "container is dead")` */
  constructor(containerId: string, reason: string, options?: DriverErrorOptions) {
    super(couldNot(containerId, "started", reason), options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** The runtime failed to stop a container. Retryable. */
export class ContainerStopError extends contractError("ContainerStopError") {
  /** The container that did not stop. */
  readonly containerId: string;
  /** Why it did not stop. */
  readonly reason: string;

  /** @example `throw new ContainerStopError("c-42", "engine did not answer")` */
  constructor(containerId: string, reason: string, options?: DriverErrorOptions) {
    super(`${couldNot(containerId, "stopped", reason)}. Retry, or stop with { force: true }.`, options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** The runtime refused to remove a container. Not retryable. */
export class ContainerRemoveError extends contractError("ContainerRemoveError") {
  /** The container that was not removed. */
  readonly containerId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new ContainerRemoveError("c-42", "removal already in progress")` */
  constructor(containerId: string, reason: string, options?: DriverErrorOptions) {
    super(couldNot(containerId, "removed", reason), options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** A request above the driver's limits. Not retryable: the same request fails again. */
export class ResourceLimitError extends contractError("ResourceLimitError") {
  /** Which resource: `cpu`, `memory`, `disk`, `pids`, or a driver's own. */
  readonly resource: string;
  /** The most the driver allows. */
  readonly limit: number;
  /** What was asked for. */
  readonly requested: number;

  /** @example `throw new ResourceLimitError("cpu", 2, 3.5)` */
  constructor(resource: string, limit: number, requested: number, options?: DriverErrorOptions) {
    super(
      `Requested ${resource} ${requested} exceeds the driver's limit of ${limit}: ask for at most ${limit}.`,
      options,
    );
    this.resource = resource;
    this.limit = limit;
    this.requested = requested;
  }
}

// ---------------------------------------------------------------------------
// Volumes and networks
// ---------------------------------------------------------------------------

/** The runtime failed to create a volume, or the name is taken. Retryable. */
export class VolumeCreationError extends contractError("VolumeCreationError") {
  /** The name of the volume that was not created. */
  readonly volumeName: string;
  /** Why it was not created. */
  readonly reason: string;

  /** @example `throw new VolumeCreationError("data", "a volume with this name exists")` */
  constructor(volumeName: string, reason: string, options?: DriverErrorOptions) {
    super(`Volume '${volumeName}' could not be created: ${reason}`, options);
    this.volumeName = volumeName;
    this.reason = reason;
  }
}

/** A volume id that the driver does not know. Not retryable. */
export class VolumeNotFoundError extends contractError("VolumeNotFoundError") {
  /** The id or name that was not found. */
  readonly volumeId: string;

  /** @example `throw new VolumeNotFoundError("vol-1")` */
  constructor(volumeId: string, options?: DriverErrorOptions) {
    super(`Volume '${volumeId}' was not found: create it with createVolume first.`, options);
    this.volumeId = volumeId;
  }
}

/** A volume that cannot be removed, usually because a container uses it. Not retryable. */
export class VolumeRemoveError extends contractError("VolumeRemoveError") {
  /** The volume that was not removed. */
  readonly volumeId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new VolumeRemoveError("vol-1", "in use by container c-42")` */
  constructor(volumeId: string, reason: string, options?: DriverErrorOptions) {
    super(`Volume '${volumeId}' could not be removed: ${reason}`, options);
    this.volumeId = volumeId;
    this.reason = reason;
  }
}

/** The runtime failed to create a network, or the name is taken. Retryable. */
export class NetworkCreationError extends contractError("NetworkCreationError") {
  /** The name of the network that was not created. */
  readonly networkName: string;
  /** Why it was not created. */
  readonly reason: string;

  /** @example `throw new NetworkCreationError("agents", "a network with this name exists")` */
  constructor(networkName: string, reason: string, options?: DriverErrorOptions) {
    super(`Network '${networkName}' could not be created: ${reason}`, options);
    this.networkName = networkName;
    this.reason = reason;
  }
}

/** A network id or name that the driver does not know. Not retryable. */
export class NetworkNotFoundError extends contractError("NetworkNotFoundError") {
  /** The id or name that was not found. */
  readonly networkId: string;

  /** @example `throw new NetworkNotFoundError("net-1")` */
  constructor(networkId: string, options?: DriverErrorOptions) {
    super(`Network '${networkId}' was not found: create it with createNetwork first, or use 'none'.`, options);
    this.networkId = networkId;
  }
}

/** A network that cannot be removed, usually because a container uses it. Not retryable. */
export class NetworkRemoveError extends contractError("NetworkRemoveError") {
  /** The network that was not removed. */
  readonly networkId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new NetworkRemoveError("net-1", "in use by container c-42")` */
  constructor(networkId: string, reason: string, options?: DriverErrorOptions) {
    super(`Network '${networkId}' could not be removed: ${reason}`, options);
    this.networkId = networkId;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// The runtime and its transport
// ---------------------------------------------------------------------------

/** The driver could not determine its health. Not retryable. */
export class DriverHealthError extends contractError("DriverHealthError") {
  /**
   * @param message - what went wrong; defaults to a generic text because a
   *   health probe often fails without saying why. Default `"Driver health check failed"`.
   * @example `throw new DriverHealthError("engine reported an unknown version")`
   */
  constructor(message = "Driver health check failed", options?: DriverErrorOptions) {
    super(message, options);
  }
}

/** An operation that did not finish in time. Retryable. */
export class TimeoutError extends contractError("TimeoutError") {
  /** The operation that timed out, such as `startContainer`. */
  readonly operation: string;
  /** The time allowed, in ms. */
  readonly timeout: number;

  /** @example `throw new TimeoutError("startContainer", 30_000)` */
  constructor(operation: string, timeout: number, options?: DriverErrorOptions) {
    super(`Operation '${operation}' timed out after ${timeout} ms: retry, or allow more time.`, options);
    this.operation = operation;
    this.timeout = timeout;
  }
}

/** The runtime could not be reached (refused, reset, unreachable). Retryable. */
export class NetworkError extends contractError("NetworkError") {}

/** A file system refused an operation (read-only, not a directory, no space). Not retryable. */
export class FileSystemError extends contractError("FileSystemError") {}

/** The runtime did not accept the driver's credentials. Not retryable. */
export class AuthenticationError extends contractError("AuthenticationError") {}

/** The driver's credentials do not allow the operation. Not retryable. */
export class AuthorizationError extends contractError("AuthorizationError") {}

/**
 * A failure that no other class describes, such as an answer the driver does
 * not understand. Not retryable: nothing says whether the operation took
 * effect. `toDriverError` gives it to an unrecognised failure of an operation
 * that has no failure error of its own; inspect `cause`.
 */
export class UnexpectedError extends contractError("UnexpectedError") {}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/** One problem found in a configuration value. */
export type ConfigurationIssue = {
  /** Where, as a dotted path such as `security.capabilities.drop.0`; empty for the value itself. */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
};

/** Options of {@link ConfigurationError}. */
export type ConfigurationErrorOptions = DriverErrorOptions & {
  /** Every problem found, each with its path. Default: none. */
  readonly issues?: readonly ConfigurationIssue[];
};

/** Invalid input: a config, filter or option that breaks the schema. Not retryable. */
export class ConfigurationError extends contractError("ConfigurationError") {
  /** Every problem found, each with its path. */
  readonly issues: readonly ConfigurationIssue[];

  /** @example `throw new ConfigurationError("timeout must be at least 1000 ms")` */
  constructor(message: string, options: ConfigurationErrorOptions = {}) {
    super(message, options);
    this.issues = Object.freeze((options.issues ?? []).map((issue) => Object.freeze({ ...issue })));
  }

  /**
   * Adds `issues` to the serialised context, so a log or a remote caller sees
   * every problem and its path, not only the summary message.
   *
   * @example
   * ```ts
   * JSON.stringify(new ConfigurationError("invalid config", { issues: [{ path: "image", message: "required" }] }));
   * ```
   */
  override toJSON(): DriverErrorJSON {
    return { ...super.toJSON(), context: { ...this.context, issues: this.issues } };
  }
}

// ---------------------------------------------------------------------------
// Caller policies
// ---------------------------------------------------------------------------

/**
 * A call refused at once by an open circuit breaker. Retryable: the circuit
 * tries again at `retryAt`.
 */
export class CircuitOpenError extends contractError("CircuitOpenError") {
  /** When the breaker lets a trial call through (ms since the epoch, by the breaker's clock). */
  readonly retryAt: number;

  /** @example `throw new CircuitOpenError(Date.now() + 5_000)` */
  constructor(retryAt: number, options?: DriverErrorOptions) {
    super(`Circuit is open after repeated failures: calls are refused until ${describeInstant(retryAt)}.`, options);
    this.retryAt = retryAt;
  }
}

// An error constructor must not throw: `toISOString` does (RangeError) for
// NaN, Infinity and times beyond the Date range, which a breaker configured
// with an infinite wait would hand over.
function describeInstant(time: number): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString();
}

// ---------------------------------------------------------------------------
// Contract 1.1: exec, files, lifetime
// ---------------------------------------------------------------------------

/**
 * The container's status forbids the operation: pause or exec of a container
 * that is not running, resume of one that is not paused (the transition
 * table's `ContainerStateError` cells). Not retryable: the same call fails
 * again until the container's status changes.
 */
export class ContainerStateError extends contractError("ContainerStateError") {
  /** The container. */
  readonly containerId: string;
  /** Its status when the operation was refused. */
  readonly status: string;
  /** The operation refused, such as `pauseContainer` or `execInContainer`. */
  readonly operation: string;

  /** @example `throw new ContainerStateError("c-42", "exited", "execInContainer")` */
  constructor(containerId: string, status: string, operation: string, options?: DriverErrorOptions) {
    super(`Container '${containerId}' is ${status}: ${operation} is not possible in that status.`, options);
    this.containerId = containerId;
    this.status = status;
    this.operation = operation;
  }
}

/**
 * The runtime failed to run a command in a container (it could not create or
 * start the process). A command that runs and exits non-zero is a result, not
 * this error. Retryable; `withPolicies` retries it only when the request
 * cannot have reached the runtime, since a command must not run twice.
 */
export class ExecError extends contractError("ExecError") {
  /** The container. */
  readonly containerId: string;
  /** Why the command could not run. */
  readonly reason: string;

  /** @example `throw new ExecError("c-42", "engine answered 500")` */
  constructor(containerId: string, reason: string, options?: DriverErrorOptions) {
    super(couldNot(containerId, "asked to run the command", reason), options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** A path in a container where no file exists. Not retryable. */
export class FileNotFoundError extends contractError("FileNotFoundError") {
  /** The container. */
  readonly containerId: string;
  /** The path that was not found. */
  readonly path: string;

  /** @example `throw new FileNotFoundError("c-42", "/work/result.json")` */
  constructor(containerId: string, path: string, options?: DriverErrorOptions) {
    super(`No file at '${path}' in container '${containerId}'.`, options);
    this.containerId = containerId;
    this.path = path;
  }
}

/**
 * An idempotency key that already names a container created from a different
 * config. Not retryable: use another key, or the config the key was first used
 * with.
 */
export class IdempotencyConflictError extends contractError("IdempotencyConflictError") {
  /** The key. */
  readonly idempotencyKey: string;
  /** The container the key already names. */
  readonly containerId: string;

  /** @example `throw new IdempotencyConflictError("task-7", "c-42")` */
  constructor(idempotencyKey: string, containerId: string, options?: DriverErrorOptions) {
    super(
      `Idempotency key '${idempotencyKey}' already names container '${containerId}', created from a different config: ` +
        "use another key, or the same config.",
      options,
    );
    this.idempotencyKey = idempotencyKey;
    this.containerId = containerId;
  }
}

/** The caller aborted the operation through its `AbortSignal`. Not retryable: the caller asked it to stop. */
export class OperationAbortedError extends contractError("OperationAbortedError") {
  /** The operation aborted, such as `writeFile`. */
  readonly operation: string;

  /** @example `throw new OperationAbortedError("writeFile", { cause: signal.reason })` */
  constructor(operation: string, options?: DriverErrorOptions) {
    super(`Operation '${operation}' was aborted by its caller.`, options);
    this.operation = operation;
  }
}
