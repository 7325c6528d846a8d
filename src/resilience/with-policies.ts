/**
 * A `ContainerDriver` wrapper that gives every call a timeout, retries and a
 * circuit breaker, without changing what the contract promises.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import {
  CircuitOpenError,
  ContainerNotFoundError,
  getErrorMessage,
  isRetryableError,
  NetworkNotFoundError,
  VolumeNotFoundError,
} from "../errors.js";
import {
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  DRIVER_METHODS,
  type DriverHealth,
  type DriverMethod,
  type LogOptions,
  type NetworkConfig,
  type StopOptions,
  type VolumeConfig,
} from "../types.js";
import { callAsync } from "./abort.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { checkNumbers, MAX_TIMER_DELAY_MS } from "./check-options.js";
import { type RetryAttemptInfo, type RetryOptions, resolveRetryDelays, retryAttempts } from "./retry.js";
import { raceDeadline } from "./timeout.js";
import { type ErrorMappingContext, mayHaveTakenEffect, toDriverError } from "./to-driver-error.js";

/**
 * Retry settings of a wrapped driver: {@link RetryOptions} without the
 * per-call and injected fields (`signal`, `clock`, `random`, `onRetry`),
 * which {@link DriverPolicies} sets once for every method.
 */
export type DriverRetryPolicy = Omit<RetryOptions, "signal" | "clock" | "random" | "onRetry">;

/** The policy of one method; every field overrides the driver-wide one. */
export type MethodPolicy = {
  /**
   * Deadline of each attempt in ms, or `false` for none, for a method slower
   * or faster than the rest. Default: the method's entry in
   * `DEFAULT_METHOD_POLICIES` when it has one (`healthCheck`: 5 000), else the
   * driver-wide `timeoutMs`.
   */
  readonly timeoutMs?: number | false;
  /**
   * Retry settings merged over the driver-wide ones (field by field), or
   * `false` to call the method once. Default: the driver-wide `retry` (none
   * for `healthCheck`, which reports the present).
   */
  readonly retry?: DriverRetryPolicy | false;
  /**
   * Whether calls of this method go through (and count towards) the circuit
   * breaker; `false` keeps a probe answering while the circuit is open.
   * Default `true` (`false` for `healthCheck`).
   */
  readonly circuitBreaker?: boolean;
};

/** What {@link DriverPolicies.onRetry} receives: the retry details and the method. */
export type DriverRetryInfo = RetryAttemptInfo & {
  /** The driver method being retried, since one `onRetry` hook serves every method. */
  readonly method: DriverMethod;
};

/** What {@link DriverPolicies.onLateCreation} receives about a creation that finished after its caller gave up. */
export type LateCreationInfo = {
  /** `createContainer`, `createVolume` or `createNetwork`. */
  readonly method: DriverMethod;
  /** The id of what was created late. */
  readonly id: string;
  /** Whether the wrapper removed it. */
  readonly removed: boolean;
  /** Why removal failed, when it did. */
  readonly error?: unknown;
};

