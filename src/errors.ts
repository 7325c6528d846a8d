/**
 * The error hierarchy of the contract. Every error a driver throws is a
 * {@link DriverError}: it has a unique `code` from {@link DRIVER_ERROR_DEFINITIONS},
 * a `retryable` flag, an optional `cause` and `context`, a literal `name`, and
 * `toJSON()`.
 *
 * Errors carry a `Symbol.for` brand, and `instanceof` checks the brand and the
 * code, so the guards hold when two copies of this package are loaded (the ESM
 * and CommonJS builds, or two versions in one `node_modules`).
 *
 * @module
 */

/**
 * The one list of error codes: for each error class, its code and whether a
 * caller may retry the operation that threw it. Retryable flags are exactly
 * those of the specification; `CircuitOpenError` is this package's own.
 */
export const DRIVER_ERROR_DEFINITIONS = {
  ContainerNotFoundError: { code: "CONTAINER_NOT_FOUND", retryable: false },
  ContainerCreationError: { code: "CONTAINER_CREATION_FAILED", retryable: true },
  ContainerStartError: { code: "CONTAINER_START_FAILED", retryable: true },
  ContainerStopError: { code: "CONTAINER_STOP_FAILED", retryable: true },
  ContainerRemoveError: { code: "CONTAINER_REMOVE_FAILED", retryable: false },
  ResourceLimitError: { code: "RESOURCE_LIMIT_EXCEEDED", retryable: false },
  VolumeCreationError: { code: "VOLUME_CREATION_FAILED", retryable: true },
  VolumeNotFoundError: { code: "VOLUME_NOT_FOUND", retryable: false },
  VolumeRemoveError: { code: "VOLUME_REMOVE_FAILED", retryable: false },
  NetworkCreationError: { code: "NETWORK_CREATION_FAILED", retryable: true },
  NetworkNotFoundError: { code: "NETWORK_NOT_FOUND", retryable: false },
  NetworkRemoveError: { code: "NETWORK_REMOVE_FAILED", retryable: false },
  DriverHealthError: { code: "DRIVER_HEALTH_CHECK_FAILED", retryable: false },
  TimeoutError: { code: "OPERATION_TIMEOUT", retryable: true },
  NetworkError: { code: "NETWORK_ERROR", retryable: true },
  FileSystemError: { code: "FILESYSTEM_ERROR", retryable: false },
  AuthenticationError: { code: "AUTHENTICATION_FAILED", retryable: false },
  AuthorizationError: { code: "AUTHORIZATION_FAILED", retryable: false },
  ConfigurationError: { code: "CONFIGURATION_INVALID", retryable: false },
  CircuitOpenError: { code: "CIRCUIT_OPEN", retryable: true },
} as const;

/** The name of one of the contract's error classes. */
export type DriverErrorName = keyof typeof DRIVER_ERROR_DEFINITIONS;

/** One of the contract's error codes. */
export type DriverErrorCode = (typeof DRIVER_ERROR_DEFINITIONS)[DriverErrorName]["code"];

/** The code {@link getErrorCode} reports for anything that is not a `DriverError`. */
export const UNKNOWN_ERROR_CODE = "UNKNOWN_ERROR";

/** Extra information attached to an error, serialised by `toJSON()`. */
export type ErrorContext = Readonly<Record<string, unknown>>;

/** Options every error constructor accepts as its last argument. */
export type DriverErrorOptions = {
  /** The error that caused this one, kept for debugging; not serialised by `toJSON()`. Default: none. */
  readonly cause?: unknown;
  /** Extra information for logs and callers, such as the operation or the driver name. Default: `{}`. */
  readonly context?: ErrorContext;
};

/** What `toJSON()` returns: safe to log and to send over the wire. */
export type DriverErrorJSON = {
  /** The class name, such as `ContainerNotFoundError`. */
  readonly name: string;
  /** The stable code; match on this rather than on `message`. */
  readonly code: string;
  /** Human-readable text; may change between versions. */
  readonly message: string;
  /** Whether the failed operation may succeed when retried. */
  readonly retryable: boolean;
  /** The error's context; `cause` is left out because it may not serialise. */
  readonly context: ErrorContext;
};

/**
 * The brand every `DriverError` carries. `Symbol.for` returns the same symbol
 * in every copy of this package, so a guard in one copy recognises an error
 * built by another.
 */
