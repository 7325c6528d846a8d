/**
 * Time as a dependency. Everything in this package that waits or reads the
 * time takes a {@link Clock}, so tests drive time by hand instead of waiting.
 *
 * @module
 */
import { sleepInSteps } from "./timers.js";

/** A source of time and of waiting. */
export type Clock = {
  /**
   * Milliseconds since the epoch.
   *
   * @example
   * ```ts
   * const startedAt = clock.now();
   * ```
   */
  now(): number;
  /**
   * Resolve after `ms` milliseconds. Rejects with the signal's reason as soon
   * as `signal` aborts (also when it already has).
   *
   * @example
   * ```ts
   * await clock.sleep(250, AbortSignal.timeout(1_000));
   * ```
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

/**
 * The real clock: `Date.now()` and `setTimeout`. Works with fake timers
 * (vitest's `vi.useFakeTimers()`), which replace both.
 *
 * @example
 * ```ts
 * await systemClock.sleep(100);
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  // setTimeout fires after 1 ms for any delay above 2^31 - 1 ms; a long sleep is waited out in steps.
  sleep: (ms: number, signal?: AbortSignal) => sleepInSteps(ms, signal),
});

/** A clock that moves only when told to; see {@link createManualClock}. */
export type ManualClock = Clock & {
  /**
   * Move time forward by `ms`, resolving every sleep that has come due, in order.
   *
   * @example
   * ```ts
   * const creating = driver.createContainer(config);
   * await clock.advance(200); // the operation time has passed: creating resolves
   * ```
   */
  advance(ms: number): Promise<void>;
  /**
   * Move time forward until no sleep is pending; returns the time moved.
   *
   * @example
   * ```ts
   * const moved = await clock.runAll(); // every pending sleep resolved; moved is how far time went
   * ```
   */
  runAll(): Promise<number>;
  /** How many sleeps are waiting. */
  readonly pending: number;
};

type Sleeper = { readonly due: number; readonly order: number; readonly resolve: () => void };

/**
 * A clock for tests: time starts at `start` (default 0, so timestamps in a
 * test read as elapsed milliseconds) and moves only by `advance`.
 * Sleeps resolve in order of their due time; promise callbacks run between
 * them, so code that sleeps again in a loop is driven to completion.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const done = clock.sleep(1_000);
 * await clock.advance(1_000); // done resolves, no real waiting
 * ```
 */
export function createManualClock(start = 0): ManualClock {
  let time = start;
  let order = 0;
  const sleepers: Sleeper[] = [];

  const flushMicrotasks = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  const wakeDue = async (until: number) => {
    for (;;) {
      await flushMicrotasks();
      sleepers.sort((a, b) => a.due - b.due || a.order - b.order);
      const next = sleepers[0];
      if (next === undefined || next.due > until) break;
      sleepers.shift();
      time = Math.max(time, next.due);
      next.resolve();
    }
    time = Math.max(time, until);
    await flushMicrotasks();
  };

  return {
    now: () => time,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const sleeper: Sleeper = {
          // NaN would make the clock's own time NaN once this sleeper wakes.
          due: time + (Number.isNaN(ms) ? 0 : Math.max(0, ms)),
          order: order++,
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          reject(signal?.reason);
        };
        sleepers.push(sleeper);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    advance: (ms) => wakeDue(time + (Number.isNaN(ms) ? 0 : Math.max(0, ms))),
    async runAll() {
      const from = time;
      for (;;) {
        await flushMicrotasks();
        const latest = sleepers.reduce((max, s) => Math.max(max, s.due), Number.NEGATIVE_INFINITY);
        if (!Number.isFinite(latest)) break;
        await wakeDue(latest);
      }
      return time - from;
    },
    get pending() {
      return sleepers.length;
    },
  };
}
