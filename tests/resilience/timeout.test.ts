import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createManualClock } from "../../src/clock.js";
import { ConfigurationError, NetworkError, TimeoutError } from "../../src/errors.js";
import { withTimeout } from "../../src/resilience/timeout.js";
import { flushMicrotasks } from "./helpers.js";

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

describe("withTimeout", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects with TimeoutError(operation, ms) and aborts the operation's signal when time runs out", async () => {
    const clock = createManualClock();
    let operationSignal: AbortSignal | undefined;
    const run = withTimeout(
      (signal) => {
        operationSignal = signal;
        return never<string>();
      },
      5_000,
      { operation: "stopContainer", clock },
    );
    const outcome = run.catch((error: unknown) => error);
    await clock.advance(4_999);
    expect(operationSignal?.aborted).toBe(false);
    await clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).operation).toBe("stopContainer");
    expect((error as TimeoutError).timeout).toBe(5_000);
    expect((error as TimeoutError).retryable).toBe(true);
    expect(operationSignal?.aborted).toBe(true);
    expect(operationSignal?.reason).toBe(error);
  });

  it("resolves with fn's value, cancels the timer and never aborts the signal afterwards", async () => {
    const clock = createManualClock();
    let operationSignal: AbortSignal | undefined;
    const value = await withTimeout(
      async (signal) => {
        operationSignal = signal;
        return 42;
      },
      1_000,
      { clock },
    );
    expect(value).toBe(42);
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(operationSignal?.aborted).toBe(false);
  });

  it("passes fn's own rejection through unchanged and leaves no timer", async () => {
    const clock = createManualClock();
    const failure = new NetworkError("refused");
    await expect(withTimeout(async () => Promise.reject(failure), 1_000, { clock })).rejects.toBe(failure);
    expect(clock.pending).toBe(0);
  });

  it("turns a synchronous throw of fn into a rejection", async () => {
    const failure = new Error("sync");
    await expect(
      withTimeout(
        () => {
          throw failure;
        },
        1_000,
        { clock: createManualClock() },
      ),
    ).rejects.toBe(failure);
  });

  it("rejects at once with the caller's reason and aborts the operation's signal with it", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    let operationSignal: AbortSignal | undefined;
    const run = withTimeout(
      (signal) => {
        operationSignal = signal;
        return never();
      },
      1_000,
      { clock, signal: controller.signal },
    );
    const reason = new Error("request cancelled");
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(operationSignal?.reason).toBe(reason);
    expect(clock.now()).toBe(0);
    await flushMicrotasks();
    expect(clock.pending).toBe(0);
  });

  it("does not call fn when the caller's signal has already aborted", async () => {
    const fn = vi.fn(async () => 1);
    const reason = new Error("gone");
    await expect(withTimeout(fn, 1_000, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it("ignores a caller abort that comes after fn settled", async () => {
    const controller = new AbortController();
    let operationSignal: AbortSignal | undefined;
    await withTimeout(
      async (signal) => {
        operationSignal = signal;
        return "done";
      },
      1_000,
      { clock: createManualClock(), signal: controller.signal },
    );
    controller.abort(new Error("late"));
    expect(operationSignal?.aborted).toBe(false);
  });

  it("a late result after the deadline is not delivered, and the abort listener sees it (cleanup hook)", async () => {
    const clock = createManualClock();
    let finishLate!: (value: string) => void;
    const lateValues: string[] = [];
    const run = withTimeout(
      (signal) => {
        const work = new Promise<string>((resolve) => (finishLate = resolve));
        signal.addEventListener("abort", () => {
          work.then((value) => lateValues.push(value));
        });
        return work;
      },
      100,
      { clock },
    );
    const outcome = run.catch((error: unknown) => error);
    await clock.advance(100);
    expect(await outcome).toBeInstanceOf(TimeoutError);
    finishLate("orphan");
    await flushMicrotasks();
    expect(lateValues).toEqual(["orphan"]);
  });

  it("with Infinity only the caller's signal ends the wait", async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const run = withTimeout(() => never(), Number.POSITIVE_INFINITY, { clock, signal: controller.signal });
    expect(clock.pending).toBe(0);
    controller.abort("stop");
    await expect(run).rejects.toBe("stop");
  });

  it("times out exactly at ms, never before (property over deadlines and completion times)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        async (ms, workMs) => {
          const clock = createManualClock();
          const run = withTimeout(() => clock.sleep(workMs).then(() => "done"), ms, { clock, operation: "op" });
          const outcome = run.then(
            (value) => ({ value, at: clock.now() }),
            (error: unknown) => ({ error, at: clock.now() }),
          );
          await clock.runAll();
          const result = await outcome;
          if (workMs < ms) {
            expect(result).toEqual({ value: "done", at: workMs });
          } else if (workMs > ms) {
            expect(result).toMatchObject({ at: ms });
            expect((result as { error: unknown }).error).toBeInstanceOf(TimeoutError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("works with vitest fake timers and the system clock", async () => {
    vi.useFakeTimers();
    const run = withTimeout(() => never(), 30_000, { operation: "createContainer" });
    const outcome = run.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(29_999);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its system timer when fn settles first", async () => {
    vi.useFakeTimers();
    await withTimeout(async () => 1, 30_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([-1, Number.NaN, 2 ** 31, Number.NEGATIVE_INFINITY])(
    "refuses ms = %s with a ConfigurationError",
    async (ms) => {
      const fn = vi.fn(async () => 1);
      await expect(withTimeout(fn, ms)).rejects.toThrow(ConfigurationError);
      expect(fn).not.toHaveBeenCalled();
    },
  );
});