export const DRIVER_ERROR_BRAND: unique symbol = Symbol.for("@openagent/driver-interface/DriverError");

type Branded = {
  readonly [DRIVER_ERROR_BRAND]: true;
  readonly code: string;
  readonly retryable: boolean;
  readonly message: string;
};

function isBranded(value: unknown): value is Branded {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[DRIVER_ERROR_BRAND] === true &&
      typeof (value as { code?: unknown }).code === "string"
    );
  } catch {
    // A Proxy or a throwing getter is not a DriverError.
    return false;
  }
}

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * The base of every error of the contract. Catch it to handle any driver
 * failure by `code` and `retryable`; throw one of its subclasses, since a
 * driver may only reject with the codes of {@link DRIVER_ERROR_DEFINITIONS}.
 *
 * @example
 * ```ts
 * try {
 *   await driver.startContainer(id);
 * } catch (error) {
 *   if (error instanceof DriverError) log.warn({ code: error.code, retryable: error.retryable }, error.message);
 *   throw error;
 * }
 * ```
 */
export class DriverError extends Error {
  /** Stable, machine-readable code; see {@link DRIVER_ERROR_DEFINITIONS}. */
  readonly code: string;
  /** Whether retrying the same operation may succeed. */
  readonly retryable: boolean;
  /** Extra information for logs and callers. */
  readonly context: ErrorContext;
  /** Set on every class so logs name the class even after minification. */
  override name = "DriverError";

  constructor(message: string, code: string, retryable: boolean, options: DriverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = retryable;
    this.context = Object.freeze({ ...options.context });
  }

  /**
   * `instanceof` that holds across copies of this package: besides the
   * prototype chain, a branded error matches a contract class with the same
   * code (or `DriverError` itself).
   *
   * @example
   * ```ts
   * if (error instanceof ContainerNotFoundError) return null;
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of `instanceof`, a different one for each subclass
    return isInstanceAcrossCopies(this, value);
  }

  /**
   * A plain object with name, code, message, retryable and context:
   * `JSON.stringify` of a bare `Error` leaves out `message`, and `cause` may
   * not serialise at all, so logs and the wire get this stable shape instead.
   *
   * @example
   * ```ts
   * logger.error(JSON.stringify(error)); // {"name":"ContainerNotFoundError","code":"CONTAINER_NOT_FOUND",...}
   * ```
   */
  toJSON(): DriverErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      context: this.context,
    };
  }
}

Object.defineProperty(DriverError.prototype, DRIVER_ERROR_BRAND, { value: true });

function isInstanceAcrossCopies(errorClass: object, value: unknown): boolean {
  try {
    if (ordinaryHasInstance.call(errorClass, value)) return true;
    if (!isBranded(value)) return false;
    if (errorClass === DriverError) return true;
    const code = Object.hasOwn(errorClass, "code") ? (errorClass as { code?: unknown }).code : undefined;
    return typeof code === "string" && value.code === code;
  } catch {
    // A Proxy whose traps throw is not an error of this contract.
    return false;
  }
}

// ---------------------------------------------------------------------------
// Container errors
// ---------------------------------------------------------------------------

/** A container id that the driver does not know. Not retryable. */
export class ContainerNotFoundError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ContainerNotFoundError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ContainerNotFoundError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ContainerNotFoundError" as const;
  /** The id that was not found. */
  readonly containerId: string;

  /** @example `throw new ContainerNotFoundError("c-42")` */
  constructor(containerId: string, options: DriverErrorOptions = {}) {
    super(
      `Container '${containerId}' was not found: check the id, or list containers to see which exist.`,
      ContainerNotFoundError.code,
      false,
      options,
    );
    this.containerId = containerId;
  }
}

/** The runtime failed to create a container. Retryable. */
export class ContainerCreationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ContainerCreationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ContainerCreationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ContainerCreationError" as const;
  /** Whatever the runtime reported, for debugging. */
  readonly details: unknown;

  /**
   * @param details - what the runtime reported (a response body, an engine
   *   message), kept apart from `message` so that text stays readable. Default: none.
   * @example `throw new ContainerCreationError("image not found", { image: "alpine" })`
   */
  constructor(message: string, details?: unknown, options: DriverErrorOptions = {}) {
    super(message, ContainerCreationError.code, true, options);
    this.details = details;
  }
}

