/**
 * The two mocks side by side: what differs (limits, timing, endpoints, ids,
 * error vocabulary) and what must not (the contract: statuses, states, error
 * classes and codes, filters, counts).
 */
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/clock.js";
import {
  ContainerNotFoundError,
  getErrorCode,
  isRetryableError,
  NetworkError,
  ResourceLimitError,
  TimeoutError,
  VolumeRemoveError,
} from "../../src/errors.js";
import { DRIVER_METHODS } from "../../src/contract/methods.js";
import { ContainerInstanceSchema, type ResourceLimits } from "../../src/contract/schemas.js";
import { type MockDriver, MockDockerDriver, MockLocalDriver } from "../mocks/index.js";
import { bothInstant, config, elapsed } from "./helpers.js";

/** The same scenario on any driver; returns what it observed at each step. */
async function scenario(driver: MockDriver): Promise<string[]> {
  const seen: string[] = [];
  const note = async (id: string) => {
    const container = await driver.getContainer(id);
    seen.push(container === null ? "gone" : `${container.status}/${container.state}/${container.exitCode ?? "-"}`);
  };
  const { id } = await driver.createContainer(config());
  await note(id);
  await driver.startContainer(id);
  await note(id);
  await driver.stopContainer(id, { force: true });
  await note(id);
  await driver.startContainer(id);
  driver.simulate.exit(id, 1);
  await note(id);
  await driver.removeContainer(id);
  await note(id);
  return seen;
}

