import { describe, expect, it } from "vitest";
import {
  CONFORMANCE_CASES,
  type ConformanceProgress,
  errorContractViolation,
  reachableOutcomes,
  resolveConformanceOptions,
  runConformance,
  selectCases,
} from "../../src/conformance/index.js";
import {
  ContainerNotFoundError,
  DriverError,
  isDriverError,
  VolumeCreationError,
  VolumeNotFoundError,
} from "../../src/errors.js";
import { type ContainerDriver, DRIVER_CAPABILITIES } from "../../src/contract/driver.js";
import { CONTAINER_STATUSES } from "../../src/contract/schemas.js";
import { MockDockerDriver } from "../mocks/index.js";
import { breakMock, conformanceOptions } from "../fixtures/broken-driver.js";
import { BROKEN_DRIVERS } from "../fixtures/index.js";

const instant = () => new MockDockerDriver({ timing: "instant" });

describe("case data", () => {
  it("ids are unique and every id is dotted lower-case words", () => {
    const ids = CONFORMANCE_CASES.map((conformanceCase) => conformanceCase.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z-]+(\.[a-zA-Z-]+)+$/);
  });

  it("every cell of the transition table is a case", () => {
    for (const operation of ["start", "stop", "remove"]) {
      for (const status of CONTAINER_STATUSES) {
        expect(CONFORMANCE_CASES.map((c) => c.id)).toContain(`lifecycle.${operation}.from-${status}`);
      }
    }
  });

  it("cleanup.run.nothing-left runs last", () => {
    expect(CONFORMANCE_CASES.at(-1)?.id).toBe("cleanup.run.nothing-left");
  });
});

describe("selectCases", () => {
  it("keeps the cases whose id contains a filter string", () => {
    const selected = selectCases({ filter: "lifecycle.start." });
    expect(selected.map((c) => c.id)).toEqual(
      CONFORMANCE_CASES.filter((c) => c.id.startsWith("lifecycle.start.")).map((c) => c.id),
    );
  });

  it("keeps the cases matching a pattern, also a global one used twice", () => {
    const pattern = /^errors\.not-found\.(start|stop)Container$/g;
    expect(selectCases({ filter: pattern }).map((c) => c.id)).toEqual([
      "errors.not-found.startContainer",
      "errors.not-found.stopContainer",
    ]);
    expect(selectCases({ filter: pattern })).toHaveLength(2);
  });

  it("keeps only the chosen tiers", () => {
    expect(selectCases({ tiers: ["execution"] }).every((c) => c.tier === "execution")).toBe(true);
    expect(selectCases({ tiers: ["core"] }).some((c) => c.tier === "execution")).toBe(false);
  });
});

describe("resolveConformanceOptions", () => {
  it("applies the defaults", () => {
    const resolved = resolveConformanceOptions();
    expect(resolved.timeoutMs).toBe(30_000);
    expect(resolved.pollIntervalMs).toBe(50);
    expect(resolved.tiers).toEqual(["core", ...DRIVER_CAPABILITIES]);
    expect(resolved.runId).toMatch(/^[a-z0-9]{8}$/);
  });

  it.each([{ timeoutMs: 0 }, { timeoutMs: Number.NaN }, { pollIntervalMs: -1 }, { runId: "Has Spaces" }])(
    "refuses %o with a ConfigurationError",
    (options) => {
      expect(() => resolveConformanceOptions(options)).toThrow(
        expect.objectContaining({ code: "CONFIGURATION_INVALID" }),
      );
    },
  );
});

describe("errorContractViolation", () => {
  it("accepts a contract error with its own flag", () => {
    expect(errorContractViolation(new ContainerNotFoundError("x"))).toBeUndefined();
  });

  it("refuses a plain Error, a thrown string, an unknown code and a wrong flag", () => {
    expect(errorContractViolation(new Error("boom"))).toMatch(/not a DriverError/);
    expect(errorContractViolation("boom")).toMatch(/not a DriverError/);
    expect(errorContractViolation(new DriverError("x", "MY_OWN_CODE", false))).toMatch(
      /not one of the contract's codes/,
    );
    const flipped = new VolumeCreationError("v", "taken");
    Object.defineProperty(flipped, "retryable", { value: false });
    expect(errorContractViolation(flipped)).toMatch(/retryable flag is false/);
  });
});

describe("reachableOutcomes", () => {
  it("is every status some order of the operations leaves", () => {
    expect([...reachableOutcomes("running", ["stop", "start"])].sort()).toEqual(["running", "stopped"]);
    expect([...reachableOutcomes("running", ["remove", "start"])]).toEqual(["gone"]);
    expect([...reachableOutcomes("created", [])]).toEqual(["created"]);
  });
});

