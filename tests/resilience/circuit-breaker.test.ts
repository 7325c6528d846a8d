import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createManualClock } from "../../src/clock.js";
import {
  CircuitOpenError,
  ConfigurationError,
  ContainerNotFoundError,
  ContainerStartError,
  DriverError,
  isRetryableError,
  NetworkError,
  TimeoutError,
  UNKNOWN_ERROR_CODE,
} from "../../src/errors.js";
import {
  CIRCUIT_STATES,
  CIRCUIT_TRANSITIONS,
  CircuitBreaker,
  type CircuitEvent,
  type CircuitStateChange,
  circuitTransition,
  isCircuitFailure,
} from "../../src/resilience/circuit-breaker.js";

const ok = async () => "ok";
const down = async (): Promise<never> => {
  throw new NetworkError("engine unreachable");
};

async function failTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.execute(down).catch(() => undefined);
}

describe("CIRCUIT_TRANSITIONS", () => {
  it("is the documented table", () => {
    expect(CIRCUIT_TRANSITIONS).toEqual({
      closed: { success: "closed", failure: "closed", thresholdReached: "open", reset: "closed" },
      open: { halfOpenDelayElapsed: "half-open", reset: "closed" },
      "half-open": { success: "closed", failure: "open", reset: "closed" },
    });
    expect(Object.isFrozen(CIRCUIT_TRANSITIONS)).toBe(true);
    expect(Object.keys(CIRCUIT_TRANSITIONS).sort()).toEqual([...CIRCUIT_STATES].sort());
  });

  it("leaves a state unchanged for an event it does not list", () => {
    expect(circuitTransition("open", "success")).toBe("open");
    expect(circuitTransition("open", "failure")).toBe("open");
    expect(circuitTransition("closed", "halfOpenDelayElapsed")).toBe("closed");
  });
});

