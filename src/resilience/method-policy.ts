/**
 * The policy of each method of a wrapped driver, derived from the method
 * table: its deadline, whether a failure may be retried, and the defaults
 * that differ from the driver-wide ones. `withPolicies` reads only this.
 *
 * @module
 */
import { type AnyDriverMethod, DRIVER_METHOD_TABLE, type MethodDeadline } from "../contract/methods.js";
import { DEFAULT_STOP_GRACE_MS, MAX_TIMER_DELAY_MS } from "../contract/rules.js";
import { CircuitOpenError, isRetryableError } from "../errors.js";
import { checkNumbers } from "./check-options.js";
import type { RetryOptions } from "./retry.js";
import { mayHaveTakenEffect } from "./to-driver-error.js";

/**
 * Retry settings of a wrapped driver: {@link RetryOptions} without the
 * per-call and injected fields (`signal`, `clock`, `random`, `onRetry`),
 * which `DriverPolicies` sets once for every method.
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

/** The default deadline of an attempt, in ms. */
export const DEFAULT_POLICY_TIMEOUT_MS = 30_000;

/** Extra time given to a stop beyond its grace period, in ms. */
const STOP_MARGIN_MS = 30_000;

/**
 * Per-method defaults that differ from the driver-wide ones. `healthCheck` is
 * a probe: it answers now, without retries and outside the breaker (it must
 * keep reporting while the circuit is open).
 */
export const DEFAULT_METHOD_POLICIES: Readonly<Partial<Record<AnyDriverMethod, MethodPolicy>>> = Object.freeze({
  healthCheck: Object.freeze({ timeoutMs: 5_000, retry: false, circuitBreaker: false }),
});

/** A method's policy with every default applied. */
export type ResolvedMethodPolicy = {
  readonly timeoutMs: number | false;
  readonly retry: DriverRetryPolicy | false;
  readonly circuitBreaker: boolean;
  /** Whether the caller set `timeoutMs` for this very method (then the table's deadline rule does not widen it). */
  readonly ownTimeout: boolean;
};

/** What {@link resolveMethodPolicy} reads of the driver-wide policies. */
export type PolicyDefaults = {
  readonly timeoutMs?: number | false;
  readonly retry?: DriverRetryPolicy | false;
  readonly methods?: Readonly<Partial<Record<AnyDriverMethod, MethodPolicy>>>;
};

/**
 * The policy of `method`: its own settings, then `DEFAULT_METHOD_POLICIES`,
 * then the driver-wide ones. Throws `ConfigurationError` for a timeout out of
 * range, so a bad option fails when wrapping rather than on some later call.
 */
export function resolveMethodPolicy(method: AnyDriverMethod, policies: PolicyDefaults): ResolvedMethodPolicy {
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
  return { timeoutMs, retry, circuitBreaker, ownTimeout: own.timeoutMs !== undefined };
}

function readOption(options: unknown, key: string): unknown {
  try {
    return typeof options === "object" && options !== null ? (options as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deadline of one attempt of `method` called with `args`, by the table's
 * `deadline` rule: `grace` gives a stop at least its grace period plus a
 * margin, `follow` gives a following log read none, `none` gives none. A
 * deadline the caller set for this very method wins.
 *
 * @example
 * ```ts
 * attemptDeadline("stopContainer", ["c-1", { timeout: 60_000 }], policy); // 90 000 with the default 30 000
 * ```
 */
export function attemptDeadline(
  method: AnyDriverMethod,
  args: readonly unknown[],
  policy: ResolvedMethodPolicy,
): number | false {
  const { timeoutMs } = policy;
  if (timeoutMs === false || timeoutMs === Number.POSITIVE_INFINITY || policy.ownTimeout) return timeoutMs;
  const rule = DRIVER_METHOD_TABLE[method].deadline as MethodDeadline;
  switch (rule) {
    case "call":
      return timeoutMs;
    case "none":
      return false;
    case "follow":
      return readOption(args[1], "follow") === true ? false : timeoutMs;
    case "grace": {
      const options = args[1];
      const timeout = readOption(options, "timeout");
      const grace = readOption(options, "force") === true ? 0 : (timeout ?? DEFAULT_STOP_GRACE_MS);
      if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) return timeoutMs;
      return Math.min(MAX_TIMER_DELAY_MS, Math.max(timeoutMs, grace + STOP_MARGIN_MS));
    }
  }
}

/** Whether a create's config carries an idempotency key, which makes repeating it safe. */
function carriesIdempotencyKey(args: readonly unknown[] | undefined): boolean {
  const key = readOption(args?.[0], "idempotencyKey");
  return typeof key === "string" && key.length > 0;
}

/**
 * Whether this call of `method` is idempotent by the method table: always
 * (`idempotent: true`), or for a create whose config carries an
 * `idempotencyKey` (`"with-key"`), which returns the key's container however
 * often it is repeated.
 *
 * @example
 * ```ts
 * isIdempotentCall("createContainer", [{ ...config, idempotencyKey: "task-7" }]); // true
 * isIdempotentCall("createContainer", [config]); // false
 * ```
 */
export function isIdempotentCall(method: AnyDriverMethod, args?: readonly unknown[]): boolean {
  const idempotent = DRIVER_METHOD_TABLE[method]?.idempotent;
  return idempotent === true || (idempotent === "with-key" && carriesIdempotencyKey(args));
}

/**
 * The default retry decision of a wrapped driver: the error is retryable,
 * it is not a `CircuitOpenError` (retrying within milliseconds a circuit that
 * stays open for seconds only wastes attempts: it is the caller's to wait for
 * `retryAt`), and, for a method that is not idempotent (the creates, exec),
 * the failure cannot have taken effect ({@link mayHaveTakenEffect}): a
 * timeout or a connection reset during a create may have created the
 * resource, and a retry would then create a second one. Those are reported to
 * the caller instead. A `createContainer` whose config carries an
 * `idempotencyKey` is idempotent: the driver returns the same container.
 *
 * @param args - the call's arguments, for the methods that are idempotent only with a key. Default: none.
 * @example
 * ```ts
 * defaultShouldRetry("startContainer", new TimeoutError("startContainer", 30_000)); // true
 * defaultShouldRetry("createContainer", new TimeoutError("createContainer", 30_000)); // false
 * ```
 */
export function defaultShouldRetry(method: AnyDriverMethod, error: unknown, args?: readonly unknown[]): boolean {
  if (!isRetryableError(error) || error instanceof CircuitOpenError) return false;
  if (isIdempotentCall(method, args)) return true;
  return !mayHaveTakenEffect(error);
}
