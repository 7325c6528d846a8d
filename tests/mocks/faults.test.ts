/**
 * Fault injection of the mock drivers (tests/mocks/faults.ts): failNext, failures by
 * argument, delays, and what a fault leaves behind.
 */
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  ContainerCreationError,
  ContainerStartError,
  ContainerStopError,
  DriverError,
  isRetryableError,
  NetworkCreationError,
  NetworkError,
  ResourceLimitError,
  TimeoutError,
  VolumeCreationError,
} from "../../src/index.js";
import { LOCAL_PROFILE, MockDockerDriver, MockLocalDriver } from "./index.js";
import { config } from "./driver-harness.js";

describe("fault injection", () => {
  const instant = () => new MockDockerDriver({ timing: "instant" });

  it("failNext fails the next N calls of a method, with its default retryable error, then recovers", async () => {
    const driver = instant();
    driver.faults.failNext("createContainer", 2);
    for (let i = 0; i < 2; i++) {
      const error = await driver.createContainer(config()).catch((e) => e);
      expect(error).toBeInstanceOf(ContainerCreationError);
      expect(isRetryableError(error)).toBe(true);
      expect(error.context).toMatchObject({ injected: true, driver: "mock-docker" });
    }
    expect(await driver.listContainers()).toEqual([]);
    await expect(driver.createContainer(config())).resolves.toBeDefined();
    expect(driver.faults.injected).toBe(2);
  });

  it("gives each method a retryable default error appropriate to it", async () => {
    const driver = instant();
    const { id } = await driver.createContainer(config());
    driver.faults.failNext("startContainer", 1).failNext("stopContainer", 1).failNext("getContainer", 1);
    driver.faults.failNext("createVolume", 1).failNext("createNetwork", 1);
    const errors = [
      await driver.startContainer(id).catch((e) => e),
      await driver.stopContainer(id).catch((e) => e),
      await driver.getContainer(id).catch((e) => e),
      await driver.createVolume({ name: "v" }).catch((e) => e),
      await driver.createNetwork({ name: "n" }).catch((e) => e),
    ];
    expect(errors.map((e) => e.constructor)).toEqual([
      ContainerStartError,
      ContainerStopError,
      NetworkError,
      VolumeCreationError,
      NetworkCreationError,
    ]);
    for (const error of errors) expect(isRetryableError(error)).toBe(true);
  });

  it("uses the caller's error, mapping a plain Error to a contract error", async () => {
    const driver = instant();
    const custom = new ContainerStopError("x", "custom");
    driver.faults.failNext("listContainers", 1, () => custom);
    await expect(driver.listContainers()).rejects.toBe(custom);
    driver.faults.failNext("listContainers", 1, () => Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    const mapped = await driver.listContainers().catch((e) => e);
    expect(mapped).toBeInstanceOf(DriverError);
    expect(mapped.context).toMatchObject({ operation: "listContainers", driver: "mock-docker" });
  });

  it("treats an error factory that throws like one that returns the error", async () => {
    const driver = instant();
    driver.faults.failNext("getContainer", 1, () => {
      throw new Error("factory threw");
    });
    const error = await driver.getContainer("x").catch((e) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect(error.cause).toEqual(new Error("factory threw"));
  });

  it("does not use up a fault on a call that fails validation", async () => {
    const driver = instant();
    driver.faults.failNext("createContainer", 1);
    await expect(driver.createContainer(config({ image: "" }))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(driver.createContainer(config({ resources: { cpu: 64 } }))).rejects.toBeInstanceOf(ResourceLimitError);
    await expect(driver.createContainer(config())).rejects.toBeInstanceOf(ContainerCreationError);
  });

  it("failRate fails a seeded, reproducible share of calls; a method's rate replaces '*' for it", async () => {
    const outcomes = async (seed: number) => {
      const driver = instant();
      driver.faults.failRate("getContainer", 0.5, { seed });
      const results: boolean[] = [];
      for (let i = 0; i < 200; i++)
        results.push(
          await driver.getContainer("x").then(
            () => true,
            () => false,
          ),
        );
      return results;
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    const failures = first.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);

    const driver = instant();
    driver.faults.failRate("*", 1).failRate("getContainer", 0.000001);
    await expect(driver.getContainer("x")).resolves.toBeNull();
    await expect(driver.listContainers()).rejects.toBeInstanceOf(NetworkError);
    driver.faults.clear();
    await expect(driver.listContainers()).resolves.toEqual([]);
  });

  it("refuses unknown methods, bad counts and bad rates with ConfigurationError", () => {
    const driver = instant();
    expect(() => driver.faults.failNext("explode" as never, 1)).toThrow(ConfigurationError);
    expect(() => driver.faults.failNext("startContainer", -1)).toThrow(ConfigurationError);
    expect(() => driver.faults.failNext("startContainer", 1.5)).toThrow(ConfigurationError);
    expect(() => driver.faults.failRate("*", 1.5)).toThrow(ConfigurationError);
    expect(() => driver.faults.failRate("startContainer", Number.NaN)).toThrow(ConfigurationError);
    expect(() => driver.faults.failNext("startContainer", 1, "boom" as never)).toThrow(ConfigurationError);
  });

  it("words failures differently per profile: HTTP status for mock-docker, errno and timeouts for mock-local", async () => {
    const docker = instant();
    const local = new MockLocalDriver({ timing: "instant" });
    for (const driver of [docker, local]) driver.faults.failNext("removeContainer", 1);
    const dockerError = await docker.removeContainer("x").catch((e) => e);
    const localError = await local.removeContainer("x").catch((e) => e);
    expect(dockerError).toBeInstanceOf(NetworkError);
    expect(dockerError.context.statusCode).toBe(503);
    expect(localError).toBeInstanceOf(TimeoutError);
    expect(localError.timeout).toBe(LOCAL_PROFILE.timing.maxMs);

    const dockerMissing = await docker.startContainer("x").catch((e) => e);
    const localMissing = await local.startContainer("x").catch((e) => e);
    expect(dockerMissing.context).toMatchObject({
      driver: "mock-docker",
      operation: "startContainer",
      statusCode: 404,
    });
    expect(localMissing.context).toMatchObject({ driver: "mock-local", operation: "startContainer", errno: "ENOENT" });

    for (const driver of [docker, local]) await driver.createVolume({ name: "dup" });
    const dockerDup = await docker.createVolume({ name: "dup" }).catch((e) => e);
    const localDup = await local.createVolume({ name: "dup" }).catch((e) => e);
    expect(dockerDup.reason).toMatch(/^conflict:/);
    expect(dockerDup.context.statusCode).toBe(409);
    expect(localDup.reason).toMatch(/^EEXIST:/);
    expect(localDup.context.errno).toBe("EEXIST");
  });
});
