/**
 * A `ContainerDriver` wrapper that gives every call a timeout, retries and a
 * circuit breaker, without changing what the contract promises.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import type { ContainerDriver } from "../contract/driver.js";
import {
  ALL_DRIVER_METHODS,
  type AnyDriverMethod,
  DRIVER_METHOD_TABLE,
  type MethodFacts,
} from "../contract/methods.js";
import type { DriverHealth } from "../contract/schemas.js";
import { ContainerNotFoundError, getErrorMessage, NetworkNotFoundError, VolumeNotFoundError } from "../errors.js";
import { callAsync } from "./abort.js";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit-breaker.js";
import {
  attemptDeadline,
  type DriverRetryPolicy,
  defaultShouldRetry,
  isIdempotentCall,
  type MethodPolicy,
  type ResolvedMethodPolicy,
  resolveMethodPolicy,
} from "./method-policy.js";
import { type RetryAttemptInfo, type RetryOptions, resolveRetryDelays, retryAttempts } from "./retry.js";
import { raceDeadline } from "./timeout.js";
import { mappingContextFor, mayHaveTakenEffect, toDriverError } from "./to-driver-error.js";

/** What {@link DriverPolicies.onRetry} receives: the retry details and the method. */
export type DriverRetryInfo = RetryAttemptInfo & {
  /** The driver method being retried, since one `onRetry` hook serves every method. */
  readonly method: AnyDriverMethod;
};