describe("CircuitBreaker", () => {
  it("every state change it makes is a transition of the table (property over call sequences)", async () => {
    type Step =
      | { kind: "success" }
      | { kind: "failure" }
      | { kind: "ignoredError" }
      | { kind: "advance"; ms: number }
      | { kind: "reset" };
    const step = fc.oneof(
      fc.constant<Step>({ kind: "success" }),
      fc.constant<Step>({ kind: "failure" }),
      fc.constant<Step>({ kind: "ignoredError" }),
      fc.integer({ min: 0, max: 2_000 }).map<Step>((ms) => ({ kind: "advance", ms })),
      fc.constant<Step>({ kind: "reset" }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1_500 }),
        fc.array(step, { maxLength: 80 }),
        async (failureThreshold, halfOpenAfterMs, steps) => {
          const clock = createManualClock(10_000);
          const breaker = new CircuitBreaker({ failureThreshold, halfOpenAfterMs, clock });
          const changes: CircuitStateChange[] = [];
          breaker.onStateChange((change) => changes.push(change));
          let consecutive = 0;
          for (const s of steps) {
            if (s.kind === "advance") {
              await clock.advance(s.ms);
              continue;
            }
            if (s.kind === "reset") {
              breaker.reset();
              consecutive = 0;
              continue;
            }
            const before = breaker.state;
            const calls = vi.fn(
              s.kind === "success"
                ? ok
                : s.kind === "failure"
                  ? down
                  : async () => Promise.reject(new ContainerNotFoundError("c")),
            );
            const outcome = await breaker.execute(calls).catch((error: unknown) => error);
            if (before === "open") {
              expect(calls).not.toHaveBeenCalled();
              expect(outcome).toBeInstanceOf(CircuitOpenError);
              expect((outcome as CircuitOpenError).retryAt).toBeGreaterThan(clock.now());
              continue;
            }
            expect(calls).toHaveBeenCalledTimes(1);
            consecutive = s.kind === "failure" ? consecutive + 1 : 0;
            if (before === "closed" && s.kind === "failure" && consecutive >= failureThreshold) {
              expect(breaker.state === "open" || halfOpenAfterMs === 0).toBe(true);
            }
            if (before === "half-open") {
              // With no half-open delay, a reopened circuit is immediately half-open again.
              const reopened = halfOpenAfterMs > 0 ? "open" : "half-open";
              expect(breaker.state).toBe(s.kind === "failure" ? reopened : "closed");
            }
            if (breaker.state !== "closed") consecutive = 0;
          }
          for (const change of changes) {
            expect(change.to).not.toBe(change.from);
            expect(CIRCUIT_TRANSITIONS[change.from][change.event as CircuitEvent]).toBe(change.to);
          }
          // Consecutive changes chain: each starts where the previous ended.
          for (let i = 1; i < changes.length; i++) expect(changes[i]?.from).toBe(changes[i - 1]?.to);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("opens after failureThreshold consecutive failures and refuses calls at once with a retryable CircuitOpenError", async () => {
    const clock = createManualClock(1_000);
    const breaker = new CircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 5_000, clock, name: "docker" });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe("closed");
    expect(breaker.consecutiveFailures).toBe(2);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe("open");
    expect(breaker.retryAt).toBe(6_000);

    const fn = vi.fn(ok);
    const error = await breaker.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(isRetryableError(error)).toBe(true);
    expect((error as CircuitOpenError).retryAt).toBe(6_000);
    expect((error as CircuitOpenError).context).toMatchObject({ circuit: "docker", state: "open" });
  });

  it("a success in between resets the count", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock: createManualClock() });
    await failTimes(breaker, 1);
    await breaker.execute(ok);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe("closed");
  });

  it("half-open lets exactly one trial through; its success closes the circuit", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock });
    await failTimes(breaker, 1);
    await clock.advance(999);
    expect(breaker.state).toBe("open");
    await clock.advance(1);
    expect(breaker.state).toBe("half-open");

    let finishTrial!: (value: string) => void;
    const trial = breaker.execute(() => new Promise<string>((resolve) => (finishTrial = resolve)));
    const second = vi.fn(ok);
    await expect(breaker.execute(second)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(second).not.toHaveBeenCalled();
    finishTrial("back");
    await expect(trial).resolves.toBe("back");
    expect(breaker.state).toBe("closed");
    await expect(breaker.execute(ok)).resolves.toBe("ok");
  });

  it("a failed trial reopens the circuit for another halfOpenAfterMs", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1_000, clock });
    const changes: string[] = [];
    breaker.onStateChange(({ from, to, event }) => changes.push(`${from}->${to}:${event}`));
    await failTimes(breaker, 1);
    await clock.advance(1_000);
    await expect(breaker.execute(down)).rejects.toBeInstanceOf(NetworkError);
    expect(breaker.state).toBe("open");
    expect(breaker.retryAt).toBe(2_000);
    expect(changes).toEqual([
      "closed->open:thresholdReached",
      "open->half-open:halfOpenDelayElapsed",
      "half-open->open:failure",
    ]);
  });

  it("a non-failure error during the trial closes the circuit: the runtime answered", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 10, clock });
    await failTimes(breaker, 1);
    await clock.advance(10);
    await expect(breaker.execute(() => Promise.reject(new ContainerNotFoundError("c")))).rejects.toBeInstanceOf(
      ContainerNotFoundError,
    );
    expect(breaker.state).toBe("closed");
  });

  it("ignores results of calls that started under an earlier state", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 100, clock });
    let finishSlow!: () => void;
    const slow = breaker.execute(() => new Promise<void>((resolve) => (finishSlow = resolve)));
    await failTimes(breaker, 1);
    expect(breaker.state).toBe("open");
    await clock.advance(100);
    expect(breaker.state).toBe("half-open");
    finishSlow();
    await slow;
    expect(breaker.state).toBe("half-open");
  });

  it("counts only what isFailure says", async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      clock: createManualClock(),
      isFailure: (error) => error instanceof ContainerNotFoundError,
    });
    await failTimes(breaker, 3);
    expect(breaker.state).toBe("closed");
    await breaker.execute(() => Promise.reject(new ContainerNotFoundError("c"))).catch(() => undefined);
    expect(breaker.state).toBe("open");
  });

  it("treats a synchronous throw of fn as a failure", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: createManualClock() });
    await expect(
      breaker.execute(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(breaker.state).toBe("open");
  });

  it("reset closes an open circuit, and listeners can unsubscribe; a throwing listener breaks nothing", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    const seen: string[] = [];
    breaker.onStateChange(() => {
      throw new Error("observer bug");
    });
    const unsubscribe = breaker.onStateChange(({ to }) => seen.push(to));
    await failTimes(breaker, 1);
    unsubscribe();
    breaker.reset();
    expect(breaker.state).toBe("closed");
    expect(seen).toEqual(["open"]);
    await expect(breaker.execute(ok)).resolves.toBe("ok");
  });

  it("isCircuitFailure counts runtime trouble, not answers of a working runtime", () => {
    expect(isCircuitFailure(new NetworkError("x"))).toBe(true);
    expect(isCircuitFailure(new TimeoutError("startContainer", 10))).toBe(true);
    expect(isCircuitFailure(new Error("x"))).toBe(true);
    expect(isCircuitFailure("x")).toBe(true);
    expect(isCircuitFailure(new DriverError("?", UNKNOWN_ERROR_CODE, false))).toBe(true);
    expect(isCircuitFailure(new ContainerStartError("c", "engine failed", { context: { statusCode: 500 } }))).toBe(
      true,
    );
    expect(isCircuitFailure(new ContainerStartError("c", "container is dead"))).toBe(false);
    expect(isCircuitFailure(new ContainerNotFoundError("c"))).toBe(false);
    expect(isCircuitFailure(new CircuitOpenError(0))).toBe(false);
  });

  it.each([
    [{ failureThreshold: 0 }, "failureThreshold"],
    [{ failureThreshold: 2.5 }, "failureThreshold"],
    [{ halfOpenAfterMs: -1 }, "halfOpenAfterMs"],
    [{ halfOpenAfterMs: Number.NaN }, "halfOpenAfterMs"],
  ])("refuses %o with a ConfigurationError naming %s", (options, path) => {
    const error = (() => {
      try {
        return new CircuitBreaker(options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual([path]);
  });
});
