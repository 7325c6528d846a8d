/**
 * One mapping from what runtimes throw (Node system errors, HTTP answers of
 * engine APIs, timeouts) to the contract's errors, so every driver reports the
 * same failure with the same class, code and retryable flag.
 *
 * @module
 */
import {
  AuthenticationError,
  DRIVER_ERROR_DEFINITIONS,
  FAILURE_ERRORS,
  UnexpectedError,
  AuthorizationError,
  ConfigurationError,
  ContainerNotFoundError,
  type DriverError,
  type DriverErrorOptions,
  FileSystemError,
  getErrorMessage,
  isDriverError,
  NetworkError,
  NetworkNotFoundError,
  NetworkRemoveError,
  TimeoutError,
  VolumeNotFoundError,
} from "../errors.js";
import {
  CONNECT_SYSCALLS,
  collectFacts,
  describeFailure,
  ERRNO_MAPPING,
  type Facts,
  readProperty,
} from "./error-facts.js";
import { type AnyDriverMethod, DRIVER_METHOD_TABLE, isDriverMethod, type MethodFacts } from "../contract/methods.js";

/**
 * What the caller was doing when the error happened. Copied into the
 * resulting error's `context` (without `undefined` fields), and used to pick
 * the error class: the resource ids choose the NotFound error, the operation
 * chooses the failure error.
 */
export type ErrorMappingContext = {
  /**
   * The driver method that failed, such as `createContainer` or
   * `removeVolume` (a `DriverMethod` name). Other names are allowed; they get
   * the generic mapping (no operation-specific error).
   */
  operation: string;
  /** The container the operation was about, if any. */
  containerId?: string;
  /** The volume the operation was about, by id. */
  volumeId?: string;
  /** The volume the operation was about, by name (createVolume has no id yet). */
  volumeName?: string;
  /** The network the operation was about, by id. */
  networkId?: string;
  /** The network the operation was about, by name (createNetwork has no id yet). */
  networkName?: string;
  /** The time the operation was allowed, in ms; used as `TimeoutError.timeout`. */
  timeoutMs?: number;
  /** The driver's name, for logs. */
  driver?: string;
};

/**
 * The `context` key that records whether the request may have reached the
 * runtime. `false` means the connection was never established (refused, host
 * unknown or unreachable, socket missing), so the operation certainly had no
 * effect and even a non-idempotent create can be retried safely. Absent means
 * unknown. See {@link mayHaveTakenEffect}.
 */
export const REQUEST_SENT_CONTEXT_KEY = "requestSent";

/**
 * The `context` key that marks an error `toDriverError` made from a failure
 * it did not recognise (`true`): it carries the operation's own class and
 * flag, but nothing says whether the operation took effect, so
 * {@link mayHaveTakenEffect} answers `true` and a create is not retried.
 */
export const EFFECT_UNKNOWN_CONTEXT_KEY = "effectUnknown";

const NETWORK_ERRNO_CODES: ReadonlySet<string> = new Set(ERRNO_MAPPING.network);
const NOT_SENT_ERRNO_CODES: ReadonlySet<string> = new Set(ERRNO_MAPPING.notSent);
const FILE_SYSTEM_ERRNO_CODES: ReadonlySet<string> = new Set(ERRNO_MAPPING.fileSystem);
const PERMISSION_ERRNO_CODES: ReadonlySet<string> = new Set(ERRNO_MAPPING.permission);

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(DRIVER_ERROR_DEFINITIONS).map((entry) => entry.code));

type ResourceKind = "container" | "volume" | "network";

const RESOURCE_KINDS: readonly ResourceKind[] = ["container", "volume", "network"];

function factsOf(operation: string): MethodFacts | undefined {
  return isDriverMethod(operation) ? DRIVER_METHOD_TABLE[operation] : undefined;
}

/** The resource the operation is about first, then the others: a 404 names what the call was about. */
function resourceOrder(operation: string): readonly ResourceKind[] {
  const resource = factsOf(operation)?.resource;
  if (resource === undefined || resource === "driver") return RESOURCE_KINDS;
  return [resource, ...RESOURCE_KINDS.filter((kind) => kind !== resource)];
}

function notFoundError(context: ErrorMappingContext, options: DriverErrorOptions): DriverError | undefined {
  for (const kind of resourceOrder(context.operation)) {
    if (kind === "container" && context.containerId !== undefined) {
      return new ContainerNotFoundError(context.containerId, options);
    }
    const volume = context.volumeId ?? context.volumeName;
    if (kind === "volume" && volume !== undefined) return new VolumeNotFoundError(volume, options);
    const network = context.networkId ?? context.networkName;
    if (kind === "network" && network !== undefined) return new NetworkNotFoundError(network, options);
  }
  return undefined;
}