/** Options of {@link withPolicies}. Every field is optional; the defaults suit a local engine. */
export type DriverPolicies = {
  /**
   * Deadline of each attempt in ms, or `false` for none. Default 30,000: the
   * slowest ordinary engine call (pulling nothing, creating or stopping a
   * container) takes seconds; thirty means the engine is stuck. Exceptions
   * by default: `stopContainer` gets at least its grace period
   * (`options.timeout`, or 10,000 ms) plus 30,000 ms, so a polite stop is
   * never cut short; `getContainerLogs` with `follow: true` has no deadline,
   * because it waits for the container to end; `healthCheck` gets 5,000 ms.
   */
  readonly timeoutMs?: number | false;
  /**
   * Retry settings for every method, or `false` for no retries. Default:
   * {@link DEFAULT_RETRY_OPTIONS} (3 attempts, 100 ms base, full jitter).
   * The default `shouldRetry` is {@link defaultShouldRetry}: retryable
   * errors, except `CircuitOpenError` and, for creates, failures that may
   * have taken effect. Setting `shouldRetry` replaces it.
   */
  readonly retry?: DriverRetryPolicy | false;
  /**
   * The breaker shared by every method: an instance (to watch its state or
   * share it between wrappers), options for a new one, or `false` for none.
   * Default: `new CircuitBreaker()` (5 consecutive failures, 30 s open).
   * One breaker, not one per method: the methods share one runtime, and
   * when it is down every method is.
   */
  readonly circuitBreaker?: CircuitBreaker | CircuitBreakerOptions | false;
  /** Per-method overrides; see {@link MethodPolicy}. Default: none besides those of `timeoutMs` and `healthCheck`. */
  readonly methods?: Readonly<Partial<Record<DriverMethod, MethodPolicy>>>;
  /**
   * Pass what the driver throws through {@link toDriverError} before deciding
   * on retries, so a driver that leaks a raw `ECONNRESET` is still retried
   * correctly. Default `true`; errors of the contract pass through unchanged.
   */
  readonly mapErrors?: boolean;
  /**
   * When a create times out, the wrapped driver may still finish it later.
   * With this on, the wrapper removes what such a late creation made, so the
   * contract's "a rejected create leaves nothing behind" still holds. Default
   * `true`.
   */
  readonly removeLateCreations?: boolean;
  /** Called after each late creation was handled; for logs. Default: none. */
  readonly onLateCreation?: (info: LateCreationInfo) => void;
  /** Called before each retry wait, for logs and metrics. Default: none. */
  readonly onRetry?: (info: DriverRetryInfo) => void;
  /** Source of time for timeouts, retry waits and a breaker built from options. Default `systemClock`. */
  readonly clock?: Clock;
  /** Source of randomness for retry jitter. Default `Math.random`. */
  readonly random?: () => number;
};

/** The default deadline of an attempt, in ms. */
export const DEFAULT_POLICY_TIMEOUT_MS = 30_000;

/** Extra time given to `stopContainer` beyond its grace period, in ms. */
const STOP_MARGIN_MS = 30_000;

/** The grace period the contract's drivers use when `stopContainer` gets none, in ms. */
const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * Per-method defaults that differ from the driver-wide ones. `healthCheck` is
 * a probe: it answers now, without retries and outside the breaker (it must
 * keep reporting while the circuit is open).
 */
export const DEFAULT_METHOD_POLICIES: Readonly<Partial<Record<DriverMethod, MethodPolicy>>> = Object.freeze({
  healthCheck: Object.freeze({ timeoutMs: 5_000, retry: false, circuitBreaker: false }),
});

/** Methods that create something: retrying one after an ambiguous failure could create it twice. */
const CREATING_METHODS: ReadonlySet<DriverMethod> = new Set(["createContainer", "createVolume", "createNetwork"]);

/**
 * The default retry decision of a wrapped driver: the error is retryable,
 * it is not a `CircuitOpenError` (retrying within milliseconds a circuit that
 * stays open for seconds only wastes attempts: it is the caller's to wait for
 * `retryAt`), and, for `createContainer`, `createVolume` and
 * `createNetwork`, the failure cannot have taken effect
 * ({@link mayHaveTakenEffect}): a timeout or a connection reset during a
 * create may have created the resource, and a retry would then create a
 * second one. Those are reported to the caller instead.
 *
 * @example
 * ```ts
 * defaultShouldRetry("startContainer", new TimeoutError("startContainer", 30_000)); // true
 * defaultShouldRetry("createContainer", new TimeoutError("createContainer", 30_000)); // false
 * ```
 */
export function defaultShouldRetry(method: DriverMethod, error: unknown): boolean {
  if (!isRetryableError(error) || error instanceof CircuitOpenError) return false;
  return !(CREATING_METHODS.has(method) && mayHaveTakenEffect(error));
}

type ResolvedMethodPolicy = {
  readonly timeoutMs: number | false;
  readonly retry: DriverRetryPolicy | false;
  readonly circuitBreaker: boolean;
};

