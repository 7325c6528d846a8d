/**
 * Simulated time for a closed in-memory world: a clock whose time jumps to
 * the next sleep as soon as nothing else is pending. A conformance run of
 * the mocks on it takes no real time for its sleeps, timeouts and expiries,
 * yet every wait happens in the same order as on a real clock.
 *
 * @module
 */
import type { Clock } from "../../src/index.js";

/** A {@link Clock} whose time moves by itself, to the next sleep, whenever the process is idle. */
export type VirtualClock = Clock & {
  /**
   * Like `sleep`, but a sleep of the runtime's own (a container's process, an
   * expiry sweeper): it does not make time move by itself, so a container
   * looping forever does not keep the clock, or Node, running once nobody
   * waits for anything else.
   *
   * @example
   * ```ts
   * await clock.sleepInBackground(100, signal);
   * ```
   */
  sleepInBackground(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Make time move while a caller waits for something that only background
   * sleeps will bring (an exec's result, a follow): returns the release.
   *
   * @example
   * ```ts
   * const release = clock.hold();
   * try { await result; } finally { release(); }
   * ```
   */
  hold(): () => void;
  /** How many sleeps are waiting, background ones included. */
  readonly pending: number;
};

type Sleeper = {
  readonly due: number;
  readonly order: number;
  readonly foreground: boolean;
  readonly wake: () => void;
};

/**
 * A clock for simulations. Time starts at `start` (default: the real time
 * now, so timestamps look ordinary) and stands still while anything runs;
 * once the process is idle (two turns of the event loop with no new sleep),
 * it jumps to the earliest sleep and wakes it. It moves only while a
 * foreground sleep (`sleep`) or a {@link VirtualClock.hold} is pending, so it
 * never keeps Node alive on its own.
 *
 * Only for code that waits on nothing but this clock (the mock drivers and
 * what drives them): a real timer or real I/O would see time jump past it.
 *
 * @example
 * ```ts
 * const clock = createVirtualClock();
 * const driver = new MockDockerDriver({ timing: "instant", clock });
 * await runConformance(() => new MockDockerDriver({ timing: "instant", clock }), { clock });
 * ```
 */
export function createVirtualClock(start: number = Date.now()): VirtualClock {
  let time = start;
  let order = 0;
  let activity = 0;
  let seenActivity = -1;
  let holds = 0;
  let foreground = 0;
  let scheduled = false;
  const sleepers: Sleeper[] = [];

  const moving = () => holds > 0 || foreground > 0;

  const schedule = () => {
    if (scheduled || !moving() || sleepers.length === 0) return;
    scheduled = true;
    setImmediate(check);
  };

  function check(): void {
    scheduled = false;
    if (!moving() || sleepers.length === 0) return;
    if (activity !== seenActivity) {
      // Something happened since the last look: let it settle for one more turn.
      seenActivity = activity;
      schedule();
      return;
    }
    const next = sleepers[0] as Sleeper;
    time = Math.max(time, next.due);
    while (sleepers.length > 0 && (sleepers[0] as Sleeper).due <= time) (sleepers.shift() as Sleeper).wake();
    activity++;
    schedule();
  }

  const insert = (sleeper: Sleeper) => {
    let index = sleepers.length;
    while (index > 0 && (sleepers[index - 1] as Sleeper).due > sleeper.due) index--;
    sleepers.splice(index, 0, sleeper);
  };

  const sleep = (ms: number, signal: AbortSignal | undefined, isForeground: boolean) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const finish = () => {
        signal?.removeEventListener("abort", onAbort);
        if (isForeground) foreground--;
        activity++;
      };
      const sleeper: Sleeper = {
        due: time + (Number.isNaN(ms) ? 0 : Math.max(0, ms)),
        order: order++,
        foreground: isForeground,
        wake: () => {
          finish();
          resolve();
        },
      };
      const onAbort = () => {
        const index = sleepers.indexOf(sleeper);
        if (index >= 0) sleepers.splice(index, 1);
        finish();
        reject(signal?.reason);
      };
      if (isForeground) foreground++;
      activity++;
      insert(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
      schedule();
    });

  return {
    now: () => time,
    sleep: (ms, signal) => sleep(ms, signal, true),
    sleepInBackground: (ms, signal) => sleep(ms, signal, false),
    hold() {
      holds++;
      activity++;
      schedule();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
      };
    },
    get pending() {
      return sleepers.length;
    },
  };
}

/**
 * Whether `clock` is a {@link VirtualClock} (from this module or another copy of it).
 *
 * @example
 * ```ts
 * isVirtualClock(createVirtualClock()); // true
 * ```
 */
export function isVirtualClock(clock: Clock): clock is VirtualClock {
  const candidate = clock as Partial<VirtualClock>;
  return typeof candidate.sleepInBackground === "function" && typeof candidate.hold === "function";
}