/**
 * The operation's own failure error (the method table's `failure`), about
 * the subject the table says the operation names; `undefined` for operations
 * without one (reads) and for names outside the table.
 */
function operationError(
  context: ErrorMappingContext,
  reason: string,
  options: DriverErrorOptions,
  details: unknown,
): DriverError | undefined {
  const facts = factsOf(context.operation);
  if (facts?.failure === undefined) return undefined;
  const subject = facts.subject === "none" ? undefined : context[facts.subject];
  return FAILURE_ERRORS[facts.failure](subject ?? "(unknown)", reason, options, details);
}

/**
 * A failure nothing above recognised: the operation's own failure error when
 * it has one (its retryable flag is the operation's: start, stop and the
 * creates may be retried, and `withPolicies` retries a create only when
 * nothing can have been created), else `UnexpectedError`, which is not
 * retryable because nothing says whether the operation took effect.
 */
function unrecognisedError(error: unknown, context: ErrorMappingContext, options: DriverErrorOptions): DriverError {
  const reason = `unrecognised failure: ${describeFailure(error)}`;
  const unknownEffect = { ...options, context: { ...options.context, [EFFECT_UNKNOWN_CONTEXT_KEY]: true } };
  return (
    operationError(context, reason, unknownEffect, readProperty(error, "json")) ??
    new UnexpectedError(
      `Operation '${context.operation}' failed with an unrecognised error: ${getErrorMessage(error)}. ` +
        "It is not retried automatically because its effect is unknown; inspect `cause`.",
      options,
    )
  );
}

function fromStatus(
  status: number,
  error: unknown,
  context: ErrorMappingContext,
  options: DriverErrorOptions,
): DriverError {
  const reason = `engine answered HTTP ${status}: ${describeFailure(error)}`;
  const json = readProperty(error, "json");
  if (status === 400 || status === 422) {
    return new ConfigurationError(
      `The engine rejected the request for '${context.operation}' as invalid: ${reason}`,
      options,
    );
  }
  if (status === 401) {
    return new AuthenticationError(
      `The engine did not accept the driver's credentials: ${reason}. Check the token or certificates.`,
      options,
    );
  }
  const refusedReference = refusedCreateReference(status, error, context, options);
  if (refusedReference !== undefined) return refusedReference;
  if (status === 403 && context.operation === "removeNetwork") {
    // Docker answers 403 to removing a network that still has endpoints (or a predefined one):
    // the removal is refused, the caller's permissions are fine.
    return new NetworkRemoveError(context.networkId ?? context.networkName ?? "(unknown)", reason, options);
  }
  if (status === 403) {
    return new AuthorizationError(
      `The engine refused '${context.operation}': ${reason}. Check the driver's permissions.`,
      options,
    );
  }
  if (status === 404 || status === 410) {
    return (
      notFoundError(context, options) ??
      operationError(context, reason, options, json) ??
      unrecognisedError(error, context, options)
    );
  }
  if (status === 408) return new TimeoutError(context.operation, context.timeoutMs ?? 0, options);
  if (status === 431) {
    return new ConfigurationError(
      `The engine refused '${context.operation}' because its request headers are too large (HTTP 431): ` +
        "a filter or a name of that size cannot be sent; ask for less (for instance fewer or shorter label filters).",
      options,
    );
  }
  if (status === 429) {
    return new NetworkError(`The engine is rate-limiting requests (${reason}); retry after a pause.`, options);
  }
  if (status === 409) {
    return operationError(context, reason, options, json) ?? unrecognisedError(error, context, options);
  }
  if (status >= 500 && status <= 599) {
    const own = operationError(context, reason, options, json);
    if (own?.retryable === true) return own;
    return new NetworkError(`The engine failed '${context.operation}' (${reason}); retry later.`, options);
  }
  if (status >= 400 && status <= 499) {
    return new ConfigurationError(`The engine refused the request for '${context.operation}': ${reason}`, options);
  }
  return unrecognisedError(error, context, options);
}

/** Docker's answer to a create naming an image it does not have. */
const NO_SUCH_IMAGE = /no such image/i;
/** Docker's 404 for a volume or network driver (plugin) it does not have, as opposed to the object itself. */
const NO_SUCH_PLUGIN = /plugin "?[^"\s]*"? not found/i;
/** Docker's 403 to a second network with a driver that has one network only (`host`, `null`). */
const SINGLE_NETWORK_DRIVER = /only one instance of .* network is allowed/i;