/** What {@link DriverPolicies.onLateCreation} receives about a creation that finished after its caller gave up. */
export type LateCreationInfo = {
  /** The create that finished late: `createContainer`, `createVolume` or `createNetwork`. */
  readonly method: AnyDriverMethod;
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
  readonly methods?: Readonly<Partial<Record<AnyDriverMethod, MethodPolicy>>>;
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
 *   so "a rejected create leaves nothing behind" holds. A `createContainer`
 *   whose config carries an `idempotencyKey` is the exception: it is retried
 *   (the driver returns the key's container, also the one a lost attempt
 *   made), and what a late attempt made is kept, since a retry may have
 *   returned it.
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
export function withPolicies<Driver extends ContainerDriver>(
  driver: Driver,
  policies: DriverPolicies = {},
): WrappedDriver<Driver> {
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
  const deadlineOptions = (operation: string) =>
    policies.clock === undefined ? { operation } : { operation, clock: policies.clock };

  /** One attempt: the call under its deadline, its error mapped; `onLate` gets the abandoned call's promise. */
  const attempt = async <T>(
    method: AnyDriverMethod,
    args: readonly unknown[],
    timeoutMs: number | false,
    call: () => Promise<T>,
    onLate: ((pending: Promise<T>) => void) | undefined,
  ): Promise<T> => {
    try {
      if (timeoutMs === false) return await call();
      let pending: Promise<T> | undefined;
      const started = () => {
        pending = call();
        return pending;
      };
      const late = onLate === undefined ? undefined : () => pending !== undefined && onLate(pending);
      return await raceDeadline(started, timeoutMs, deadlineOptions(method), late);
    } catch (error) {
      if (!mapErrors) throw error;
      const context = mappingContextFor(method, args, driver.name);
      if (timeoutMs !== false) context.timeoutMs = timeoutMs;
      throw toDriverError(error, context);
    }
  };

  /** Everything a call of one method needs that does not depend on its arguments, built once. */
  const plans = new Map<AnyDriverMethod, MethodPlan>();
  for (const method of ALL_DRIVER_METHODS) {
    const policy = resolveMethodPolicy(method, policies);
    if (policy.retry !== false) resolveRetryDelays(policy.retry);
    plans.set(method, { policy, facts: DRIVER_METHOD_TABLE[method] });
  }

  const retryOptionsFor = (method: AnyDriverMethod, plan: MethodPlan, args: readonly unknown[]): RetryOptions => {
    const { shouldRetry, ...rest } = plan.policy.retry as DriverRetryPolicy;
    return {
      ...rest,
      shouldRetry: (error, attemptNumber) =>
        // Once the breaker is open, another attempt would only be refused: report the failure that opened it.
        !(breaker !== undefined && plan.policy.circuitBreaker && breaker.state === "open") &&
        (shouldRetry === undefined ? defaultShouldRetry(method, error, args) : shouldRetry(error, attemptNumber)),
      ...(policies.clock === undefined ? {} : { clock: policies.clock }),
      ...(policies.random === undefined ? {} : { random: policies.random }),
      ...(policies.onRetry === undefined
        ? {}
        : { onRetry: (info: RetryAttemptInfo) => policies.onRetry?.({ ...info, method }) }),
    };
  };

  /** What a create that finished after its caller gave up made is removed, so "a rejected create leaves nothing". */
  const lateCreationHandler = (method: AnyDriverMethod, facts: MethodFacts) => {
    const remover = removerOf(facts.resource);
    if (!removeLateCreations || facts.effect !== "creates" || remover === undefined) return undefined;
    return (pending: Promise<unknown>) =>
      pending.then(
        (created) => {
          const id = readId(created);
          if (id === undefined) return;
          callAsync(() => (driver[remover] as (id: string) => Promise<void>)(id)).then(
            () => policies.onLateCreation?.({ method, id, removed: true }),
            (error: unknown) => policies.onLateCreation?.({ method, id, removed: false, error }),
          );
        },
        () => undefined,
      );
  };

  const run = (method: AnyDriverMethod, args: readonly unknown[], call: () => Promise<unknown>): Promise<unknown> => {
    const plan = plans.get(method) as MethodPlan;
    const { policy, facts } = plan;
    const timeoutMs = attemptDeadline(method, args, policy);
    // A keyed create's late result is the key's container, which a retry may already have returned: it stays.
    const onLate = isIdempotentCall(method, args) ? undefined : lateCreationHandler(method, facts);
    const guarded = () =>
      breaker !== undefined && policy.circuitBreaker
        ? breaker.execute(() => attempt(method, args, timeoutMs, call, onLate))
        : attempt(method, args, timeoutMs, call, onLate);
    if (policy.retry === false) return guarded();
    let earlierAttemptMayHaveRemoved = false;
    return retryAttempts(
      async () => {
        try {
          return await guarded();
        } catch (error) {
          if (facts.effect === "removes" && earlierAttemptMayHaveRemoved && isNotFoundOf(facts.resource, error)) {
            // The earlier attempt removed it; its answer was lost. The caller asked for "gone", and it is.
            return undefined;
          }
          if (mayHaveTakenEffect(error)) earlierAttemptMayHaveRemoved = true;
          throw error;
        }
      },
      retryOptionsFor(method, plan, args),
    );
  };

  const unhealthy = (error: unknown): DriverHealth => ({
    status: "unhealthy",
    version: driver.version,
    uptime: 0,
    containers: { total: 0, running: 0, stopped: 0 },
    error: getErrorMessage(error),
  });

  const wrapped: Record<string, unknown> = {
    name: driver.name,
    version: driver.version,
    ...(driver.capabilities === undefined ? {} : { capabilities: driver.capabilities }),
  };
  for (const method of ALL_DRIVER_METHODS) {
    const original: unknown = driver[method];
    // A method the driver leaves out (an optional one) stays out, so capability checks still see it missing.
    if (typeof original !== "function") continue;
    const call = (args: readonly unknown[]) => () => Promise.resolve(original.apply(driver, args));
    wrapped[method] =
      method === "healthCheck"
        ? // The contract's health check never rejects: a timeout or any failure becomes "unhealthy".
          () => (run(method, [], call([])) as Promise<DriverHealth>).catch(unhealthy)
        : (...args: unknown[]) => run(method, args, call(trimTrailingUndefined(args)));
  }
  return wrapped as WrappedDriver<Driver>;
}

/**
 * What {@link withPolicies} returns for a driver of type `Driver`: its
 * contract members (`name`, `version`, `capabilities` and the methods of
 * `ContainerDriver` it has), with their own types, so a `DriverWith<"exec">`
 * stays one. Members outside the contract (a driver's own helpers) are not
 * wrapped and not kept.
 */
export type WrappedDriver<Driver extends ContainerDriver> = Pick<Driver, Extract<keyof Driver, keyof ContainerDriver>>;

type MethodPlan = { readonly policy: ResolvedMethodPolicy; readonly facts: MethodFacts };

const REMOVERS = { container: "removeContainer", volume: "removeVolume", network: "removeNetwork" } as const;

const NOT_FOUND = {
  container: ContainerNotFoundError,
  volume: VolumeNotFoundError,
  network: NetworkNotFoundError,
} as const;

function removerOf(resource: MethodFacts["resource"]): AnyDriverMethod | undefined {
  return resource === "driver" ? undefined : REMOVERS[resource];
}

function isNotFoundOf(resource: MethodFacts["resource"], error: unknown): boolean {
  return resource !== "driver" && error instanceof NOT_FOUND[resource];
}

function readId(created: unknown): string | undefined {
  const id = typeof created === "object" && created !== null ? (created as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

/**
 * The arguments as the caller gave them, without trailing `undefined`s: a
 * driver that checks `arguments.length` or a default parameter sees the same
 * call through the wrapper as without it.
 */
function trimTrailingUndefined(args: readonly unknown[]): readonly unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return end === args.length ? args : args.slice(0, end);
}
