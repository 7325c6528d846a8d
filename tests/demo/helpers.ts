/**
 * Shared setup of the demonstration suites: both mock drivers with instant
 * timing, a config builder, and a way to drive a manual clock until a promise
 * settles (code under test that sleeps never makes a test wait).
 */
import { createDriverConfig, type DriverConfigInput } from "../../src/builders.js";
import type { ManualClock } from "../../src/clock.js";
import { type MockDriver, type MockDriverOptions, MockDockerDriver, MockLocalDriver } from "../mocks/index.js";

/** Both mocks, for `describe.each`: every demo holds for either driver. */
export const DRIVERS = [
  { label: "mock-docker", make: (options: MockDriverOptions = {}) => new MockDockerDriver(options) },
  { label: "mock-local", make: (options: MockDriverOptions = {}) => new MockLocalDriver(options) },
] as const;

/** Both mocks, instant, for tests that compare them side by side. */
export function bothInstant(options: MockDriverOptions = {}): { docker: MockDriver; local: MockDriver } {
  return {
    docker: new MockDockerDriver({ timing: "instant", ...options }),
    local: new MockLocalDriver({ timing: "instant", ...options }),
  };
}

/** A valid container config for session `session-1` and image `alpine:3.20`, with overrides. */
export function config(input: DriverConfigInput = {}) {
  return createDriverConfig({ sessionId: "session-1", image: "alpine:3.20", ...input });
}

/**
 * Advance `clock` in `stepMs` steps until `promise` settles; returns its
 * result (or rethrows). For code that sleeps on the manual clock, including
 * sleeps that begin only after earlier ones ended.
 */
export async function settle<T>(clock: ManualClock, promise: Promise<T>, stepMs = 10): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  // Do not let an early rejection be reported as unhandled while the clock is driven.
  tracked.catch(() => undefined);
  for (let step = 0; step < 100_000 && !settled; step++) await clock.advance(stepMs);
  return tracked;
}

/** How long, by `clock`, `start()` takes to settle: the simulated time of an operation. */
export async function elapsed(clock: ManualClock, start: () => Promise<unknown>, stepMs = 1): Promise<number> {
  const before = clock.now();
  await settle(clock, start(), stepMs);
  return clock.now() - before;
}