/** The runtime failed to start a container, or its status forbids starting. Retryable. */
export class ContainerStartError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ContainerStartError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ContainerStartError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ContainerStartError" as const;
  /** The container that did not start. */
  readonly containerId: string;
  /** Why it did not start. */
  readonly reason: string;

  /** @example `throw new ContainerStartError("c-42", "container is dead")` */
  constructor(containerId: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Container '${containerId}' could not be started: ${reason}`, ContainerStartError.code, true, options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** The runtime failed to stop a container. Retryable. */
export class ContainerStopError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ContainerStopError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ContainerStopError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ContainerStopError" as const;
  /** The container that did not stop. */
  readonly containerId: string;
  /** Why it did not stop. */
  readonly reason: string;

  /** @example `throw new ContainerStopError("c-42", "engine did not answer")` */
  constructor(containerId: string, reason: string, options: DriverErrorOptions = {}) {
    super(
      `Container '${containerId}' could not be stopped: ${reason}. Retry, or stop with { force: true }.`,
      ContainerStopError.code,
      true,
      options,
    );
    this.containerId = containerId;
    this.reason = reason;
  }
}

/** The runtime refused to remove a container. Not retryable. */
export class ContainerRemoveError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ContainerRemoveError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ContainerRemoveError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ContainerRemoveError" as const;
  /** The container that was not removed. */
  readonly containerId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new ContainerRemoveError("c-42", "removal already in progress")` */
  constructor(containerId: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Container '${containerId}' could not be removed: ${reason}`, ContainerRemoveError.code, false, options);
    this.containerId = containerId;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// Resource errors
// ---------------------------------------------------------------------------

/** A request above the driver's limits. Not retryable: the same request fails again. */
export class ResourceLimitError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ResourceLimitError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ResourceLimitError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ResourceLimitError" as const;
  /** Which resource: `cpu`, `memory`, `disk`, `pids`, or a driver's own. */
  readonly resource: string;
  /** The most the driver allows. */
  readonly limit: number;
  /** What was asked for. */
  readonly requested: number;

  /** @example `throw new ResourceLimitError("cpu", 2, 3.5)` */
  constructor(resource: string, limit: number, requested: number, options: DriverErrorOptions = {}) {
    super(
      `Requested ${resource} ${requested} exceeds the driver's limit of ${limit}: ask for at most ${limit}.`,
      ResourceLimitError.code,
      false,
      options,
    );
    this.resource = resource;
    this.limit = limit;
    this.requested = requested;
  }
}

// ---------------------------------------------------------------------------
// Volume errors
// ---------------------------------------------------------------------------

/** The runtime failed to create a volume, or the name is taken. Retryable. */
export class VolumeCreationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === VolumeCreationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.VolumeCreationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "VolumeCreationError" as const;
  /** The name of the volume that was not created. */
  readonly volumeName: string;
  /** Why it was not created. */
  readonly reason: string;

  /** @example `throw new VolumeCreationError("data", "a volume with this name exists")` */
  constructor(volumeName: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Volume '${volumeName}' could not be created: ${reason}`, VolumeCreationError.code, true, options);
    this.volumeName = volumeName;
    this.reason = reason;
  }
}

/** A volume id that the driver does not know. Not retryable. */
export class VolumeNotFoundError extends DriverError {
  /** The code on the class, so callers compare (`error.code === VolumeNotFoundError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.VolumeNotFoundError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "VolumeNotFoundError" as const;
  /** The id or name that was not found. */
  readonly volumeId: string;

  /** @example `throw new VolumeNotFoundError("vol-1")` */
  constructor(volumeId: string, options: DriverErrorOptions = {}) {
    super(
      `Volume '${volumeId}' was not found: create it with createVolume first.`,
      VolumeNotFoundError.code,
      false,
      options,
    );
    this.volumeId = volumeId;
  }
}

/** A volume that cannot be removed, usually because a container uses it. Not retryable. */
export class VolumeRemoveError extends DriverError {
  /** The code on the class, so callers compare (`error.code === VolumeRemoveError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.VolumeRemoveError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "VolumeRemoveError" as const;
  /** The volume that was not removed. */
  readonly volumeId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new VolumeRemoveError("vol-1", "in use by container c-42")` */
  constructor(volumeId: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Volume '${volumeId}' could not be removed: ${reason}`, VolumeRemoveError.code, false, options);
    this.volumeId = volumeId;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// Network errors
// ---------------------------------------------------------------------------

