/**
 * The one list of the contract's errors: for each class, its stable code,
 * whether a caller may retry the operation that threw it, and what it means.
 * The classes (`./classes.ts`) read code and flag from here; the conformance
 * suite checks every rejection against it; docs/INTERFACE_CONTRACT.md renders
 * its table from it. A new error is one row here plus its class.
 *
 * @module
 */

/** One row of {@link DRIVER_ERROR_DEFINITIONS}. */
export type DriverErrorDefinition = {
  /** Stable, machine-readable code (SCREAMING_SNAKE); match on this rather than on the message. */
  readonly code: string;
  /** Whether the operation that threw it may succeed when retried. */
  readonly retryable: boolean;
  /** What the error means, in one sentence; the contract document's error table shows it. */
  readonly meaning: string;
  /** The fields its constructor sets besides those of every error (`cause`, `context`), in constructor order. */
  readonly fields: readonly string[];
};

/**
 * Every error of the contract. Retryable flags of the 1.0 classes are those of
 * the specification; `CircuitOpenError` is this package's own; the classes
 * after it are the additions of contract 1.1.
 */
export const DRIVER_ERROR_DEFINITIONS = {
  ContainerNotFoundError: {
    code: "CONTAINER_NOT_FOUND",
    retryable: false,
    meaning: "a container id the driver does not know",
    fields: ["containerId"],
  },
  ContainerCreationError: {
    code: "CONTAINER_CREATION_FAILED",
    retryable: true,
    meaning: "the runtime failed to create a container",
    fields: ["details"],
  },
  ContainerStartError: {
    code: "CONTAINER_START_FAILED",
    retryable: true,
    meaning: "the runtime failed to start a container, or its status forbids starting",
    fields: ["containerId", "reason"],
  },
  ContainerStopError: {
    code: "CONTAINER_STOP_FAILED",
    retryable: true,
    meaning: "the runtime failed to stop a container",
    fields: ["containerId", "reason"],
  },
  ContainerRemoveError: {
    code: "CONTAINER_REMOVE_FAILED",
    retryable: false,
    meaning: "the runtime refused to remove a container",
    fields: ["containerId", "reason"],
  },
  ResourceLimitError: {
    code: "RESOURCE_LIMIT_EXCEEDED",
    retryable: false,
    meaning: "a request above the driver's limits",
    fields: ["resource", "limit", "requested"],
  },
  VolumeCreationError: {
    code: "VOLUME_CREATION_FAILED",
    retryable: true,
    meaning: "the runtime failed to create a volume, or the name is taken",
    fields: ["volumeName", "reason"],
  },
  VolumeNotFoundError: {
    code: "VOLUME_NOT_FOUND",
    retryable: false,
    meaning: "a volume id or name the driver does not know",
    fields: ["volumeId"],
  },
  VolumeRemoveError: {
    code: "VOLUME_REMOVE_FAILED",
    retryable: false,
    meaning: "a volume that cannot be removed, usually because a container uses it",
    fields: ["volumeId", "reason"],
  },
  NetworkCreationError: {
    code: "NETWORK_CREATION_FAILED",
    retryable: true,
    meaning: "the runtime failed to create a network, or the name is taken",
    fields: ["networkName", "reason"],
  },
  NetworkNotFoundError: {
    code: "NETWORK_NOT_FOUND",
    retryable: false,
    meaning: "a network id or name the driver does not know",
    fields: ["networkId"],
  },
  NetworkRemoveError: {
    code: "NETWORK_REMOVE_FAILED",
    retryable: false,
    meaning: "a network that cannot be removed, usually because a container uses it",
    fields: ["networkId", "reason"],
  },
  DriverHealthError: {
    code: "DRIVER_HEALTH_CHECK_FAILED",
    retryable: false,
    meaning: "the driver could not determine its health",
    fields: [],
  },
  TimeoutError: {
    code: "OPERATION_TIMEOUT",
    retryable: true,
    meaning: "an operation that did not finish in time",
    fields: ["operation", "timeout"],
  },
  NetworkError: {
    code: "NETWORK_ERROR",
    retryable: true,
    meaning: "the runtime could not be reached (refused, reset, unreachable)",
    fields: [],
  },
  FileSystemError: {
    code: "FILESYSTEM_ERROR",
    retryable: false,
    meaning: "a file system refused an operation (read-only, not a directory, no space)",
    fields: [],
  },
  AuthenticationError: {
    code: "AUTHENTICATION_FAILED",
    retryable: false,
    meaning: "the runtime did not accept the driver's credentials",
    fields: [],
  },
  AuthorizationError: {
    code: "AUTHORIZATION_FAILED",
    retryable: false,
    meaning: "the driver's credentials do not allow the operation",
    fields: [],
  },
  ConfigurationError: {
    code: "CONFIGURATION_INVALID",
    retryable: false,
    meaning: "invalid input: a config, filter or option that breaks the contract's rules",
    fields: ["issues"],
  },
  CircuitOpenError: {
    code: "CIRCUIT_OPEN",
    retryable: true,
    meaning: "a call refused at once by an open circuit breaker; it lets calls through again at retryAt",
    fields: ["retryAt"],
  },
  UnexpectedError: {
    code: "UNEXPECTED_ERROR",
    retryable: false,
    meaning: "a failure no other class describes; its effect is unknown, so it is not retried",
    fields: [],
  },
  ContainerStateError: {
    code: "CONTAINER_STATE_INVALID",
    retryable: false,
    meaning:
      "the container's status forbids the operation (pause or exec of a container that is not running, resume of one that is not paused)",
    fields: ["containerId", "status", "operation"],
  },
  ExecError: {
    code: "EXEC_FAILED",
    retryable: true,
    meaning:
      "the runtime failed to run a command in a container; a command's own non-zero exit is a result, not this error",
    fields: ["containerId", "reason"],
  },
  FileNotFoundError: {
    code: "FILE_NOT_FOUND",
    retryable: false,
    meaning: "a path in a container where no file exists",
    fields: ["containerId", "path"],
  },
  IdempotencyConflictError: {
    code: "IDEMPOTENCY_CONFLICT",
    retryable: false,
    meaning: "an idempotency key already names a container created from a different config",
    fields: ["idempotencyKey", "containerId"],
  },
  OperationAbortedError: {
    code: "OPERATION_ABORTED",
    retryable: false,
    meaning: "the caller aborted the operation through its AbortSignal",
    fields: ["operation"],
  },
} as const satisfies Readonly<Record<string, DriverErrorDefinition>>;