function resolvePolicy(method: DriverMethod, policies: DriverPolicies): ResolvedMethodPolicy {
  const defaults = DEFAULT_METHOD_POLICIES[method] ?? {};
  const own = policies.methods?.[method] ?? {};
  const timeoutMs = own.timeoutMs ?? defaults.timeoutMs ?? policies.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS;
  const driverRetry = policies.retry ?? {};
  const methodRetry = own.retry ?? defaults.retry;
  const retry =
    methodRetry === false || (methodRetry === undefined && driverRetry === false)
      ? false
      : { ...(driverRetry === false ? {} : driverRetry), ...(methodRetry ?? {}) };
  const circuitBreaker = own.circuitBreaker ?? defaults.circuitBreaker ?? true;
  if (timeoutMs !== false) {
    checkNumbers(
      `timeout of ${method}`,
      { timeoutMs },
      { timeoutMs: { min: 0, max: MAX_TIMER_DELAY_MS, infinite: true } },
    );
  }
  return { timeoutMs, retry, circuitBreaker };
}

function mappingContext(method: DriverMethod, args: readonly unknown[], driver: string): ErrorMappingContext {
  const context: ErrorMappingContext = { operation: method, driver };
  const first = args[0];
  if (method === "createVolume" || method === "createNetwork") {
    const name = typeof first === "object" && first !== null ? (first as { name?: unknown }).name : undefined;
    if (typeof name === "string") {
      if (method === "createVolume") context.volumeName = name;
      else context.networkName = name;
    }
  } else if (typeof first === "string") {
    if (method === "removeVolume") context.volumeId = first;
    else if (method === "removeNetwork") context.networkId = first;
    else context.containerId = first;
  }
  return context;
}

function isNotFoundOf(method: DriverMethod, error: unknown): boolean {
  if (method === "removeContainer") return error instanceof ContainerNotFoundError;
  if (method === "removeVolume") return error instanceof VolumeNotFoundError;
  if (method === "removeNetwork") return error instanceof NetworkNotFoundError;
  return false;
}

/**
 * Wraps `driver` so that each call gets, from the inside out: a deadline per
 * attempt (`withTimeout`), error mapping (`toDriverError`), the circuit
 * breaker, and retries (`withRetry`). The result is a `ContainerDriver` with
 * the same `name`, `version` and `capabilities`, and the same contract:
 *
 * - `getContainer` still resolves `null` for a missing id (a value, not a failure).
 * - `healthCheck` still never throws: a timeout or any failure becomes
 *   `status: "unhealthy"` with `error` set. It is not retried and bypasses the
 *   breaker, so it keeps reporting while the circuit is open.
 * - Creates are not retried after a failure that may have taken effect
 *   (timeout, connection reset); with `removeLateCreations` (default), a
 *   create that completes after its caller got a `TimeoutError` is removed,
 *   so "a rejected create leaves nothing behind" holds.
 * - `removeContainer`, `removeVolume` and `removeNetwork` are retried after
 *   a timeout; if a retry then finds the resource gone after an earlier
 *   attempt that may have removed it, the removal counts as done rather than
 *   reporting NotFound for a removal that succeeded.
 * - `startContainer` and `stopContainer` are no-ops in their target states,
 *   so retrying them is safe.
 * - Retrying stops as soon as the breaker is open: the caller gets the
 *   failure that opened it (more useful than `CircuitOpenError`), and later
 *   calls get `CircuitOpenError` at once until the half-open trial.
 *
 * Defaults are listed on {@link DriverPolicies} and in docs/RESILIENCE.md.
 *
 * @param policies - what to apply; every field is optional. Default `{}`:
 *   every default policy, so `withPolicies(driver)` alone is a sensible wrapper.
 * @throws ConfigurationError when a policy option is out of range (checked when wrapping, not on the first call).
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 10_000 });
 * breaker.onStateChange(({ to }) => log.warn(`docker circuit ${to}`));
 * const driver = withPolicies(new DockerDriver(), {
 *   timeoutMs: 20_000,
 *   retry: { maxAttempts: 4, jitter: "decorrelated" },
 *   circuitBreaker: breaker,
 *   methods: { listContainers: { timeoutMs: 5_000 } },
 * });
 * await driver.startContainer(id); // retried on ContainerStartError, NetworkError, TimeoutError
 * ```
 */
