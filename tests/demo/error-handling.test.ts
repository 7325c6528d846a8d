/**
 * Handling the contract's errors: telling them apart, retrying only what may
 * succeed, recovering, logging and reporting, messages people can act on,
 * consistency across drivers, preventing errors by validating first, and
 * circuit breaking. Faults come from the mocks' fault injection; waits run on
 * an injected clock.
 */
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/clock.js";
import {
  CircuitOpenError,
  ConfigurationError,
  ContainerCreationError,
  ContainerNotFoundError,
  ContainerStartError,
  DriverError,
  getErrorCode,
  getErrorMessage,
  isDriverError,
  isRetryableError,
  NetworkNotFoundError,
  ResourceLimitError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../src/errors.js";
import { CircuitBreaker } from "../../src/resilience/circuit-breaker.js";
import { withRetry } from "../../src/resilience/retry.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import { containerConfigIssues, parseContainerConfig } from "../../src/validation.js";
import { MockDockerDriver, MockLocalDriver } from "../mocks/index.js";
import { bothInstant, config, settle } from "./helpers.js";

/** Cleanup that may run twice: a container that is already gone counts as removed. */
async function removeIfPresent(driver: ContainerDriver, id: string): Promise<boolean> {
  try {
    await driver.removeContainer(id);
    return true;
  } catch (error) {
    if (error instanceof ContainerNotFoundError) return false;
    throw error;
  }
}

/** What an API would answer a user: status and message by error code, never a stack trace. */
function toUserResponse(error: unknown): { status: number; code: string; message: string } {
  const code = getErrorCode(error);
  const status =
    code === "CONFIGURATION_INVALID" || code === "RESOURCE_LIMIT_EXCEEDED"
      ? 400
      : code.endsWith("_NOT_FOUND")
        ? 404
        : isRetryableError(error)
          ? 503
          : 500;
  return { status, code, message: getErrorMessage(error) };
}

describe("error handling", () => {
  describe("error types", () => {
    it("each failure has its own class, all of them DriverErrors", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const failures = [
        await driver.startContainer("missing").catch((e) => e),
        await driver.createContainer(config({ resources: { cpu: 8 } })).catch((e) => e),
        await driver.createContainer(config({ network: "nowhere" })).catch((e) => e),
        await driver.createContainer(config({ volumes: [{ source: "none-such", target: "/x" }] })).catch((e) => e),
        await driver.createContainer(config({ image: "" })).catch((e) => e),
      ];
      expect(failures.map((e) => e.constructor)).toEqual([
        ContainerNotFoundError,
        ResourceLimitError,
        NetworkNotFoundError,
        VolumeNotFoundError,
        ConfigurationError,
      ]);
      for (const error of failures) expect(error).toBeInstanceOf(DriverError);
    });

    it("codes are stable strings to switch on, and anything else is UNKNOWN_ERROR", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      const error = await driver.removeContainer("missing").catch((e) => e);
      expect(getErrorCode(error)).toBe("CONTAINER_NOT_FOUND");
      expect(getErrorCode(new Error("plain"))).toBe("UNKNOWN_ERROR");
      expect(getErrorCode("thrown string")).toBe("UNKNOWN_ERROR");
    });

    it("retryable flags say which failures may pass on a second try", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      driver.faults.failNext("createContainer", 1);
      const transient = await driver.createContainer(config()).catch((e) => e);
      const permanent = await driver.createContainer(config({ resources: { memory: 1e9 } })).catch((e) => e);
      expect(transient).toBeInstanceOf(ContainerCreationError);
      expect(isRetryableError(transient)).toBe(true);
      expect(isRetryableError(permanent)).toBe(false);
      expect(isRetryableError(new Error("unknown"))).toBe(false);
    });
  });

  describe("retry logic", () => {
    it("retries a retryable failure until it passes, leaving exactly one container", async () => {
      const clock = createManualClock();
      const driver = new MockLocalDriver({ timing: "instant", clock });
      driver.faults.failNext("createContainer", 2);
      let attempts = 0;
      const container = await settle(
        clock,
        withRetry(
          () => {
            attempts++;
            return driver.createContainer(config());
          },
          { maxAttempts: 5, clock, jitter: "none" },
        ),
      );
      expect(attempts).toBe(3);
      expect((await driver.listContainers()).map((c) => c.id)).toEqual([container.id]);
    });

    it("does not retry what cannot succeed", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      let attempts = 0;
      const error = await withRetry(
        () => {
          attempts++;
          return driver.startContainer("missing");
        },
        { maxAttempts: 5 },
      ).catch((e) => e);
      expect(error).toBeInstanceOf(ContainerNotFoundError);
      expect(attempts).toBe(1);
    });

    it("gives up after the last attempt with the last error, after exponential waits", async () => {
      const clock = createManualClock();
      const driver = new MockDockerDriver({ timing: "instant", clock });
      const { id } = await driver.createContainer(config());
      driver.faults.failRate("startContainer", 1);
      const startedAt = clock.now();
      const waits: number[] = [];
      const error = await settle(
        clock,
        withRetry(() => driver.startContainer(id), {
          maxAttempts: 4,
          baseDelayMs: 50,
          jitter: "none",
          clock,
          onRetry: ({ delayMs }) => waits.push(delayMs),
        }).catch((e) => e),
      );
      expect(error).toBeInstanceOf(ContainerStartError);
      expect(waits).toEqual([50, 100, 200]);
      expect(clock.now() - startedAt).toBeGreaterThanOrEqual(350);
      expect(driver.faults.injected).toBe(4);
    });

    it("with a seeded failure rate, the same run fails the same way every time", async () => {
      const run = async () => {
        const clock = createManualClock();
        const driver = new MockLocalDriver({ timing: "instant", clock });
        driver.faults.failRate("*", 0.5, { seed: 42 });
        const attempts: number[] = [];
        for (let i = 0; i < 10; i++) {
          let count = 0;
          await settle(
            clock,
            withRetry(
              () => {
                count++;
                return driver.listContainers();
              },
              { maxAttempts: 20, clock, jitter: "none", baseDelayMs: 1 },
            ),
          );
          attempts.push(count);
        }
        return attempts;
      };
      const first = await run();
      expect(await run()).toEqual(first);
      expect(first.some((count) => count > 1)).toBe(true);
    });
  });

  describe("recovery strategies", () => {
    it("replaces a dead container that can no longer start", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const { id } = await driver.createContainer(config({ labels: { app: "worker" } }));
      await driver.startContainer(id);
      driver.simulate.die(id);
      const startOrReplace = async (containerId: string) => {
        try {
          await driver.startContainer(containerId);
          return containerId;
        } catch (error) {
          if (!(error instanceof ContainerStartError)) throw error;
          const old = await driver.getContainer(containerId);
          await driver.removeContainer(containerId);
          const fresh = await driver.createContainer(config({ labels: old?.labels ?? {} }));
          await driver.startContainer(fresh.id);
          return fresh.id;
        }
      };
      const replacement = await startOrReplace(id);
      expect(replacement).not.toBe(id);
      expect(await driver.listContainers({ label: { app: "worker" }, status: "running" })).toHaveLength(1);
    });

    it("frees a volume in use by removing the containers the error names", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      await driver.createVolume({ name: "scratch" });
      for (let i = 0; i < 2; i++) {
        await driver.createContainer(config({ volumes: [{ source: "scratch", target: "/tmp/s" }] }));
      }
      const error = await driver.removeVolume("scratch").catch((e) => e);
      expect(error).toBeInstanceOf(VolumeRemoveError);
      for (const id of error.context.containerIds as string[]) await driver.removeContainer(id);
      await expect(driver.removeVolume("scratch")).resolves.toBeUndefined();
    });

    it("makes cleanup idempotent by treating not-found as done", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const { id } = await driver.createContainer(config());
      expect(await removeIfPresent(driver, id)).toBe(true);
      expect(await removeIfPresent(driver, id)).toBe(false);
      driver.faults.failNext("removeContainer", 1);
      await expect(removeIfPresent(driver, id)).rejects.toSatisfy(isRetryableError);
    });
  });

  describe("logging and reporting", () => {
    it("toJSON gives a loggable record with the driver's context and no cause", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      driver.faults.failNext("listContainers", 1, () =>
        Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      );
      const error = await driver.listContainers().catch((e) => e);
      const logged = JSON.parse(JSON.stringify(error));
      expect(logged).toMatchObject({ name: error.name, code: error.code, retryable: error.retryable });
      expect(logged.context).toMatchObject({ operation: "listContainers", driver: "mock-docker" });
      expect(JSON.stringify(error)).not.toContain("stack");
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it("maps errors to API responses by code", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      driver.faults.failNext("startContainer", 1);
      const { id } = await driver.createContainer(config());
      expect(toUserResponse(await driver.startContainer(id).catch((e) => e)).status).toBe(503);
      expect(toUserResponse(await driver.getContainerLogs("x").catch((e) => e)).status).toBe(404);
      expect(toUserResponse(await driver.createContainer(config({ image: "" })).catch((e) => e)).status).toBe(400);
      expect(toUserResponse("boom")).toEqual({ status: 500, code: "UNKNOWN_ERROR", message: "boom" });
    });
  });

  describe("user-friendly messages", () => {
    it("say what failed, for which id, and what to do", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const missing = await driver.stopContainer("c-404").catch((e) => e);
      expect(missing.message).toContain("'c-404'");
      expect(missing.message).toMatch(/list containers/);
      const limit = await driver.createContainer(config({ resources: { cpu: 6 } })).catch((e) => e);
      expect(limit.message).toMatch(/cpu 6 exceeds .* limit of 4: ask for at most 4/);
      const invalid = await driver.createContainer(config({ sessionId: "bad id!" })).catch((e) => e);
      expect(invalid.message).toContain("sessionId");
    });
  });

  describe("cross-driver consistency", () => {
    it("the same mistake gives the same class and code on both drivers", async () => {
      const { docker, local } = bothInstant();
      const mistakes = (driver: ContainerDriver) => [
        driver.startContainer("missing"),
        driver.createContainer(config({ network: "nowhere" })),
        driver.removeVolume("nowhere"),
        driver.listContainers({ status: "sleeping" } as never),
        driver.createNetwork({ name: "none" }),
      ];
      const codes = async (driver: ContainerDriver) =>
        Promise.all(mistakes(driver).map((call) => (call as Promise<unknown>).then(() => "ok", getErrorCode)));
      const dockerCodes = await codes(docker);
      expect(await codes(local)).toEqual(dockerCodes);
      expect(dockerCodes).toEqual([
        "CONTAINER_NOT_FOUND",
        "NETWORK_NOT_FOUND",
        "VOLUME_NOT_FOUND",
        "CONFIGURATION_INVALID",
        "CONFIGURATION_INVALID",
      ]);
    });
  });

  describe("prevention by validation", () => {
    it("checks a config before calling the driver, and fixes it from the reported paths", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      const draft = config({ sessionId: "", env: { "BAD-NAME": "1" } });
      const issues = containerConfigIssues(draft);
      expect(issues.map((issue) => issue.path).sort()).toEqual(["env.BAD-NAME", "sessionId"]);
      const fixed = parseContainerConfig({ ...draft, sessionId: "session-9", env: { BAD_NAME: "1" } });
      await expect(driver.createContainer(fixed)).resolves.toMatchObject({ sessionId: "session-9" });
      expect(isDriverError(await driver.createContainer(draft).catch((e) => e))).toBe(true);
    });
  });

  describe("circuit breaker", () => {
    it("opens after repeated failures, stops calling the driver, and closes after a good trial", async () => {
      const clock = createManualClock();
      const driver = new MockDockerDriver({ timing: "instant", clock });
      const breaker = new CircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 5_000, clock });
      const changes: string[] = [];
      breaker.onStateChange(({ from, to }) => changes.push(`${from}->${to}`));
      driver.faults.failRate("*", 1);
      for (let i = 0; i < 3; i++) await breaker.execute(() => driver.listContainers()).catch(() => undefined);
      expect(breaker.state).toBe("open");
      const refused = await breaker.execute(() => driver.listContainers()).catch((e) => e);
      expect(refused).toBeInstanceOf(CircuitOpenError);
      expect(refused.retryAt).toBe(5_000);
      expect(driver.faults.injected).toBe(3);
      driver.faults.clear();
      await clock.advance(5_000);
      await expect(breaker.execute(() => driver.listContainers())).resolves.toEqual([]);
      expect(changes).toEqual(["closed->open", "open->half-open", "half-open->closed"]);
    });

    it("does not open for the caller's own mistakes, which are not runtime failures", async () => {
      const breaker = new CircuitBreaker({ failureThreshold: 2 });
      const driver = new MockLocalDriver({ timing: "instant" });
      for (let i = 0; i < 5; i++) {
        await breaker.execute(() => driver.startContainer("missing")).catch(() => undefined);
        await breaker.execute(() => driver.createContainer(config({ resources: { cpu: 64 } }))).catch(() => undefined);
      }
      expect(breaker.state).toBe("closed");
    });
  });
});