/** The runtime failed to create a network, or the name is taken. Retryable. */
export class NetworkCreationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === NetworkCreationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.NetworkCreationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "NetworkCreationError" as const;
  /** The name of the network that was not created. */
  readonly networkName: string;
  /** Why it was not created. */
  readonly reason: string;

  /** @example `throw new NetworkCreationError("agents", "a network with this name exists")` */
  constructor(networkName: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Network '${networkName}' could not be created: ${reason}`, NetworkCreationError.code, true, options);
    this.networkName = networkName;
    this.reason = reason;
  }
}

/** A network id or name that the driver does not know. Not retryable. */
export class NetworkNotFoundError extends DriverError {
  /** The code on the class, so callers compare (`error.code === NetworkNotFoundError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.NetworkNotFoundError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "NetworkNotFoundError" as const;
  /** The id or name that was not found. */
  readonly networkId: string;

  /** @example `throw new NetworkNotFoundError("net-1")` */
  constructor(networkId: string, options: DriverErrorOptions = {}) {
    super(
      `Network '${networkId}' was not found: create it with createNetwork first, or use 'none'.`,
      NetworkNotFoundError.code,
      false,
      options,
    );
    this.networkId = networkId;
  }
}

/** A network that cannot be removed, usually because a container uses it. Not retryable. */
export class NetworkRemoveError extends DriverError {
  /** The code on the class, so callers compare (`error.code === NetworkRemoveError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.NetworkRemoveError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "NetworkRemoveError" as const;
  /** The network that was not removed. */
  readonly networkId: string;
  /** Why it was not removed. */
  readonly reason: string;

  /** @example `throw new NetworkRemoveError("net-1", "in use by container c-42")` */
  constructor(networkId: string, reason: string, options: DriverErrorOptions = {}) {
    super(`Network '${networkId}' could not be removed: ${reason}`, NetworkRemoveError.code, false, options);
    this.networkId = networkId;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// System errors
// ---------------------------------------------------------------------------

/** The driver could not determine its health. Not retryable. */
export class DriverHealthError extends DriverError {
  /** The code on the class, so callers compare (`error.code === DriverHealthError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.DriverHealthError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "DriverHealthError" as const;

  /**
   * @param message - what went wrong; defaults to a generic text because a
   *   health probe often fails without saying why. Default `"Driver health check failed"`.
   * @example `throw new DriverHealthError("engine reported an unknown version")`
   */
  constructor(message = "Driver health check failed", options: DriverErrorOptions = {}) {
    super(message, DriverHealthError.code, false, options);
  }
}

/** An operation that did not finish in time. Retryable. */
export class TimeoutError extends DriverError {
  /** The code on the class, so callers compare (`error.code === TimeoutError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.TimeoutError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "TimeoutError" as const;
  /** The operation that timed out, such as `startContainer`. */
  readonly operation: string;
  /** The time allowed, in ms. */
  readonly timeout: number;

  /** @example `throw new TimeoutError("startContainer", 30_000)` */
  constructor(operation: string, timeout: number, options: DriverErrorOptions = {}) {
    super(
      `Operation '${operation}' timed out after ${timeout} ms: retry, or allow more time.`,
      TimeoutError.code,
      true,
      options,
    );
    this.operation = operation;
    this.timeout = timeout;
  }
}

/** The runtime could not be reached (refused, reset, unreachable). Retryable. */
export class NetworkError extends DriverError {
  /** The code on the class, so callers compare (`error.code === NetworkError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.NetworkError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "NetworkError" as const;

  /** @example `throw new NetworkError("connection to the engine was refused")` */
  constructor(message: string, options: DriverErrorOptions = {}) {
    super(message, NetworkError.code, true, options);
  }
}

/** A file system operation failed (missing path, no space). Not retryable. */
export class FileSystemError extends DriverError {
  /** The code on the class, so callers compare (`error.code === FileSystemError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.FileSystemError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "FileSystemError" as const;

  /** @example `throw new FileSystemError("/data does not exist")` */
  constructor(message: string, options: DriverErrorOptions = {}) {
    super(message, FileSystemError.code, false, options);
  }
}

// ---------------------------------------------------------------------------
// Security errors
// ---------------------------------------------------------------------------

/** The runtime did not accept the driver's credentials. Not retryable. */
export class AuthenticationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === AuthenticationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.AuthenticationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "AuthenticationError" as const;

  /** @example `throw new AuthenticationError("token expired")` */
  constructor(message: string, options: DriverErrorOptions = {}) {
    super(message, AuthenticationError.code, false, options);
  }
}

/** The driver's credentials do not allow the operation. Not retryable. */
export class AuthorizationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === AuthorizationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.AuthorizationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "AuthorizationError" as const;