/**
 * A create that names something the runtime does not have or will not make:
 * retrying cannot help, so it is a `ConfigurationError` at the config's path,
 * not the create's retryable failure or a NotFound error about a resource
 * that was never there to find.
 *
 * - `createContainer`, 404 "no such image": path `image` (pull or build it first).
 * - `createVolume` and `createNetwork`, 404 "plugin ... not found": the
 *   `driver` is unknown to the engine (a 404 about the volume or network
 *   itself, from a lookup during the create, stays the NotFound error).
 * - `createNetwork`, Docker's 403 "only one instance of ... network is
 *   allowed": the `driver` allows one network only (`host`, `null`).
 */
function refusedCreateReference(
  status: number,
  error: unknown,
  context: ErrorMappingContext,
  options: DriverErrorOptions,
): DriverError | undefined {
  const engineSays = describeFailure(error);
  const refusal = (path: string, message: string) =>
    new ConfigurationError(`${message} (engine: ${engineSays})`, { ...options, issues: [{ path, message }] });
  const notFound = status === 404 || status === 410;
  if (context.operation === "createContainer" && notFound && NO_SUCH_IMAGE.test(engineSays)) {
    return refusal("image", "the engine has no such image: pull or build it first");
  }
  const creatingObject = context.operation === "createVolume" || context.operation === "createNetwork";
  if (creatingObject && notFound && NO_SUCH_PLUGIN.test(engineSays)) {
    const kind = context.operation === "createVolume" ? "volume" : "network";
    return refusal(
      "driver",
      `the engine has no ${kind} driver (plugin) of that name; use one it has, such as the default`,
    );
  }
  if (context.operation === "createNetwork" && status === 403 && SINGLE_NETWORK_DRIVER.test(engineSays)) {
    return refusal(
      "driver",
      "the engine allows only its own single network with this driver; use bridge or another driver",
    );
  }
  return undefined;
}

function fromErrno(
  facts: Facts & { errno: string },
  error: unknown,
  context: ErrorMappingContext,
  options: DriverErrorOptions,
): DriverError | undefined {
  const { errno, syscall } = facts;
  const message = getErrorMessage(error);
  const connecting = syscall !== undefined && CONNECT_SYSCALLS.has(syscall);
  if (NETWORK_ERRNO_CODES.has(errno) || (errno === "ENOENT" && connecting)) {
    // ENOENT from connect: the engine's socket file is missing, the engine is not running.
    return new NetworkError(
      `The runtime could not be reached during '${context.operation}' (${errno}): ${message}. Retry, or check that the engine runs.`,
      options,
    );
  }
  if (PERMISSION_ERRNO_CODES.has(errno)) {
    return new AuthorizationError(
      `Permission denied during '${context.operation}' (${errno}): ${message}. Check access to the engine socket or path.`,
      options,
    );
  }
  if (FILE_SYSTEM_ERRNO_CODES.has(errno)) {
    return new FileSystemError(`File system error during '${context.operation}' (${errno}): ${message}`, options);
  }
  return undefined;
}

function buildContext(context: ErrorMappingContext, facts: Facts): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) merged[key] = value;
  }
  if (facts.errno !== undefined) merged.errno = facts.errno;
  if (facts.syscall !== undefined) merged.syscall = facts.syscall;
  if (facts.statusCode !== undefined) merged.statusCode = facts.statusCode;
  const connecting = facts.syscall !== undefined && CONNECT_SYSCALLS.has(facts.syscall);
  if (facts.errno !== undefined && (NOT_SENT_ERRNO_CODES.has(facts.errno) || connecting)) {
    merged[REQUEST_SENT_CONTEXT_KEY] = false;
  }
  return merged;
}

/** One rule of {@link toDriverError}: what was thrown, and what it becomes. */
export type ErrorMappingRule = {
  /** What was thrown (or found on its `cause` chain). */
  readonly thrown: string;
  /** The contract error it becomes. */
  readonly result: string;
};

/**
 * How {@link toDriverError} maps what was thrown, in the order it tries the
 * rules: the statement of the mapping for people, next to the code that does
 * it; docs/RESILIENCE.md renders it, and the errno lists are the ones the
 * mapping itself uses ({@link ERRNO_MAPPING}).
 */
