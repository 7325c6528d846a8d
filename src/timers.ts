/**
 * The one real-timer sleep of the package: `setTimeout` in steps, since it
 * fires after 1 ms for any delay above 2^31 - 1 ms (about 24.8 days),
 * Infinity included. `systemClock.sleep` is it; the mocks' runtime uses it
 * with `unref`, so their own background waits never keep a process alive.
 *
 * @module
 */
import { MAX_TIMER_DELAY_MS } from "./contract/rules.js";

/** How {@link sleepInSteps} waits. */
export type StepSleepOptions = {
  /** Unref each timer, so the wait alone does not keep the process alive. Default `false`. */
  readonly unref?: boolean;
};

/**
 * Resolve after `ms` milliseconds (NaN and negatives are 0), or reject with
 * the signal's reason as soon as `signal` aborts (also when it already has).
 *
 * @example
 * ```ts
 * await sleepInSteps(Number.POSITIVE_INFINITY, AbortSignal.timeout(1_000)); // rejects after a second
 * ```
 */
export function sleepInSteps(ms: number, signal?: AbortSignal, options: StepSleepOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let remaining = Number.isNaN(ms) ? 0 : Math.max(0, ms);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const wait = () => {
      const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
      remaining -= step;
      timer = setTimeout(() => {
        if (remaining > 0) {
          wait();
          return;
        }
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, step);
      if (options.unref === true) timer.unref?.();
    };
    wait();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