/** The name of one of the contract's error classes. */
export type DriverErrorName = keyof typeof DRIVER_ERROR_DEFINITIONS;

/** One of the contract's error codes. */
export type DriverErrorCode = (typeof DRIVER_ERROR_DEFINITIONS)[DriverErrorName]["code"];

/** The code of the error class `Name`. */
export type DriverErrorCodeOf<Name extends DriverErrorName> = (typeof DRIVER_ERROR_DEFINITIONS)[Name]["code"];

/** Every error name, in the order of {@link DRIVER_ERROR_DEFINITIONS}. */
export const DRIVER_ERROR_NAMES: readonly DriverErrorName[] = Object.freeze(
  Object.keys(DRIVER_ERROR_DEFINITIONS) as DriverErrorName[],
);

const NAME_BY_CODE: ReadonlyMap<string, DriverErrorName> = new Map(
  DRIVER_ERROR_NAMES.map((name) => [DRIVER_ERROR_DEFINITIONS[name].code, name]),
);

/**
 * The class name of a contract code, or `undefined` for a code outside the
 * contract (a driver's invention, or the `UNKNOWN_ERROR` that `getErrorCode`
 * reports for values that are no `DriverError`).
 *
 * @example
 * ```ts
 * errorNameOfCode("CONTAINER_NOT_FOUND"); // "ContainerNotFoundError"
 * errorNameOfCode("MY_OWN"); // undefined
 * ```
 */
export function errorNameOfCode(code: unknown): DriverErrorName | undefined {
  return typeof code === "string" ? NAME_BY_CODE.get(code) : undefined;
}

/**
 * The code `getErrorCode` reports for anything that is not a `DriverError`. It
 * is not one of the contract's codes: no driver rejects with it, and
 * `toDriverError` never produces it (an unclassified failure becomes the
 * operation's own failure error, or `UnexpectedError`).
 */
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