export const ERROR_MAPPING_RULES: readonly ErrorMappingRule[] = Object.freeze([
  { thrown: "a `DriverError` of any copy of this package", result: "itself, unchanged" },
  {
    thrown: "an error named `TimeoutError` (`AbortSignal.timeout`, a `DOMException`)",
    result: "`TimeoutError(operation, timeoutMs ?? 0)`",
  },
  { thrown: "HTTP 400, 422", result: "`ConfigurationError`" },
  { thrown: "HTTP 401", result: "`AuthenticationError`" },
  {
    thrown: 'HTTP 404 "no such image" during `createContainer`',
    result: "`ConfigurationError` at `image`: retrying cannot help",
  },
  {
    thrown: 'HTTP 404 "plugin ... not found" during `createVolume` or `createNetwork`',
    result: "`ConfigurationError` at `driver`: the engine has no such plugin",
  },
  {
    thrown: 'HTTP 403 "only one instance of ... network" during `createNetwork`',
    result: "`ConfigurationError` at `driver`: `host` and `null` allow one network only",
  },
  {
    thrown: "HTTP 403",
    result:
      "`AuthorizationError`; during `removeNetwork`, `NetworkRemoveError` (Docker's answer for a network with active endpoints)",
  },
  {
    thrown: "HTTP 404, 410",
    result:
      "the NotFound error of the resource in the context (the one the operation is about first); without one, the operation's own failure error",
  },
  { thrown: "HTTP 408", result: "`TimeoutError`" },
  {
    thrown: "HTTP 409",
    result:
      "the operation's own failure error (the method table's `failure`: `createContainer` → `ContainerCreationError`, ...)",
  },
  { thrown: "HTTP 431", result: "`ConfigurationError`: the request's headers (a long filter) are too large" },
  { thrown: "HTTP 429", result: "`NetworkError` (retryable)" },
  { thrown: "any other HTTP 4xx", result: "`ConfigurationError`" },
  {
    thrown: "HTTP 5xx",
    result: "the operation's own failure error when it is retryable (create, start, stop, exec), else `NetworkError`",
  },
  { thrown: `errno ${ERRNO_MAPPING.network.join(", ")}`, result: "`NetworkError` (retryable)" },
  { thrown: "errno ENOENT from `connect` or `getaddrinfo` (the engine's socket is missing)", result: "`NetworkError`" },
  { thrown: `errno ${ERRNO_MAPPING.permission.join(", ")}`, result: "`AuthorizationError`" },
  { thrown: `errno ${ERRNO_MAPPING.fileSystem.join(", ")}`, result: "`FileSystemError`" },
  {
    thrown: "anything else (HTTP 304 included: a driver treats it as success before mapping)",
    result:
      "the operation's own failure error, marked `effectUnknown: true`; for an operation without one, `UnexpectedError` (not retryable)",
  },
]);

/**
 * The mapping context of a call of `method` with `args`: the operation, the
 * driver, and the subject the method table says the call names (a container,
 * volume or network id from the first argument, or the `name` of a volume or
 * network config). Never throws, whatever the arguments are.
 *
 * @example
 * ```ts
 * mappingContextFor("removeVolume", ["vol-1"], "docker"); // { operation: "removeVolume", driver: "docker", volumeId: "vol-1" }
 * ```
 */
export function mappingContextFor(
  method: AnyDriverMethod,
  args: readonly unknown[],
  driver?: string,
): ErrorMappingContext {
  const context: ErrorMappingContext = { operation: method };
  if (driver !== undefined) context.driver = driver;
  const subject = DRIVER_METHOD_TABLE[method].subject;
  const first = args[0];
  const value = subject === "volumeName" || subject === "networkName" ? readProperty(first, "name") : first;
  if (subject !== "none" && typeof value === "string") context[subject] = value;
  return context;
}