export function withPolicies(driver: ContainerDriver, policies: DriverPolicies = {}): ContainerDriver {
  const breaker =
    policies.circuitBreaker === false
      ? undefined
      : policies.circuitBreaker instanceof CircuitBreaker
        ? policies.circuitBreaker
        : new CircuitBreaker({
            ...(policies.clock === undefined ? {} : { clock: policies.clock }),
            name: driver.name,
            ...(policies.circuitBreaker ?? {}),
          });
  const mapErrors = policies.mapErrors ?? true;
  const removeLateCreations = policies.removeLateCreations ?? true;
  // Every policy is resolved and checked now, so a bad option fails when wrapping rather than on some later call.
  const resolved = new Map<DriverMethod, ResolvedMethodPolicy>();
  for (const method of DRIVER_METHODS) {
    const policy = resolvePolicy(method, policies);
    if (policy.retry !== false) resolveRetryDelays(policy.retry);
    resolved.set(method, policy);
  }
  const policyOf = (method: DriverMethod): ResolvedMethodPolicy => resolved.get(method)!;

  const lateCreation = (method: DriverMethod, id: string, remove: (id: string) => Promise<void>) => {
    callAsync(() => remove(id)).then(
      () => policies.onLateCreation?.({ method, id, removed: true }),
      (error: unknown) => policies.onLateCreation?.({ method, id, removed: false, error }),
    );
  };

  /**
   * One attempt: the call under its deadline, its error mapped. `onLate`
   * receives the call's promise when the deadline abandoned it, so a create
   * that completes after its caller gave up can be undone.
   */
  const attempt = async <T>(
    method: DriverMethod,
    args: readonly unknown[],
    timeoutMs: number | false,
    call: () => Promise<T>,
    onLate: ((pending: Promise<T>) => void) | undefined,
  ): Promise<T> => {
    try {
      if (timeoutMs === false) return await call();
      let pending: Promise<T> | undefined;
      return await raceDeadline(
        () => {
          pending = call();
          return pending;
        },
        timeoutMs,
        policies.clock === undefined ? { operation: method } : { operation: method, clock: policies.clock },
        onLate === undefined
          ? undefined
          : () => {
              if (pending !== undefined) onLate(pending);
            },
      );
    } catch (error) {
      if (!mapErrors) throw error;
      const context = mappingContext(method, args, driver.name);
      if (timeoutMs !== false) context.timeoutMs = timeoutMs;
      throw toDriverError(error, context);
    }
  };

  /** The retry options of each method, built once: the decision closes over the method and its policy. */
  const retryOptions = new Map<DriverMethod, RetryOptions>();
  const retryOptionsOf = (method: DriverMethod, retry: DriverRetryPolicy, circuitBreaker: boolean): RetryOptions => {
    let options = retryOptions.get(method);
    if (options !== undefined) return options;
    const { shouldRetry, ...rest } = retry;
    options = {
      ...rest,
      shouldRetry: (error, attemptNumber) =>
        // Once the breaker is open, another attempt would only be refused: report the failure that opened it.
        !(breaker !== undefined && circuitBreaker && breaker.state === "open") &&
        (shouldRetry === undefined ? defaultShouldRetry(method, error) : shouldRetry(error, attemptNumber)),
      ...(policies.clock === undefined ? {} : { clock: policies.clock }),
      ...(policies.random === undefined ? {} : { random: policies.random }),
      ...(policies.onRetry === undefined
        ? {}
        : { onRetry: (info: RetryAttemptInfo) => policies.onRetry?.({ ...info, method }) }),
    };
    retryOptions.set(method, options);
    return options;
  };

  const run = <T>(
    method: DriverMethod,
    args: readonly unknown[],
    call: () => Promise<T>,
    timeoutOverride?: number | false,
    onLate?: (pending: Promise<T>) => void,
  ): Promise<T> => {
    const policy = policyOf(method);
    const timeoutMs = timeoutOverride ?? policy.timeoutMs;
    const guarded = () =>
      breaker !== undefined && policy.circuitBreaker
        ? breaker.execute(() => attempt(method, args, timeoutMs, call, onLate))
        : attempt(method, args, timeoutMs, call, onLate);
    if (policy.retry === false) return guarded();
    const removing = method === "removeContainer" || method === "removeVolume" || method === "removeNetwork";
    let earlierAttemptMayHaveRemoved = false;
    return retryAttempts(
      async () => {
        try {
          return await guarded();
        } catch (error) {
          if (removing && earlierAttemptMayHaveRemoved && isNotFoundOf(method, error)) {
            // The earlier attempt removed it; its answer was lost. The caller asked for "gone", and it is.
            return undefined as T;
          }
          if (mayHaveTakenEffect(error)) earlierAttemptMayHaveRemoved = true;
          throw error;
        }
      },
      retryOptionsOf(method, policy.retry, policy.circuitBreaker),
    );
  };

  /** A create whose late result, after the caller gave up on it, is removed rather than left behind. */
  const creating = <T extends { id: string }>(
    method: DriverMethod,
    args: readonly unknown[],
    create: () => Promise<T>,
    remove: (id: string) => Promise<void>,
  ): Promise<T> =>
    run(
      method,
      args,
      create,
      undefined,
      removeLateCreations
        ? (pending) =>
            pending.then(
              (created) => lateCreation(method, created.id, remove),
              () => undefined,
            )
        : undefined,
    );

  const unhealthy = (error: unknown): DriverHealth => ({
    status: "unhealthy",
    version: driver.version,
    uptime: 0,
    containers: { total: 0, running: 0, stopped: 0 },
    error: getErrorMessage(error),
  });

  const stopTimeout = (options: StopOptions | undefined): number | false => {
    const policy = policyOf("stopContainer");
    if (
      policy.timeoutMs === false ||
      policy.timeoutMs === Number.POSITIVE_INFINITY ||
      policies.methods?.stopContainer?.timeoutMs !== undefined
    ) {
      return policy.timeoutMs;
    }
    const grace = options?.force === true ? 0 : (options?.timeout ?? DEFAULT_STOP_GRACE_MS);
    const needed = Number.isFinite(grace) && grace >= 0 ? grace + STOP_MARGIN_MS : policy.timeoutMs;
    return Math.min(MAX_TIMER_DELAY_MS, Math.max(policy.timeoutMs, needed));
  };

  const wrapped: ContainerDriver = {
    name: driver.name,
    version: driver.version,
    ...(driver.capabilities === undefined ? {} : { capabilities: driver.capabilities }),

    createContainer: (config: ContainerConfig) =>
      creating(
        "createContainer",
        [config],
        () => driver.createContainer(config),
        (id) => driver.removeContainer(id),
      ),
    startContainer: (id: string) => run("startContainer", [id], () => driver.startContainer(id)),
    stopContainer: (id: string, options?: StopOptions) =>
      run(
        "stopContainer",
        [id, options],
        () => (options === undefined ? driver.stopContainer(id) : driver.stopContainer(id, options)),
        stopTimeout(options),
      ),
    removeContainer: (id: string) => run("removeContainer", [id], () => driver.removeContainer(id)),
    getContainer: (id: string) => run("getContainer", [id], () => driver.getContainer(id)),
    listContainers: (filter?: ContainerFilter) =>
      run("listContainers", [filter], () =>
        filter === undefined ? driver.listContainers() : driver.listContainers(filter),
      ),
    getContainerLogs: (id: string, options?: LogOptions) =>
      run(
        "getContainerLogs",
        [id, options],
        () => (options === undefined ? driver.getContainerLogs(id) : driver.getContainerLogs(id, options)),
        options?.follow === true && policies.methods?.getContainerLogs?.timeoutMs === undefined ? false : undefined,
      ),
    healthCheck: async () => {
      try {
        return await run("healthCheck", [], () => driver.healthCheck());
      } catch (error) {
        return unhealthy(error);
      }
    },
    isContainerHealthy: (id: string) => run("isContainerHealthy", [id], () => driver.isContainerHealthy(id)),
    createVolume: (config: VolumeConfig) =>
      creating(
        "createVolume",
        [config],
        () => driver.createVolume(config),
        (id) => driver.removeVolume(id),
      ),
    removeVolume: (id: string) => run("removeVolume", [id], () => driver.removeVolume(id)),
    createNetwork: (config: NetworkConfig) =>
      creating(
        "createNetwork",
        [config],
        () => driver.createNetwork(config),
        (id) => driver.removeNetwork(id),
      ),
    removeNetwork: (id: string) => run("removeNetwork", [id], () => driver.removeNetwork(id)),
  };
  return wrapped;
}