describe("runConformance", () => {
  it("reports identity, counts and ok for a conformant driver, and emits progress in order", async () => {
    const events: ConformanceProgress["type"][] = [];
    const report = await runConformance(instant, {
      ...conformanceOptions,
      filter: "identity.",
      onProgress: (event) => events.push(event.type),
    });
    expect(report.driver).toEqual({ name: "mock-docker", version: "1.0.0", capabilities: [], optionalMethods: [] });
    expect(report.summary).toEqual({ total: 4, passed: 4, failed: 0, skipped: 0 });
    expect(report.ok).toBe(true);
    expect(events).toEqual(["run-start", ...Array(4).fill(["case-start", "case-end"]).flat(), "run-end"]);
  });

  it("skips, never passes, the cases of a capability the driver does not declare", async () => {
    const report = await runConformance(instant, { tiers: ["execution"] });
    expect(report.results.length).toBeGreaterThan(0);
    for (const result of report.results) {
      expect(result.status).toBe("skipped");
      expect(result.reason).toMatch(/does not declare the "execution" capability/);
    }
  });

  it("runs the cases of a declared capability (and a mock that runs no command fails them)", async () => {
    const pretender = (): ContainerDriver => Object.assign(instant(), { capabilities: ["execution"] as const });
    const report = await runConformance(pretender, {
      filter: "execution.exit-code.failure",
      timeoutMs: 200,
      pollIntervalMs: 5,
    });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]?.status).toBe("failed");
  });

  it("skips the cells of statuses nothing can reach, with the reason", async () => {
    const report = await runConformance(instant, { filter: "lifecycle.stop.from-" });
    const skipped = report.results.filter((result) => result.status === "skipped").map((result) => result.id);
    expect(skipped.sort()).toEqual([
      "lifecycle.stop.from-dead",
      "lifecycle.stop.from-exited",
      "lifecycle.stop.from-paused",
      "lifecycle.stop.from-removing",
    ]);
    for (const result of report.results.filter((r) => r.status === "skipped")) {
      expect(result.reason).toMatch(/cannot be reached through the ContainerDriver interface/);
    }
  });

  it("skips the declared-limit cases when no limits are given", async () => {
    const report = await runConformance(instant, { filter: "limits.declared" });
    expect(report.results.map((result) => result.status)).toEqual(["skipped", "skipped"]);
  });

  it("fails a case that runs out of time, with a message that says so", async () => {
    const hanging = () => breakMock("hanging", () => ({ startContainer: () => new Promise<void>(() => undefined) }));
    const report = await runConformance(hanging, { filter: "lifecycle.start.from-created", timeoutMs: 50 });
    expect(report.results[0]?.status).toBe("failed");
    expect(report.results[0]?.error).toMatch(/timed out after 50 ms/);
  });

  it("fails a case whose driver rejects with something that is not a DriverError, and says which call", async () => {
    const plain = () => breakMock("plain", () => ({ healthCheck: () => Promise.reject(new Error("engine down")) }));
    const report = await runConformance(plain, { filter: "health.check.shape" });
    expect(report.results[0]?.status).toBe("failed");
    expect(report.results[0]?.error).toMatch(
      /healthCheck rejected with Error "engine down", which is not a DriverError/,
    );
  });

  it("fails identity.methods for a driver that lacks a method, and names the method where a case calls it", async () => {
    const partial = () => {
      const driver: Partial<ContainerDriver> = { ...breakMock("partial", () => ({})) };
      delete driver.removeNetwork;
      return driver as ContainerDriver;
    };
    const report = await runConformance(partial, { filter: /^(identity\.methods|networks\.remove\.removes)$/ });
    expect(report.results.map((result) => [result.id, result.status])).toEqual([
      ["identity.methods", "failed"],
      ["networks.remove.removes", "failed"],
    ]);
    expect(report.results[0]?.error).toBe("the driver lacks removeNetwork");
    expect(report.results[1]?.error).toMatch(/the driver has no method removeNetwork/);
  });

  it("reports a method that throws instead of returning a rejected promise", async () => {
    const eager = () =>
      breakMock("eager", (inner) => ({
        removeVolume: (id: string) => {
          if (id.startsWith("missing")) throw new VolumeNotFoundError(id);
          return inner.removeVolume(id);
        },
      }));
    const report = await runConformance(eager, { filter: "errors.not-found.removeVolume" });
    expect(report.results[0]?.error).toMatch(/removeVolume threw synchronously/);
  });

  it("reports an error with a code outside the contract", async () => {
    const ownCode = () =>
      breakMock("own-code", (inner) => ({
        createVolume: async (config) => {
          try {
            return await inner.createVolume(config);
          } catch (error) {
            throw isDriverError(error) ? new DriverError(error.message, "VOLUME_EXISTS", true) : error;
          }
        },
      }));
    const report = await runConformance(ownCode, { filter: "volumes.create.duplicate" });
    expect(report.results[0]?.error).toMatch(/VOLUME_EXISTS/);
  });

  it("fails a case when the factory throws, and rejects when it cannot make the first driver", async () => {
    let calls = 0;
    const flaky = () => {
      calls += 1;
      if (calls > 1) throw new Error("no more engines");
      return instant();
    };
    const report = await runConformance(flaky, { filter: "identity.name" });
    expect(report.results[0]?.error).toMatch(/factory threw: no more engines/);
    await expect(
      runConformance(() => {
        throw new Error("no engine");
      }),
    ).rejects.toThrow("no engine");
  });

  it("leaves nothing in any driver it made, even when a case fails because the driver leaks", async () => {
    const leaky = BROKEN_DRIVERS["leaks-helper-container"];
    if (leaky === undefined) throw new Error("fixture missing");
    const made: ContainerDriver[] = [];
    const factory = () => {
      const driver = leaky.createDriver();
      made.push(driver);
      return driver;
    };
    const report = await runConformance(factory, { ...leaky.conformanceOptions, tiers: ["core"] });
    expect(report.results.filter((result) => result.status === "failed").map((result) => result.id)).toEqual([
      "cleanup.case.nothing-left",
    ]);
    for (const driver of made) expect(await driver.listContainers()).toEqual([]);
  });
});
