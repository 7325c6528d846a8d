import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createManualClock, systemClock } from "../src/index.js";

/** Whether a promise has settled, checked after letting pending callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe("systemClock (with fake timers)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("now() reads Date.now()", () => {
    expect(systemClock.now()).toBe(1_000_000);
    vi.advanceTimersByTime(250);
    expect(systemClock.now()).toBe(1_000_250);
  });

  it("sleep resolves once the time has passed, not before", async () => {
    const sleeping = systemClock.sleep(100);
    vi.advanceTimersByTime(99);
    expect(await settled(sleeping)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(sleeping)).toBe(true);
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("treats a negative delay as zero", async () => {
    const sleeping = systemClock.sleep(-5);
    vi.advanceTimersByTime(0);
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason on abort, and clears its timer", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(1_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error("cancelled");
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at once when the signal has already aborted, without a timer", async () => {
    const reason = new Error("already");
    const sleeping = systemClock.sleep(1_000, AbortSignal.abort(reason));
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleeping).rejects.toBe(reason);
  });

  it("stops listening to the signal once it has resolved", async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    const sleeping = systemClock.sleep(10, controller.signal);
    vi.advanceTimersByTime(10);
    await sleeping;
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("waits out a delay longer than setTimeout allows (2^31 - 1 ms) instead of firing at once", async () => {
    const longest = 2_147_483_647;
    const sleeping = systemClock.sleep(longest + 1_000);
    vi.advanceTimersByTime(longest);
    expect(await settled(sleeping)).toBe(false);
    vi.advanceTimersByTime(999);
    expect(await settled(sleeping)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(sleeping)).toBe(true);
  });

  it("sleeps forever for Infinity, until aborted", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(Number.POSITIVE_INFINITY, controller.signal);
    vi.advanceTimersByTime(3 * 2_147_483_647);
    expect(await settled(sleeping)).toBe(false);
    const reason = new Error("enough");
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("treats NaN as no delay", async () => {
    const sleeping = systemClock.sleep(Number.NaN);
    vi.advanceTimersByTime(0);
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("is frozen", () => {
    expect(Object.isFrozen(systemClock)).toBe(true);
  });
});

describe("createManualClock", () => {
  it("starts at the given time (0 by default) and moves only when advanced", async () => {
    expect(createManualClock().now()).toBe(0);
    const clock = createManualClock(5_000);
    expect(clock.now()).toBe(5_000);
    await clock.advance(250);
    expect(clock.now()).toBe(5_250);
    await clock.advance(-10);
    expect(clock.now()).toBe(5_250);
  });

  it("resolves a sleep when its time has come, not before", async () => {
    const clock = createManualClock();
    const sleeping = clock.sleep(100);
    expect(clock.pending).toBe(1);
    await clock.advance(99);
    expect(await settled(sleeping)).toBe(false);
    await clock.advance(1);
    expect(await settled(sleeping)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it("wakes sleepers in order of due time, then of creation, each at its own time", async () => {
    const clock = createManualClock();
    const woke: [string, number][] = [];
    const note = (label: string) => () => woke.push([label, clock.now()]);
    void clock.sleep(30).then(note("c"));
    void clock.sleep(10).then(note("a"));
    void clock.sleep(10).then(note("b"));
    void clock.sleep(50).then(note("late"));
    await clock.advance(40);
    expect(woke).toEqual([
      ["a", 10],
      ["b", 10],
      ["c", 30],
    ]);
    expect(clock.now()).toBe(40);
    expect(clock.pending).toBe(1);
  });

  it("drives a loop that sleeps again after each wake-up within one advance", async () => {
    const clock = createManualClock();
    let ticks = 0;
    const loop = (async () => {
      while (ticks < 5) {
        await clock.sleep(10);
        ticks += 1;
      }
    })();
    await clock.advance(50);
    await loop;
    expect(ticks).toBe(5);
    expect(clock.now()).toBe(50);
  });

  it("runAll moves time until nothing waits and returns how far it moved", async () => {
    const clock = createManualClock(100);
    const order: number[] = [];
    void clock.sleep(20).then(() => order.push(clock.now()));
    void clock.sleep(5).then(async () => {
      order.push(clock.now());
      await clock.sleep(100);
      order.push(clock.now());
    });
    expect(await clock.runAll()).toBe(105);
    expect(order).toEqual([105, 120, 205]);
    expect(clock.pending).toBe(0);
    expect(await clock.runAll()).toBe(0);
  });

  it("rejects with the reason on abort and forgets the sleeper", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    const other = clock.sleep(200);
    expect(clock.pending).toBe(2);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pending).toBe(1);
    await clock.advance(200);
    await expect(other).resolves.toBeUndefined();
  });

  it("rejects at once for an already aborted signal, without queueing", async () => {
    const clock = createManualClock();
    const reason = new Error("early");
    await expect(clock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it("ignores an abort after the sleep has resolved", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(10, controller.signal);
    await clock.advance(10);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it("treats a zero or negative sleep as due now, and NaN as zero, keeping time a number", async () => {
    const clock = createManualClock(7);
    const zero = clock.sleep(0);
    const negative = clock.sleep(-3);
    const notANumber = clock.sleep(Number.NaN);
    await clock.advance(0);
    expect(await settled(zero)).toBe(true);
    expect(await settled(negative)).toBe(true);
    expect(await settled(notANumber)).toBe(true);
    expect(clock.now()).toBe(7);
    await clock.advance(Number.NaN);
    expect(clock.now()).toBe(7);
  });

  it("keeps independent clocks independent", async () => {
    const first = createManualClock();
    const second = createManualClock();
    void first.sleep(10);
    await second.advance(100);
    expect(first.now()).toBe(0);
    expect(first.pending).toBe(1);
    expect(second.pending).toBe(0);
  });
});
