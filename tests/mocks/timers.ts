/**
 * How the mock runtime waits. Its own waits (a container process's `sleep`,
 * the expiry sweeper) are background work: like a real runtime's, they must
 * never keep the test's Node process alive. A caller who waits on the
 * runtime (an exec's result, a follow, a stop's grace period) holds it
 * alive for as long as it waits.
 *
 * @module
 */
import { type Clock, systemClock } from "../../src/index.js";
import { sleepInSteps } from "../../src/timers.js";
import { isVirtualClock } from "./virtual-clock.js";

/** The waits of one mock runtime, on its clock. */
export type RuntimeTimers = {
  /**
   * Resolves after `ms` on the runtime's clock, rejects with the signal's
   * reason when it aborts. On the system clock the timer is unref'd; on a
   * virtual clock the sleep is a background one.
   */
  background(ms: number, signal?: AbortSignal): Promise<void>;
  /** Keep the host process (or a virtual clock) going while a caller waits; returns the release, idempotent. */
  hold(): () => void;
};

const NOTHING_TO_RELEASE = () => undefined;

/** The system clock's own sleep, with unref'd timers: a background wait. */
function unrefSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepInSteps(ms, signal, { unref: true });
}

/**
 * The waits of a runtime on `clock`: unref'd timers and a ref'd keep-alive
 * on the system clock, background sleeps and holds on a virtual clock, and
 * the clock's own sleeps (nothing to hold) on any other clock, such as a
 * manual one that only moves when the test says so.
 *
 * @example
 * ```ts
 * const timers = createRuntimeTimers(systemClock);
 * const release = timers.hold();
 * await timers.background(100);
 * release();
 * ```
 */
export function createRuntimeTimers(clock: Clock): RuntimeTimers {
  if (isVirtualClock(clock)) {
    return { background: (ms, signal) => clock.sleepInBackground(ms, signal), hold: () => clock.hold() };
  }
  if (clock !== systemClock) {
    return { background: (ms, signal) => clock.sleep(ms, signal), hold: () => NOTHING_TO_RELEASE };
  }
  let holders = 0;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  return {
    background: unrefSleep,
    hold() {
      holders++;
      keepAlive ??= setInterval(() => undefined, 1 << 30);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holders--;
        if (holders === 0 && keepAlive !== undefined) {
          clearInterval(keepAlive);
          keepAlive = undefined;
        }
      };
    },
  };
}
