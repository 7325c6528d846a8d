import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createManualClock } from "../../src/clock.js";
import {
  ConfigurationError,
  ContainerNotFoundError,
  ContainerStartError,
  NetworkError,
  TimeoutError,
} from "../../src/errors.js";
import { type JitterStrategy, nextRetryDelay, type RetryAttemptInfo, withRetry } from "../../src/resilience/retry.js";
import { drive, flushMicrotasks, seededRandom } from "./helpers.js";

const jitterArbitrary = fc.constantFrom<JitterStrategy>("none", "full", "decorrelated");

function alwaysFailing(error: () => unknown) {
  let calls = 0;
  const fn = async () => {
    calls++;
    throw error();
  };
  return { fn, calls: () => calls };
}

describe("nextRetryDelay", () => {
  it("stays within the configured bounds for every jitter and random value (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 5_000, noNaN: true }),
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        jitterArbitrary,
        (attempt, baseDelayMs, maxDelayMs, multiplier, previousDelayMs, r, jitter) => {
          const delay = nextRetryDelay({
            attempt,
            previousDelayMs,
            baseDelayMs,
            maxDelayMs,
            multiplier,
            jitter,
            random: () => r,
          });
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          const exponential = Math.min(maxDelayMs, baseDelayMs * multiplier ** (attempt - 1));
          if (jitter === "none") expect(delay).toBe(baseDelayMs === 0 ? 0 : exponential);
          if (jitter === "full") expect(delay).toBeLessThanOrEqual(exponential);
          if (jitter === "decorrelated") {
            expect(delay).toBeGreaterThanOrEqual(Math.min(baseDelayMs, maxDelayMs));
            expect(delay).toBeLessThanOrEqual(Math.max(Math.min(baseDelayMs, maxDelayMs), previousDelayMs * 3));
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("doubles without jitter and caps at maxDelayMs", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
      nextRetryDelay({
        attempt,
        previousDelayMs: 0,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        multiplier: 2,
        jitter: "none",
        random: () => 0.5,
      }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("clamps a misbehaving random source into [0, 1]", () => {
    const input = { attempt: 2, previousDelayMs: 100, baseDelayMs: 100, maxDelayMs: 1_000, multiplier: 2 } as const;
    expect(nextRetryDelay({ ...input, jitter: "full", random: () => 7 })).toBe(200);
    expect(nextRetryDelay({ ...input, jitter: "full", random: () => -3 })).toBe(0);
    expect(nextRetryDelay({ ...input, jitter: "full", random: () => Number.NaN })).toBe(0);
  });
});

describe("withRetry", () => {
  it("waits the delays it reports, within bounds, and the clock moves by exactly their sum (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        jitterArbitrary,
        fc.integer(),
        async (maxAttempts, baseDelayMs, maxDelayMs, jitter, seed) => {
          const clock = createManualClock(1_000);
          const retries: RetryAttemptInfo[] = [];
          const { fn, calls } = alwaysFailing(() => new NetworkError("reset"));
          const run = withRetry(fn, {
            maxAttempts,
            baseDelayMs,
            maxDelayMs,
            jitter,
            clock,
            random: seededRandom(seed),
            onRetry: (info) => retries.push(info),
          });
          await expect(drive(clock, run)).rejects.toBeInstanceOf(NetworkError);
          expect(calls()).toBe(maxAttempts);
          expect(retries.map((r) => r.attempt)).toEqual(Array.from({ length: maxAttempts - 1 }, (_, i) => i + 1));
          let total = 0;
          for (const { delayMs } of retries) {
            expect(delayMs).toBeGreaterThanOrEqual(0);
            expect(delayMs).toBeLessThanOrEqual(maxDelayMs);
            total += delayMs;
          }
          expect(clock.now() - 1_000).toBeCloseTo(total, 6);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never calls fn more than maxAttempts times, whatever fails (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        async (maxAttempts, outcomes) => {
          const clock = createManualClock();
          let calls = 0;
          const run = withRetry(
            async (attempt) => {
              calls++;
              expect(attempt).toBe(calls);
              if (outcomes[attempt - 1] === true) return attempt;
              throw new TimeoutError("op", 10);
            },
            { maxAttempts, clock, random: () => 0.5, baseDelayMs: 10 },
          );
          const firstSuccess = outcomes.indexOf(true) + 1;
          if (firstSuccess > 0 && firstSuccess <= maxAttempts) {
            await expect(drive(clock, run)).resolves.toBe(firstSuccess);
            expect(calls).toBe(firstSuccess);
          } else {
            await expect(drive(clock, run)).rejects.toBeInstanceOf(TimeoutError);
            expect(calls).toBe(maxAttempts);
          }
          expect(calls).toBeLessThanOrEqual(maxAttempts);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never retries a non-retryable error (property over the contract's non-retryable errors and foreign values)", async () => {
    const nonRetryable = fc.constantFrom<() => unknown>(
      () => new ContainerNotFoundError("c-1"),
      () => new ConfigurationError("bad"),
      () => new Error("plain"),
      () => "a string",
      () => null,
      () => ({ retryable: true }),
    );
    await fc.assert(
      fc.asyncProperty(nonRetryable, fc.integer({ min: 1, max: 10 }), async (makeError, maxAttempts) => {
        const clock = createManualClock();
        const onRetry = vi.fn();
        const { fn, calls } = alwaysFailing(makeError);
        const thrown = await drive(clock, withRetry(fn, { maxAttempts, clock, onRetry })).then(
          () => "resolved",
          (error: unknown) => error,
        );
        expect(thrown).toEqual(makeError());
        expect(calls()).toBe(1);
        expect(onRetry).not.toHaveBeenCalled();
        expect(clock.now()).toBe(0);
      }),
    );
  });

  it("returns the value once an attempt succeeds and throws the last failure unchanged otherwise", async () => {
    const clock = createManualClock();
    let calls = 0;
    const last = new ContainerStartError("c-1", "third");
    const failures = [new NetworkError("first"), new TimeoutError("startContainer", 5), last];
    const run = withRetry(
      async () => {
        const failure = failures[calls++];
        throw failure;
      },
      { clock, maxAttempts: 3 },
    );
    await expect(drive(clock, run)).rejects.toBe(last);

    const ok = withRetry(
      async (attempt) => {
        if (attempt < 3) throw new NetworkError("blip");
        return "ok";
      },
      { clock, maxAttempts: 5 },
    );
    await expect(drive(clock, ok)).resolves.toBe("ok");
  });

  it("rejects promptly with the signal's reason when aborted during the sleep, without moving the clock", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new NetworkError("down");
      },
      {
        clock,
        maxAttempts: 10,
        baseDelayMs: 60_000,
        jitter: "none",
        signal: controller.signal,
      },
    );
    const outcome = run.then(
      () => "resolved",
      (error: unknown) => error,
    );
    await flushMicrotasks();
    expect(clock.pending).toBe(1);
    controller.abort(reason);
    await flushMicrotasks();
    expect(await outcome).toBe(reason);
    expect(clock.now()).toBe(0);
    expect(clock.pending).toBe(0);
    expect(calls).toBe(1);
  });

  it("rejects promptly with the reason when aborted while fn runs, even if fn ignores its signal", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    let receivedSignal: AbortSignal | undefined;
    const run = withRetry(
      (_attempt, signal) => {
        receivedSignal = signal;
        return new Promise<never>(() => undefined);
      },
      { signal: controller.signal, clock: createManualClock() },
    );
    await flushMicrotasks();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(receivedSignal?.aborted).toBe(true);
  });

  it("resolves normally with a signal that is never aborted, and a later abort changes nothing", async () => {
    const controller = new AbortController();
    let receivedSignal: AbortSignal | undefined;
    const value = await withRetry(
      async (_attempt, signal) => {
        receivedSignal = signal;
        return "done";
      },
      { signal: controller.signal, clock: createManualClock() },
    );
    expect(value).toBe("done");
    expect(receivedSignal).toBe(controller.signal);
    controller.abort(new Error("late"));
  });

  it("hands fn one signal for all attempts when the caller gives none", async () => {
    const clock = createManualClock();
    const signals: AbortSignal[] = [];
    const run = withRetry(
      async (attempt, signal) => {
        signals.push(signal);
        if (attempt < 3) throw new NetworkError("blip");
        return attempt;
      },
      { clock },
    );
    await expect(drive(clock, run)).resolves.toBe(3);
    expect(signals).toHaveLength(3);
    expect(new Set(signals).size).toBe(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it("rejects with the reason when fn itself aborts the caller's signal before returning", async () => {
    const controller = new AbortController();
    const reason = new Error("fn cancelled everything");
    const run = withRetry(
      () => {
        controller.abort(reason);
        return Promise.resolve("too late");
      },
      { signal: controller.signal, clock: createManualClock() },
    );
    await expect(run).rejects.toBe(reason);
  });

  it("does not call fn at all when the signal has already aborted", async () => {
    const fn = vi.fn(async () => 1);
    const reason = new Error("already");
    await expect(withRetry(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it("reports the abort reason rather than fn's own error when fn fails because of the abort", async () => {
    const controller = new AbortController();
    const reason = new Error("abort reason");
    const run = withRetry(
      (_attempt, signal) =>
        new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(new NetworkError("socket closed"))),
        ),
      { signal: controller.signal, clock: createManualClock() },
    );
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
  });

  it("gives up when the next wait would pass maxElapsedMs", async () => {
    const clock = createManualClock();
    const { fn, calls } = alwaysFailing(() => new NetworkError("down"));
    const run = withRetry(fn, {
      clock,
      maxAttempts: Number.POSITIVE_INFINITY,
      baseDelayMs: 100,
      jitter: "none",
      maxElapsedMs: 1_000,
    });
    await expect(drive(clock, run)).rejects.toBeInstanceOf(NetworkError);
    // waits 100, 200, 400 (total 700); the next 800 would end at 1,500 > 1,000.
    expect(calls()).toBe(4);
    expect(clock.now()).toBe(700);
  });

  it("uses shouldRetry instead of the retryable flag when given", async () => {
    const clock = createManualClock();
    const { fn, calls } = alwaysFailing(() => new Error("flaky third-party"));
    const shouldRetry = vi.fn(
      (error: unknown, _attempt: number) => error instanceof Error && error.message.startsWith("flaky"),
    );
    await expect(drive(clock, withRetry(fn, { clock, shouldRetry, maxAttempts: 4 }))).rejects.toThrow("flaky");
    expect(calls()).toBe(4);
    expect(shouldRetry.mock.calls.map((call) => call[1])).toEqual([1, 2, 3]);

    const never = alwaysFailing(() => new NetworkError("retryable but refused by the override"));
    await expect(withRetry(never.fn, { clock, shouldRetry: () => false })).rejects.toBeInstanceOf(NetworkError);
    expect(never.calls()).toBe(1);
  });

  it("turns a synchronous throw of fn into a rejection and retries it", async () => {
    const clock = createManualClock();
    let calls = 0;
    const run = withRetry(
      (() => {
        calls++;
        if (calls === 1) throw new NetworkError("sync");
        return Promise.resolve("second");
      }) as (attempt: number, signal: AbortSignal) => Promise<string>,
      { clock },
    );
    await expect(drive(clock, run)).resolves.toBe("second");
  });

  it("stops and throws what onRetry throws", async () => {
    const clock = createManualClock();
    const hookError = new Error("hook");
    const { fn, calls } = alwaysFailing(() => new NetworkError("x"));
    await expect(
      withRetry(fn, {
        clock,
        onRetry: () => {
          throw hookError;
        },
      }),
    ).rejects.toBe(hookError);
    expect(calls()).toBe(1);
  });

  it("works with vitest fake timers and the system clock", async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const run = withRetry(
        async () => {
          calls++;
          if (calls < 3) throw new NetworkError("blip");
          return calls;
        },
        { baseDelayMs: 1_000, jitter: "none" },
      );
      await vi.advanceTimersByTimeAsync(999);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(2);
      await vi.advanceTimersByTimeAsync(2_000);
      await expect(run).resolves.toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [{ maxAttempts: 0 }, "maxAttempts"],
    [{ maxAttempts: 1.5 }, "maxAttempts"],
    [{ baseDelayMs: -1 }, "baseDelayMs"],
    [{ maxDelayMs: Number.NaN }, "maxDelayMs"],
    [{ multiplier: 0.5 }, "multiplier"],
    [{ maxElapsedMs: -5 }, "maxElapsedMs"],
    [{ jitter: "sometimes" as JitterStrategy }, "jitter"],
    [{ maxAttempts: Number.POSITIVE_INFINITY }, "maxAttempts"],
  ])("rejects the invalid option %o with a ConfigurationError naming %s, before calling fn", async (options, path) => {
    const fn = vi.fn(async () => 1);
    const error = await withRetry(fn, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual([path]);
    expect(fn).not.toHaveBeenCalled();
  });
});
