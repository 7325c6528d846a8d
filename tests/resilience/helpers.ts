import type { ManualClock } from "../../src/clock.js";

/**
 * Runs the manual clock until `promise` settles, yielding to the event loop
 * between rounds so that code which sleeps again after a few promise hops is
 * driven too. No real time passes: the clock only jumps to due sleeps.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, maxRounds = 10_000): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let round = 0; !settled && round < maxRounds; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!settled) await clock.runAll();
  }
  return promise;
}

/** A small seeded generator (mulberry32) so jitter is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets pending promise callbacks run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