/**
 * Turns anything a runtime throws into one of the contract's errors, keeping
 * the original as `cause` and `context` plus the errno code, system call and
 * HTTP status in the error's `context`.
 *
 * A `DriverError` (from any copy of this package) is returned unchanged;
 * anything else is mapped by the rules of {@link ERROR_MAPPING_RULES}, in
 * their order (docs/RESILIENCE.md renders them as a table).
 *
 * It never throws and never yields a code outside the contract's list, for
 * any value and any context (none at all, a string, an object whose getters
 * throw): without a known operation the unrecognised failure is an
 * `UnexpectedError`. HTTP 304 (Docker's "already started/stopped") is not an
 * error in the contract, where those are no-ops: a driver treats it as
 * success before mapping; given one anyway, it is unrecognised.
 *
 * An unrecognised failure carries `effectUnknown: true` in its context
 * ({@link EFFECT_UNKNOWN_CONTEXT_KEY}), so {@link mayHaveTakenEffect} says
 * `true`: nothing says whether the operation took effect, and retrying a
 * create that did could make a second container, volume or network.
 *
 * ETIMEDOUT maps to `NetworkError`, not `TimeoutError`: it is the transport's
 * socket timeout, not the deadline of the operation, and carries no time
 * budget. Both are retryable.
 *
 * When the error shows that the connection was never established
 * (ECONNREFUSED, ENOTFOUND, EHOSTUNREACH, ENOENT on connect, ...), the
 * context gets `requestSent: false` ({@link REQUEST_SENT_CONTEXT_KEY}): the
 * operation certainly had no effect. {@link mayHaveTakenEffect} reads it.
 *
 * @example
 * ```ts
 * try {
 *   await docker.getContainer(id).start();
 * } catch (error) {
 *   throw toDriverError(error, { operation: "startContainer", containerId: id, driver: "docker" });
 * }
 * ```
 */
export function toDriverError(error: unknown, context?: ErrorMappingContext): DriverError {
  const safeContext = readContext(context);
  try {
    if (isDriverError(error)) return error;
    return mapUnknown(error, safeContext);
  } catch (failure) {
    // A mapper must never throw. Only a value hostile enough to defeat every guard above gets here.
    return new UnexpectedError(
      `Operation '${safeContext.operation}' failed, and its error could not be read: ${getErrorMessage(failure)}`,
      { cause: error, context: { operation: safeContext.operation } },
    );
  }
}

function mapUnknown(error: unknown, context: ErrorMappingContext): DriverError {
  const facts = collectFacts(error);
  const options: DriverErrorOptions = { cause: error, context: buildContext(context, facts) };
  if (facts.name === "TimeoutError") {
    return new TimeoutError(context.operation, context.timeoutMs ?? 0, options);
  }
  if (facts.statusCode !== undefined && facts.statusCode >= 300) {
    return fromStatus(facts.statusCode, error, context, options);
  }
  if (facts.errno !== undefined) {
    const mapped = fromErrno({ ...facts, errno: facts.errno }, error, context, options);
    if (mapped !== undefined) return mapped;
  }
  return unrecognisedError(error, context, options);
}

const CONTEXT_STRING_KEYS = [
  "containerId",
  "volumeId",
  "volumeName",
  "networkId",
  "networkName",
  "driver",
] as const satisfies readonly (keyof ErrorMappingContext)[];

/**
 * A plain copy of the caller's context with only well-typed fields: a
 * JavaScript caller may pass nothing, a string, or an object whose getters
 * throw, and the mapping must still not throw. Without an operation, the
 * operation is `"unknown"`.
 */
function readContext(context: unknown): ErrorMappingContext {
  const operation = readProperty(context, "operation");
  const safe: ErrorMappingContext = { operation: typeof operation === "string" ? operation : "unknown" };
  for (const key of CONTEXT_STRING_KEYS) {
    const value = readProperty(context, key);
    if (typeof value === "string") safe[key] = value;
  }
  const timeoutMs = readProperty(context, "timeoutMs");
  if (typeof timeoutMs === "number") safe.timeoutMs = timeoutMs;
  return safe;
}

/**
 * Whether the operation that failed with `error` may nevertheless have taken
 * effect on the runtime: `true` for a `TimeoutError` (the call was abandoned,
 * not cancelled), for a `NetworkError` unless its context says
 * `requestSent: false`, for an `UnexpectedError` and an error whose context
 * says `effectUnknown: true` (an unrecognised failure {@link toDriverError}
 * mapped), and for anything that is not one of the contract's errors. A
 * non-idempotent operation (a create) is safe to retry only when this is
 * `false`. Every other contract error is a definite answer from the driver,
 * which by contract leaves nothing behind when it rejects.
 *
 * @example
 * ```ts
 * const safe = isRetryableError(error) && !mayHaveTakenEffect(error);
 * ```
 */
export function mayHaveTakenEffect(error: unknown): boolean {
  if (!isDriverError(error) || !KNOWN_CODES.has(error.code)) return true;
  if (error.context[EFFECT_UNKNOWN_CONTEXT_KEY] === true) return true;
  if (error instanceof TimeoutError || error instanceof UnexpectedError) return true;
  if (error instanceof NetworkError) return error.context[REQUEST_SENT_CONTEXT_KEY] !== false;
  return false;
}