  /** @example `throw new AuthorizationError("permission denied on the engine socket")` */
  constructor(message: string, options: DriverErrorOptions = {}) {
    super(message, AuthorizationError.code, false, options);
  }
}

// ---------------------------------------------------------------------------
// Configuration errors
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
export class ConfigurationError extends DriverError {
  /** The code on the class, so callers compare (`error.code === ConfigurationError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.ConfigurationError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "ConfigurationError" as const;
  /** Every problem found, each with its path. */
  readonly issues: readonly ConfigurationIssue[];

  /** @example `throw new ConfigurationError("timeout must be at least 1000 ms")` */
  constructor(message: string, options: ConfigurationErrorOptions = {}) {
    super(message, ConfigurationError.code, false, options);
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
// Resilience errors
// ---------------------------------------------------------------------------

/**
 * A call refused at once by an open circuit breaker. Retryable: the circuit
 * tries again at `retryAt`.
 */
export class CircuitOpenError extends DriverError {
  /** The code on the class, so callers compare (`error.code === CircuitOpenError.code`) without re-typing the string, and `instanceof` matches copies of this package by it. */
  static readonly code = DRIVER_ERROR_DEFINITIONS.CircuitOpenError.code;
  /** A literal, so the name survives minification and narrows in a `switch` on `error.name`. */
  override name = "CircuitOpenError" as const;
  /** When the breaker lets a trial call through (ms since the epoch, by the breaker's clock). */
  readonly retryAt: number;

  /** @example `throw new CircuitOpenError(Date.now() + 5_000)` */
  constructor(retryAt: number, options: DriverErrorOptions = {}) {
    super(
      `Circuit is open after repeated failures: calls are refused until ${describeInstant(retryAt)}.`,
      CircuitOpenError.code,
      true,
      options,
    );
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
// Utilities
// ---------------------------------------------------------------------------

/**
 * Whether `value` is an error of this contract, from any copy of the package.
 * Accepts anything, never throws.
 *
 * @example
 * ```ts
 * try { await driver.startContainer(id); }
 * catch (error) { if (isDriverError(error)) console.log(error.code); }
 * ```
 */
export function isDriverError(value: unknown): value is DriverError {
  return isBranded(value);
}

/**
 * Whether retrying the operation that threw `value` may succeed: `true` only
 * for a `DriverError` whose `retryable` flag is set. Accepts anything.
 *
 * @example
 * ```ts
 * isRetryableError(new TimeoutError("start", 1000)); // true
 * isRetryableError(new Error("boom")); // false
 * ```
 */
export function isRetryableError(value: unknown): boolean {
  try {
    return isBranded(value) && value.retryable === true;
  } catch {
    return false;
  }
}

/**
 * The error's code, or {@link UNKNOWN_ERROR_CODE} when `value` is not a
 * `DriverError`. Accepts anything.
 *
 * @example
 * ```ts
 * getErrorCode(new ContainerNotFoundError("c-1")); // "CONTAINER_NOT_FOUND"
 * getErrorCode("oops"); // "UNKNOWN_ERROR"
 * ```
 */
export function getErrorCode(value: unknown): string {
  try {
    if (!isBranded(value)) return UNKNOWN_ERROR_CODE;
    // Read again after the guard: a getter or Proxy may answer differently, or throw, the second time.
    const code: unknown = value.code;
    return typeof code === "string" ? code : UNKNOWN_ERROR_CODE;
  } catch {
    return UNKNOWN_ERROR_CODE;
  }
}

/**
 * A human-readable message for anything thrown: an error's message, a
 * thrown string itself, an object's `message` property, or a description of
 * the value. Never throws.
 *
 * @example
 * ```ts
 * getErrorMessage(new Error("boom")); // "boom"
 * getErrorMessage(null); // "Unknown error: null"
 * ```
 */
export function getErrorMessage(value: unknown): string {
  try {
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      const message = (value as { message?: unknown }).message;
      if (typeof message === "string") return message;
    }
    return `Unknown error: ${describe(value)}`;
  } catch {
    return "Unknown error: the thrown value could not be read";
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    try {
      return JSON.stringify(value) ?? Object.prototype.toString.call(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
