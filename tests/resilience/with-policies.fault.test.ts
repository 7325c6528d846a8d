/**
 * withPolicies against the mock driver's fault injection: it recovers from a
 * few injected failures, and when faults persist the breaker opens, keeps
 * calls away from the runtime, and closes again once the runtime recovers.
 * A wrapped conforming driver still passes the conformance core tier.
 */
import { describe, expect, it } from "vitest";
import { createDriverConfig } from "../../src/builders.js";
import { createManualClock } from "../../src/clock.js";
import { runConformance } from "../../src/conformance/index.js";
import { CircuitOpenError, ContainerStartError, NetworkError } from "../../src/errors.js";
import { CircuitBreaker, type CircuitStateChange } from "../../src/resilience/circuit-breaker.js";
import { type DriverRetryInfo, withPolicies } from "../../src/resilience/with-policies.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import { DOCKER_PROFILE, MockDockerDriver } from "../mocks/index.js";
import { drive, seededRandom } from "./helpers.js";

function setup(failureThreshold = 3) {
  const clock = createManualClock(1_000_000);
  const mock = new MockDockerDriver({ timing: "instant", clock });
  const breaker = new CircuitBreaker({ failureThreshold, halfOpenAfterMs: 10_000, clock, name: "mock-docker" });
  const changes: CircuitStateChange[] = [];
  breaker.onStateChange((change) => changes.push(change));
  const retries: DriverRetryInfo[] = [];
  const driver = withPolicies(mock, {
    clock,
    random: seededRandom(42),
    retry: { maxAttempts: 4, baseDelayMs: 50 },
    circuitBreaker: breaker,
    onRetry: (info) => retries.push(info),
  });
  return { clock, mock, breaker, changes, retries, driver };
}

const config = createDriverConfig({ sessionId: "fault-1", image: "alpine:3.20" });

describe("withPolicies with injected faults (MockDockerDriver)", () => {
  it("recovers from the first N injected retryable failures of each lifecycle call", async () => {
    const { clock, mock, driver, retries, breaker } = setup(10);
    mock.faults.failNext("createContainer", 2);
    const container = await drive(clock, driver.createContainer(config));
    mock.faults.failNext("startContainer", 3);
    await drive(clock, driver.startContainer(container.id));
    mock.faults.failNext("listContainers", 1);
    const listed = await drive(clock, driver.listContainers({ sessionId: "fault-1" }));

    expect(mock.faults.injected).toBe(6);
    expect(retries.map((r) => `${r.method}#${r.attempt}`)).toEqual([
      "createContainer#1",
      "createContainer#2",
      "startContainer#1",
      "startContainer#2",
      "startContainer#3",
      "listContainers#1",
    ]);
    // Retried creates failed definitely (ContainerCreationError), so exactly one container exists.
    expect(listed).toHaveLength(1);
    expect(listed[0]?.status).toBe("running");
    expect((await driver.getContainer(container.id))?.status).toBe("running");
    expect(breaker.state).toBe("closed");
  });

  it("gives up after maxAttempts and reports the runtime's own error", async () => {
    const { clock, mock, driver } = setup(100);
    const container = await drive(clock, driver.createContainer(config));
    mock.faults.failNext("startContainer", 4);
    await expect(drive(clock, driver.startContainer(container.id))).rejects.toBeInstanceOf(ContainerStartError);
    expect(mock.faults.injected).toBe(4);
    expect((await driver.getContainer(container.id))?.status).toBe("created");
  });

  it("with persistent faults the breaker opens, keeps calls from the runtime, and closes after recovery", async () => {
    const { clock, mock, driver, breaker, changes } = setup(3);
    const container = await drive(clock, driver.createContainer(config));
    mock.faults.failRate("*", 1, { seed: 1 });

    // Three counted failures (within one call's retries) open the circuit; retrying stops there and the
    // caller gets the runtime's failure, not the breaker's refusal.
    const first = await drive(clock, driver.listContainers()).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(NetworkError);
    expect(breaker.state).toBe("open");
    const injectedWhenOpened = mock.faults.injected;
    expect(injectedWhenOpened).toBe(3);

    // While open, calls are refused at once and never reach the runtime.
    for (const call of [() => driver.listContainers(), () => driver.startContainer(container.id)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect((error as CircuitOpenError).retryAt).toBe(breaker.retryAt);
    }
    expect(mock.faults.injected).toBe(injectedWhenOpened);

    // healthCheck still answers (and never throws) while the circuit is open.
    const health = await driver.healthCheck();
    expect(health.status).toBe("unhealthy");
    expect(typeof health.error).toBe("string");

    // Still failing at the half-open trial: the circuit opens again.
    await clock.advance(10_000);
    expect(breaker.state).toBe("half-open");
    await expect(driver.listContainers()).rejects.toBeInstanceOf(NetworkError);
    expect(breaker.state).toBe("open");

    // The runtime recovers: the next trial succeeds and the circuit closes.
    mock.faults.clear();
    await clock.advance(10_000);
    await expect(drive(clock, driver.startContainer(container.id))).resolves.toBeUndefined();
    expect(breaker.state).toBe("closed");
    await expect(driver.listContainers()).resolves.toHaveLength(1);

    expect(changes.map(({ from, to }) => `${from}->${to}`)).toEqual([
      "closed->open",
      "open->half-open",
      "half-open->open",
      "open->half-open",
      "half-open->closed",
    ]);
  });
});

describe("withPolicies keeps a conforming driver conforming", () => {
  it("passes the conformance core tier when wrapping MockDockerDriver", async () => {
    const inner = new WeakMap<ContainerDriver, MockDockerDriver>();
    const mockOf = (driver: ContainerDriver) => {
      const mock = inner.get(driver);
      if (mock === undefined) throw new Error("not a wrapped mock");
      return mock;
    };
    const report = await runConformance(
      () => {
        const mock = new MockDockerDriver({ timing: "instant" });
        const wrapped = withPolicies(mock);
        inner.set(wrapped, mock);
        return wrapped;
      },
      {
        tiers: ["core"],
        timeoutMs: 5_000,
        limits: { ...DOCKER_PROFILE.limits },
        arrange: {
          paused: (driver, id) => void mockOf(driver).simulate.pause(id),
          dead: (driver, id) => void mockOf(driver).simulate.die(id),
          exited: (driver, id) => void mockOf(driver).simulate.exit(id, 0),
        },
      },
    );
    const failures = report.results.filter((result) => result.status === "failed");
    expect(failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.summary.passed).toBeGreaterThan(0);
  }, 60_000);
});
