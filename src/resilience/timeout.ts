/**
 * A deadline for one operation, combined with the caller's own cancellation.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.js";
import { TimeoutError } from "../errors.js";
import { callAsync } from "./abort.js";
import { MAX_TIMER_DELAY_MS } from "../contract/rules.js";
import { checkNumbers } from "./check-options.js";

/** Options of {@link withTimeout}. */
export type TimeoutOptions = {
  /**
   * The operation's name, reported as `TimeoutError.operation` so a log line
   * says what was slow. Default `"operation"`.
   */
  readonly operation?: string;
  /**
   * The caller's cancellation: when it aborts, the operation's signal aborts
   * with the same reason and withTimeout rejects with it at once. Default:
   * none.
   */
  readonly signal?: AbortSignal;
  /** Source of time. Default {@link systemClock} (works with fake timers); tests may pass `createManualClock()`. */
  readonly clock?: Clock;
};

const noop = () => undefined;

/** The reason a cancelled timer's sleep is aborted with: one shared value, so cancelling builds no `DOMException`. */
const TIMER_CANCELLED = Object.freeze({ reason: "withTimeout: the operation settled first" });

/**
 * Starts the deadline and returns the function that cancels it. On the
 * system clock a plain `setTimeout` is used: the success path (the timer set
 * and cleared on every call) is then about a microsecond, where a sleep
 * cancelled through an `AbortSignal` costs tens of microseconds in Node.
 * Fake timers replace `setTimeout` as they replace the system clock's.
 */
function startTimer(clock: Clock, ms: number, onDeadline: () => void): () => void {
  if (clock === systemClock) {
    const handle = setTimeout(onDeadline, ms);
    return () => clearTimeout(handle);
  }
  const timer = new AbortController();
  clock.sleep(ms, timer.signal).then(onDeadline, noop);
  return () => timer.abort(TIMER_CANCELLED);
}

/**
 * Runs `fn` with a deadline of `ms` milliseconds. `fn` receives a signal that
 * aborts when the deadline passes (its reason is the `TimeoutError`) or when
 * the caller's `signal` aborts (its reason is the caller's). withTimeout then
 * rejects at once, even if `fn` ignores its signal: the work is abandoned,
 * and it is cancelled only as far as `fn` honours the signal.
 *
 * Exactly one outcome wins: when `fn` settles first, the signal never aborts
 * afterwards and the timer is cancelled (no timer is left pending); when the
 * deadline or the caller wins, the signal is aborted. So an `abort` listener
 * inside `fn` runs exactly when the caller will not receive `fn`'s result,
 * which is where to clean up work that completes late.
 *
 * @param ms - the deadline, ≥ 0; `Infinity` means no deadline (only the caller's signal applies).
 * @throws TimeoutError(operation, ms) when the deadline passes first.
 * @throws ConfigurationError when `ms` is negative or not a number.
 *
 * @example
 * ```ts
 * const logs = await withTimeout(
 *   (signal) => fetchLogs(containerId, { signal }),
 *   5_000,
 *   { operation: "getContainerLogs", signal: request.signal },
 * );
 * ```
 */
export function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  options: TimeoutOptions = {},
): Promise<T> {
  const operationController = new AbortController();
  return raceDeadline(
    () => fn(operationController.signal),
    ms,
    options,
    (reason) => operationController.abort(reason),
  );
}

/**
 * The race of {@link withTimeout} without the operation's signal, for
 * callers that need none (the driver wrapper: driver methods take no
 * signal), since an AbortSignal costs microseconds in Node. `onAbandon` runs
 * exactly when the deadline or the caller's signal wins, with the rejection
 * reason. Internal: not exported from the package.
 */
export function raceDeadline<T>(
  start: () => Promise<T>,
  ms: number,
  options: TimeoutOptions,
  onAbandon?: (reason: unknown) => void,
): Promise<T> {
  const valid = (ms >= 0 && ms <= MAX_TIMER_DELAY_MS) || ms === Number.POSITIVE_INFINITY;
  if (!valid) {
    try {
      checkNumbers("timeout", { ms }, { ms: { min: 0, max: MAX_TIMER_DELAY_MS, infinite: true } });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const { signal: callerSignal } = options;
  const operation = options.operation ?? "operation";
  const clock = options.clock ?? systemClock;
  if (callerSignal?.aborted) return Promise.reject(callerSignal.reason);

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let cancelTimer: () => void = noop;

    const finish = () => {
      settled = true;
      cancelTimer();
      callerSignal?.removeEventListener("abort", onCallerAbort);
    };
    const fail = (reason: unknown) => {
      if (settled) return;
      finish();
      onAbandon?.(reason);
      reject(reason);
    };
    const onCallerAbort = () => fail(callerSignal?.reason);
    const onDeadline = () => fail(new TimeoutError(operation, ms, { context: { operation, timeoutMs: ms } }));

    callerSignal?.addEventListener("abort", onCallerAbort);
    if (ms !== Number.POSITIVE_INFINITY) cancelTimer = startTimer(clock, ms, onDeadline);
    callAsync(start).then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      },
    );
  });
}