describe("mock-docker and mock-local compared", () => {
  it("both implement every method of the contract, under different names", () => {
    const { docker, local } = bothInstant();
    for (const method of DRIVER_METHODS) {
      expect(typeof docker[method]).toBe("function");
      expect(typeof local[method]).toBe("function");
    }
    expect([docker.name, local.name]).toEqual(["mock-docker", "mock-local"]);
    expect(docker.version).toBe(local.version);
  });

  it("declare the same capabilities: commands run, but no isolation or limits are enforced", () => {
    const { docker, local } = bothInstant();
    expect(docker.capabilities).toEqual(local.capabilities);
    expect(docker.capabilities).toContain("execution");
    expect(docker.capabilities).not.toContain("isolation");
    expect(docker.capabilities).not.toContain("limits");
  });

  it("offer different CPU maxima: 4.0 cores on mock-docker, 2.0 on mock-local", async () => {
    const { docker, local } = bothInstant();
    expect([docker.profile.limits.cpu, local.profile.limits.cpu]).toEqual([4, 2]);
    await expect(docker.createContainer(config({ resources: { cpu: 3 } }))).resolves.toBeDefined();
    const error = await local.createContainer(config({ resources: { cpu: 3 } })).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error).toMatchObject({ resource: "cpu", limit: 2, requested: 3 });
  });

  it("accept exactly up to each of their own limits", async () => {
    for (const driver of Object.values(bothInstant())) {
      for (const resource of ["cpu", "memory", "disk", "pids"] as const) {
        const limit = driver.profile.limits[resource];
        const at: Partial<ResourceLimits> = { [resource]: limit };
        const above: Partial<ResourceLimits> = { [resource]: limit + 1 };
        await expect(driver.createContainer(config({ resources: at }))).resolves.toBeDefined();
        await expect(driver.createContainer(config({ resources: above }))).rejects.toBeInstanceOf(ResourceLimitError);
      }
    }
  });

  it("take 100-200 ms (docker) and 200-300 ms (local) per operation, on an injected clock", async () => {
    for (const [Driver, min, max] of [
      [MockDockerDriver, 100, 200],
      [MockLocalDriver, 200, 300],
    ] as const) {
      const clock = createManualClock();
      const driver = new Driver({ clock, seed: 5 });
      const durations: number[] = [];
      for (let i = 0; i < 10; i++) durations.push(await elapsed(clock, () => driver.listContainers()));
      expect(Math.min(...durations)).toBeGreaterThanOrEqual(min);
      expect(Math.max(...durations)).toBeLessThanOrEqual(max);
    }
  });

  it("mock-local is slower than mock-docker for the same work", async () => {
    const work = async (driver: MockDriver) => {
      const { id } = await driver.createContainer(config());
      await driver.startContainer(id);
      await driver.stopContainer(id);
      await driver.removeContainer(id);
    };
    const dockerClock = createManualClock();
    const localClock = createManualClock();
    const dockerTime = await elapsed(dockerClock, () => work(new MockDockerDriver({ clock: dockerClock })));
    const localTime = await elapsed(localClock, () => work(new MockLocalDriver({ clock: localClock })));
    expect(dockerTime).toBeLessThanOrEqual(4 * 200 + 4); // + rounding to whole clock steps
    expect(localTime).toBeGreaterThanOrEqual(4 * 200);
    expect(localTime).toBeGreaterThan(dockerTime);
  });

  it("expose Docker-like TCP endpoints versus local unix sockets", async () => {
    const { docker, local } = bothInstant();
    const ports = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const container = await docker.createContainer(config());
      expect(container.endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d{5}$/);
      ports.add(container.endpoint);
    }
    expect(ports.size).toBe(3);
    const container = await local.createContainer(config());
    expect(container.endpoint).toBe(`unix:///run/openagent/${container.id}.sock`);
  });

  it("shape ids differently: 64 hex digits versus short sequential ids", async () => {
    const { docker, local } = bothInstant();
    expect((await docker.createContainer(config())).id).toMatch(/^[0-9a-f]{64}$/);
    expect((await local.createContainer(config())).id).toBe("local-ctr-1");
    expect((await docker.createVolume({ name: "v" })).id).toMatch(/^[0-9a-f]{64}$/);
    expect((await local.createNetwork({ name: "n" })).id).toBe("local-net-1");
  });

  it("report a missing container with the same class and code, but their own context", async () => {
    const { docker, local } = bothInstant();
    const [fromDocker, fromLocal] = await Promise.all([
      docker.stopContainer("ghost").catch((e) => e),
      local.stopContainer("ghost").catch((e) => e),
    ]);
    for (const error of [fromDocker, fromLocal]) {
      expect(error).toBeInstanceOf(ContainerNotFoundError);
      expect(getErrorCode(error)).toBe("CONTAINER_NOT_FOUND");
    }
    expect(fromDocker.context).toMatchObject({ driver: "mock-docker", statusCode: 404 });
    expect(fromLocal.context).toMatchObject({ driver: "mock-local", errno: "ENOENT" });
  });

  it("fail differently when the runtime does not answer: NetworkError versus TimeoutError, both retryable", async () => {
    const { docker, local } = bothInstant();
    docker.faults.failNext("getContainer", 1);
    local.faults.failNext("getContainer", 1);
    const fromDocker = await docker.getContainer("x").catch((e) => e);
    const fromLocal = await local.getContainer("x").catch((e) => e);
    expect(fromDocker).toBeInstanceOf(NetworkError);
    expect(fromLocal).toBeInstanceOf(TimeoutError);
    expect(isRetryableError(fromDocker) && isRetryableError(fromLocal)).toBe(true);
  });

  it("move through the same statuses, states and exit codes for the same calls", async () => {
    const { docker, local } = bothInstant();
    const [dockerSteps, localSteps] = [await scenario(docker), await scenario(local)];
    expect(dockerSteps).toEqual(localSteps);
    expect(dockerSteps).toEqual([
      "created/terminated/-",
      "running/running/-",
      "stopped/terminated/137",
      "exited/error/1",
      "gone",
    ]);
  });

  it("answer the same filters with the same containers and the same health counts", async () => {
    const { docker, local } = bothInstant();
    const summarise = async (driver: MockDriver) => {
      for (const [sessionId, role] of [
        ["a", "web"],
        ["a", "db"],
        ["b", "web"],
      ] as const) {
        const { id } = await driver.createContainer(config({ sessionId, labels: { role } }));
        if (role === "web") await driver.startContainer(id);
      }
      const names = async (filter: Parameters<MockDriver["listContainers"]>[0]) =>
        (await driver.listContainers(filter)).map((c) => `${c.sessionId}:${c.labels.role}:${c.status}`);
      return {
        web: await names({ label: { role: "web" } }),
        sessionA: await names({ sessionId: "a" }),
        running: await names({ state: "running" }),
        health: (await driver.healthCheck()).containers,
      };
    };
    const dockerSummary = await summarise(docker);
    expect(await summarise(local)).toEqual(dockerSummary);
    expect(dockerSummary.health).toEqual({ total: 3, running: 2, stopped: 1 });
  });

  it("store volumes in their own places but protect them the same way", async () => {
    const { docker, local } = bothInstant();
    const dockerVolume = await docker.createVolume({ name: "data" });
    const localVolume = await local.createVolume({ name: "data" });
    expect(dockerVolume).toMatchObject({ driver: "local", mountpoint: "/var/lib/docker/volumes/data/_data" });
    expect(localVolume).toMatchObject({ driver: "host-directory", mountpoint: "/var/lib/openagent/volumes/data" });
    for (const driver of [docker, local]) {
      await driver.createContainer(config({ volumes: [{ source: "data", target: "/data" }] }));
      await expect(driver.removeVolume("data")).rejects.toBeInstanceOf(VolumeRemoveError);
    }
  });

  it("both return instances that satisfy the contract's schema", async () => {
    for (const driver of Object.values(bothInstant())) {
      const { id } = await driver.createContainer(config({ labels: { a: "b" } }));
      await driver.startContainer(id);
      const listed = await driver.listContainers();
      for (const container of listed) expect(ContainerInstanceSchema.safeParse(container).success).toBe(true);
    }
  });

  it("write the same log lines for the same events", async () => {
    const { docker, local } = bothInstant();
    const logsOf = async (driver: MockDriver) => {
      const { id } = await driver.createContainer(config({ command: ["sh", "-c", "echo hello world; echo oops >&2"] }));
      await driver.startContainer(id);
      await driver.getContainerLogs(id, { follow: true });
      return {
        stdout: await driver.getContainerLogs(id, { stream: "stdout" }),
        all: await driver.getContainerLogs(id),
      };
    };
    const dockerLogs = await logsOf(docker);
    expect(await logsOf(local)).toEqual(dockerLogs);
    expect(dockerLogs).toEqual({ stdout: "hello world\n", all: "hello world\noops\n" });
  });
});
