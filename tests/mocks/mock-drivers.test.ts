import { describe, expect, it } from "vitest";
import {
  CONTAINER_STATUSES,
  CONTAINER_TRANSITIONS,
  ConfigurationError,
  ContainerCreationError,
  ContainerInstanceSchema,
  ContainerNotFoundError,
  ContainerStartError,
  type ContainerStatus,
  ContainerStopError,
  createDriverConfig,
  createManualClock,
  DRIVER_METHODS,
  type DriverConfigInput,
  DriverError,
  DriverHealthSchema,
  isRetryableError,
  LIFECYCLE_OPERATIONS,
  NetworkCreationError,
  NetworkError,
  NetworkNotFoundError,
  NetworkRemoveError,
  NetworkSchema,
  ResourceLimitError,
  stateForStatus,
  statusesAfter,
  TimeoutError,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
  VolumeSchema,
} from "../../src/index.js";
import {
  DOCKER_PROFILE,
  LOCAL_PROFILE,
  MOCK_EXIT_CODES,
  MockDockerDriver,
  type MockDriver,
  type MockDriverOptions,
  MockLocalDriver,
} from "./index.js";

const drivers = [
  {
    label: "mock-docker",
    make: (options: MockDriverOptions = {}) => new MockDockerDriver(options),
    profile: DOCKER_PROFILE,
  },
  {
    label: "mock-local",
    make: (options: MockDriverOptions = {}) => new MockLocalDriver(options),
    profile: LOCAL_PROFILE,
  },
] as const;

const config = (input: DriverConfigInput = {}) =>
  createDriverConfig({ sessionId: "session-1", image: "alpine:3.20", ...input });

/**
 * Advance the manual clock until `promise` settles. `runAll` alone is not
 * enough when each sleep is only registered after the lock passes on, a few
 * promise turns after the previous one ended.
 */
async function settle<T>(clock: ReturnType<typeof createManualClock>, promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  for (let step = 0; step < 10_000 && !settled; step++) await clock.advance(10);
  return tracked;
}

/** Put a fresh container into `status` using only driver calls and runtime events. */
async function containerIn(driver: MockDriver, status: Exclude<ContainerStatus, "removing">): Promise<string> {
  const { id } = await driver.createContainer(config());
  if (status === "created") return id;
  await driver.startContainer(id);
  if (status === "stopped") await driver.stopContainer(id);
  if (status === "paused") driver.simulate.pause(id);
  if (status === "exited") driver.simulate.exit(id, 3);
  if (status === "dead") driver.simulate.die(id);
  return id;
}

describe.each(drivers)("$label", ({ label, make, profile }) => {
  const instant = () => make({ timing: "instant" });

  describe("identity", () => {
    it("has the profile's name and version and declares no execution capability", () => {
      const driver = instant();
      expect(driver.name).toBe(label);
      expect(driver.version).toBe("1.0.0");
      expect(driver.capabilities).toEqual([]);
      for (const method of DRIVER_METHODS) expect(typeof driver[method]).toBe("function");
    });

    it("reports containers that satisfy the instance schema, with the profile's endpoint format", async () => {
      const driver = instant();
      const container = await driver.createContainer(config({ labels: { team: "a" } }));
      expect(ContainerInstanceSchema.parse(container)).toEqual(container);
      expect(container).toMatchObject({ status: "created", state: "terminated", sessionId: "session-1" });
      expect(container.endpoint).toMatch(
        label === "mock-docker" ? /^tcp:\/\/127\.0\.0\.1:\d+$/ : /^unix:\/\/\/run\/openagent\/.+\.sock$/,
      );
      expect(container.id).toMatch(label === "mock-docker" ? /^[0-9a-f]{64}$/ : /^local-ctr-\d+$/);
    });
  });

  describe("createContainer", () => {
    it("validates before checking limits: an invalid config over the limit is a ConfigurationError", async () => {
      const driver = instant();
      const invalid = { ...config({ resources: { cpu: 99 } }), image: "" };
      await expect(driver.createContainer(invalid)).rejects.toBeInstanceOf(ConfigurationError);
    });

    it("rejects a request above each of the profile's limits with ResourceLimitError and its fields", async () => {
      const driver = instant();
      for (const resource of ["cpu", "memory", "disk", "pids"] as const) {
        const requested = profile.limits[resource] + 1;
        const error = await driver.createContainer(config({ resources: { [resource]: requested } })).catch((e) => e);
        expect(error).toBeInstanceOf(ResourceLimitError);
        expect(error).toMatchObject({ resource, limit: profile.limits[resource], requested });
        expect(error.context).toMatchObject({ driver: label, operation: "createContainer" });
      }
      await expect(driver.createContainer(config({ resources: { ...profile.limits } }))).resolves.toBeDefined();
    });

    it("needs the named network and volumes to exist, and leaves nothing behind when they do not", async () => {
      const driver = instant();
      await expect(driver.createContainer(config({ network: "missing" }))).rejects.toBeInstanceOf(NetworkNotFoundError);
      await expect(
        driver.createContainer(config({ volumes: [{ source: "data", target: "/data" }] })),
      ).rejects.toBeInstanceOf(VolumeNotFoundError);
      await expect(
        driver.createContainer(config({ volumes: [{ source: "/abs", target: "/data", type: "volume" }] })),
      ).rejects.toBeInstanceOf(VolumeNotFoundError);
      expect(await driver.listContainers()).toEqual([]);
      expect((await driver.healthCheck()).containers.total).toBe(0);

      await driver.createNetwork({ name: "agents" });
      await driver.createVolume({ name: "data" });
      const created = await driver.createContainer(
        config({
          network: "agents",
          volumes: [
            { source: "data", target: "/data" },
            { source: "/host/path", target: "/host" },
          ],
        }),
      );
      expect(await driver.getContainer(created.id)).toEqual(created);
    });

    it("gives every container a unique id, even with a constant random source", async () => {
      const driver = make({ timing: "instant", random: () => 0 });
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) ids.add((await driver.createContainer(config())).id);
      expect(ids.size).toBe(50);
    });

    it("keeps its own copies: changing the input or a returned instance does not change the driver's state", async () => {
      const driver = instant();
      const input = config({ labels: { a: "1" } });
      const created = await driver.createContainer(input);
      input.labels.a = "changed in the input";
      created.labels.a = "changed";
      created.resources.cpu = 3;
      const again = await driver.getContainer(created.id);
      expect(again?.labels).toEqual({ a: "1" });
      expect(again?.resources.cpu).toBe(0.5);
    });
  });

  describe("lifecycle follows CONTAINER_TRANSITIONS", () => {
    const reachable = CONTAINER_STATUSES.filter((status) => status !== "removing");
    for (const operation of LIFECYCLE_OPERATIONS) {
      for (const status of reachable) {
        const transition = CONTAINER_TRANSITIONS[operation][status];
        it(`${operation} on ${status}: ${transition.kind}`, async () => {
          const driver = instant();
          const id = await containerIn(driver, status);
          const call =
            operation === "start"
              ? driver.startContainer(id)
              : operation === "stop"
                ? driver.stopContainer(id)
                : driver.removeContainer(id);
          if (transition.kind === "reject") {
            const error = await call.catch((e) => e);
            expect(error).toBeInstanceOf(ContainerStartError);
            expect(error.name).toBe(transition.error);
          } else {
            await call;
          }
          const after = statusesAfter(operation, status);
          const found = await driver.getContainer(id);
          if (after === null) expect(found).toBeNull();
          else expect(after).toContain(found?.status);
          if (found !== null) expect(found.state).toBe(stateForStatus(found.status, found.exitCode));
        });
      }
    }

    it("rejects every operation on an unknown id with ContainerNotFoundError, but getContainer gives null", async () => {
      const driver = instant();
      await expect(driver.startContainer("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
      await expect(driver.stopContainer("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
      await expect(driver.removeContainer("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
      await expect(driver.getContainerLogs("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
      await expect(driver.isContainerHealthy("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
      expect(await driver.getContainer("nope")).toBeNull();
    });

    it("refuses an id that is not a string with ConfigurationError", async () => {
      const driver = instant();
      await expect(driver.startContainer(42 as unknown as string)).rejects.toBeInstanceOf(ConfigurationError);
      await expect(driver.getContainer(undefined as unknown as string)).rejects.toBeInstanceOf(ConfigurationError);
    });

    it("records exit codes 143 for a stop and 137 for a forced stop, and clears them on restart", async () => {
      const driver = instant();
      const id = await containerIn(driver, "running");
      await driver.stopContainer(id);
      expect(await driver.getContainer(id)).toMatchObject({
        status: "stopped",
        state: "terminated",
        exitCode: MOCK_EXIT_CODES.stopped,
      });
      await driver.startContainer(id);
      expect((await driver.getContainer(id))?.exitCode).toBeUndefined();
      await driver.stopContainer(id, { force: true });
      expect((await driver.getContainer(id))?.exitCode).toBe(MOCK_EXIT_CODES.killed);
    });

    it("validates stop options before anything else", async () => {
      const driver = instant();
      const id = await containerIn(driver, "running");
      await expect(driver.stopContainer(id, { timeout: -1 })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(driver.stopContainer(id, { grace: 1 } as never)).rejects.toBeInstanceOf(ConfigurationError);
      expect((await driver.getContainer(id))?.status).toBe("running");
    });

    it("takes startedAt and createdAt from the injected clock", async () => {
      const clock = createManualClock(1_000_000);
      const driver = make({ timing: "instant", clock });
      const { id, createdAt } = await driver.createContainer(config());
      expect(createdAt).toBe(1_000_000);
      await clock.advance(500);
      await driver.startContainer(id);
      expect((await driver.getContainer(id))?.startedAt).toBe(1_000_500);
    });
  });

  describe("runtime events", () => {
    it("exit, pause and die move a container and report whether they applied", async () => {
      const driver = instant();
      const id = await containerIn(driver, "running");
      expect(driver.simulate.exit(id, 0)).toBe(true);
      expect(await driver.getContainer(id)).toMatchObject({ status: "exited", state: "terminated", exitCode: 0 });
      expect(driver.simulate.exit(id, 1)).toBe(false);
      expect(driver.simulate.pause(id)).toBe(false);
      await driver.startContainer(id);
      expect(driver.simulate.pause(id)).toBe(true);
      expect((await driver.getContainer(id))?.status).toBe("paused");
      expect(driver.simulate.die(id)).toBe(true);
      expect(driver.simulate.die(id)).toBe(false);
      expect(await driver.getContainer(id)).toMatchObject({ status: "dead", state: "error" });
      expect(() => driver.simulate.exit("nope", 0)).toThrow(ContainerNotFoundError);
      expect(() => driver.simulate.exit(id, 1.5)).toThrow(ConfigurationError);
    });

    it("a non-zero exit is state error", async () => {
      const driver = instant();
      const id = await containerIn(driver, "running");
      driver.simulate.exit(id, 2);
      expect(await driver.getContainer(id)).toMatchObject({ status: "exited", state: "error", exitCode: 2 });
    });
  });

  describe("listContainers", () => {
    it("filters by session, status, state and every label, in creation order", async () => {
      const driver = instant();
      const a = await driver.createContainer(config({ sessionId: "s-a", labels: { app: "web", tier: "1" } }));
      const b = await driver.createContainer(config({ sessionId: "s-b", labels: { app: "web", tier: "2" } }));
      const c = await driver.createContainer(config({ sessionId: "s-a", labels: { app: "db" } }));
      await driver.startContainer(b.id);
      const ids = async (filter?: Parameters<MockDriver["listContainers"]>[0]) =>
        (await driver.listContainers(filter)).map((container) => container.id);
      expect(await ids()).toEqual([a.id, b.id, c.id]);
      expect(await ids({ sessionId: "s-a" })).toEqual([a.id, c.id]);
      expect(await ids({ status: "running" })).toEqual([b.id]);
      expect(await ids({ state: "terminated" })).toEqual([a.id, c.id]);
      expect(await ids({ label: { app: "web" } })).toEqual([a.id, b.id]);
      expect(await ids({ label: { app: "web", tier: "2" } })).toEqual([b.id]);
      expect(await ids({ label: { app: "web" }, sessionId: "s-a" })).toEqual([a.id]);
      expect(await ids({ label: { app: "cache" } })).toEqual([]);
      expect(await ids({ label: { missing: "x" } })).toEqual([]);
      expect(await ids({ sessionId: "nobody" })).toEqual([]);
      expect(await ids({ label: {} })).toEqual([a.id, b.id, c.id]);
      await driver.removeContainer(a.id);
      expect(await ids({ label: { app: "web" } })).toEqual([b.id]);
      expect(await ids({ sessionId: "s-a" })).toEqual([c.id]);
    });

    it("refuses an invalid filter with ConfigurationError instead of matching everything", async () => {
      const driver = instant();
      await driver.createContainer(config());
      await expect(driver.listContainers({ sesionId: "x" } as never)).rejects.toBeInstanceOf(ConfigurationError);
      await expect(driver.listContainers({ status: "sleeping" } as never)).rejects.toBeInstanceOf(ConfigurationError);
    });

    it("never shows a container whose creation has not finished", async () => {
      const clock = createManualClock();
      // The create waits 9 ms (random 0.9 of 0-10 ms); every later draw is 0, so the lists answer at once.
      const draws = [0.9];
      const driver = make({ clock, timing: { minMs: 0, maxMs: 10 }, random: () => draws.shift() ?? 0 });
      const listNow = async () => {
        const listing = driver.listContainers();
        await clock.advance(0);
        return (await listing).map((container) => container.id);
      };
      const creating = driver.createContainer(config());
      await clock.advance(5);
      expect(await listNow()).toEqual([]);
      await clock.advance(4);
      const created = await creating;
      expect(await listNow()).toEqual([created.id]);
    });
  });

  describe("logs", () => {
    it("record creation, the command line, stop and exit code, with tail, since and timestamps", async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1));
      const driver = make({ timing: "instant", clock });
      const { id } = await driver.createContainer(config({ command: ["sh", "-c", "echo 'hi there'"] }));
      await clock.advance(1_000);
      await driver.startContainer(id);
      await clock.advance(1_000);
      await driver.stopContainer(id, { timeout: 5_000 });
      const all = await driver.getContainerLogs(id);
      const lines = all.trimEnd().split("\n");
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^created: .* from image alpine:3\.20 for session session-1$/);
      expect(lines[1]).toBe(`started: sh -c 'echo '\\''hi there'\\'''`);
      expect(lines[2]).toBe("stopping: SIGTERM, grace period 5000 ms");
      expect(lines[3]).toBe("stopped: exit code 143");
      expect(all.endsWith("\n")).toBe(true);

      expect(await driver.getContainerLogs(id, { tail: 1 })).toBe("stopped: exit code 143\n");
      expect(await driver.getContainerLogs(id, { tail: 0 })).toBe("");
      const since = await driver.getContainerLogs(id, { since: Date.UTC(2026, 0, 1) + 1_000 });
      expect(since.split("\n")[0]).toMatch(/^started:/);
      const stamped = await driver.getContainerLogs(id, { timestamps: true, tail: 1 });
      expect(stamped).toBe("2026-01-01T00:00:02.000Z stopped: exit code 143\n");
      await expect(driver.getContainerLogs(id, { tail: -1 })).rejects.toBeInstanceOf(ConfigurationError);
    });

    it("follow resolves once the container stops running, with the stop in the output", async () => {
      const driver = instant();
      const id = await containerIn(driver, "running");
      let settled = false;
      const following = driver.getContainerLogs(id, { follow: true }).then((logs) => {
        settled = true;
        return logs;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      await driver.stopContainer(id);
      expect(await following).toMatch(/stopped: exit code 143\n$/);
      expect(await driver.getContainerLogs(id, { follow: true })).toContain("stopped");
    });

    it("follow also resolves when the container exits, dies or is removed", async () => {
      const driver = instant();
      const exits = await containerIn(driver, "running");
      const removed = await containerIn(driver, "running");
      const following = [
        driver.getContainerLogs(exits, { follow: true }),
        driver.getContainerLogs(removed, { follow: true }),
      ];
      driver.simulate.exit(exits, 1);
      await driver.removeContainer(removed);
      const [exitLogs, removedLogs] = await Promise.all(following);
      expect(exitLogs).toContain("exited: exit code 1");
      expect(removedLogs).toContain("stopped: exit code 143");
    });
  });

  describe("health", () => {
    it("counts containers exactly: running is status running, stopped is every other", async () => {
      const driver = instant();
      await containerIn(driver, "created");
      await containerIn(driver, "running");
      await containerIn(driver, "running");
      await containerIn(driver, "stopped");
      await containerIn(driver, "paused");
      const removed = await containerIn(driver, "running");
      await driver.removeContainer(removed);
      const health = await driver.healthCheck();
      expect(DriverHealthSchema.parse(health)).toEqual(health);
      expect(health).toMatchObject({
        status: "healthy",
        version: "1.0.0",
        containers: { total: 5, running: 2, stopped: 3 },
      });
      expect(health.error).toBeUndefined();
    });

    it("reports uptime from the injected clock", async () => {
      const clock = createManualClock(5_000);
      const driver = make({ timing: "instant", clock });
      await clock.advance(1_234);
      expect((await driver.healthCheck()).uptime).toBe(1_234);
    });

    it("resolves unhealthy with the error, never rejects, when the runtime fails", async () => {
      const driver = instant();
      driver.faults.failNext("healthCheck", 1);
      const health = await driver.healthCheck();
      expect(health.status).toBe("unhealthy");
      expect(health.error).toEqual(expect.any(String));
      expect((await driver.healthCheck()).status).toBe("healthy");
      driver.faults.failNext("healthCheck", 1, () => {
        throw new Error("the factory itself throws");
      });
      expect((await driver.healthCheck()).status).toBe("unhealthy");
    });

    it("resolves unhealthy, never rejects, even when its clock fails", async () => {
      let calls = 0;
      const brokenClock = {
        now: () => {
          if (calls++ > 0) throw new Error("clock read failed");
          return 0;
        },
        sleep: () => Promise.reject(new Error("clock sleep failed")),
      };
      const health = await make({ clock: brokenClock }).healthCheck();
      expect(health).toMatchObject({ status: "unhealthy", error: "clock sleep failed", uptime: 0 });
    });

    it("isContainerHealthy is true only for a running container", async () => {
      const driver = instant();
      expect(await driver.isContainerHealthy(await containerIn(driver, "running"))).toBe(true);
      expect(await driver.isContainerHealthy(await containerIn(driver, "created"))).toBe(false);
      expect(await driver.isContainerHealthy(await containerIn(driver, "paused"))).toBe(false);
      expect(await driver.isContainerHealthy(await containerIn(driver, "stopped"))).toBe(false);
    });
  });

  describe("volumes and networks", () => {
    it("volumes: duplicate name, unknown id, in use, removable by id or name once unused", async () => {
      const driver = instant();
      const volume = await driver.createVolume({ name: "data", labels: { owner: "me" } });
      expect(VolumeSchema.parse(volume)).toEqual(volume);
      expect(volume).toMatchObject({ name: "data", driver: profile.defaultVolumeDriver, labels: { owner: "me" } });
      expect(volume.mountpoint).toBe(profile.mountpoint("data"));
      await expect(driver.createVolume({ name: "data" })).rejects.toBeInstanceOf(VolumeCreationError);
      await expect(driver.removeVolume("unknown")).rejects.toBeInstanceOf(VolumeNotFoundError);
      const user = await driver.createContainer(
        config({ volumes: [{ source: "data", target: "/d", type: "volume" }] }),
      );
      const inUse = await driver.removeVolume(volume.id).catch((e) => e);
      expect(inUse).toBeInstanceOf(VolumeRemoveError);
      expect(inUse.context.containerIds).toEqual([user.id]);
      await driver.removeContainer(user.id);
      await driver.removeVolume("data");
      await expect(driver.removeVolume(volume.id)).rejects.toBeInstanceOf(VolumeNotFoundError);
      const again = await driver.createVolume({ name: "data", driver: "custom" });
      expect(again.driver).toBe("custom");
      expect(again.id).not.toBe(volume.id);
    });

    it("networks: duplicate name, unknown id, in use, removable by id or name once unused", async () => {
      const driver = instant();
      const network = await driver.createNetwork({ name: "agents" });
      expect(NetworkSchema.parse(network)).toEqual(network);
      expect(network.driver).toBe(profile.defaultNetworkDriver);
      await expect(driver.createNetwork({ name: "agents" })).rejects.toBeInstanceOf(NetworkCreationError);
      await expect(driver.createNetwork({ name: "none" })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(driver.removeNetwork("unknown")).rejects.toBeInstanceOf(NetworkNotFoundError);
      const user = await driver.createContainer(config({ network: "agents" }));
      await expect(driver.removeNetwork("agents")).rejects.toBeInstanceOf(NetworkRemoveError);
      await driver.removeContainer(user.id);
      await driver.removeNetwork(network.id);
      await expect(driver.removeNetwork("agents")).rejects.toBeInstanceOf(NetworkNotFoundError);
    });

    it("keeps each instance's containers, volumes and networks to itself", async () => {
      const first = instant();
      const second = instant();
      const container = await first.createContainer(config());
      await first.createVolume({ name: "shared-name" });
      await first.createNetwork({ name: "shared-name" });
      expect(await second.getContainer(container.id)).toBeNull();
      expect(await second.listContainers()).toEqual([]);
      await expect(second.createVolume({ name: "shared-name" })).resolves.toBeDefined();
      await expect(second.createNetwork({ name: "shared-name" })).resolves.toBeDefined();
      await expect(second.removeVolume("shared-name")).resolves.toBeUndefined();
      expect((await first.healthCheck()).containers.total).toBe(1);
    });
  });

  describe("timing", () => {
    it("takes the profile's time by default, checked on a manual clock", async () => {
      const clock = createManualClock();
      const driver = make({ clock });
      let done = false;
      const creating = driver.createContainer(config()).then(() => {
        done = true;
      });
      await clock.advance(profile.timing.minMs - 1);
      expect(done).toBe(false);
      await clock.advance(profile.timing.maxMs - profile.timing.minMs + 1);
      expect(done).toBe(true);
      await creating;
    });

    it("every method waits one operation time drawn from the range", async () => {
      const clock = createManualClock();
      const driver = make({ clock, random: () => 0.5 });
      const expected = (profile.timing.minMs + profile.timing.maxMs) / 2;
      const started = clock.now();
      const creating = driver.createContainer(config());
      await clock.advance(expected);
      const { id } = await creating;
      expect(clock.now() - started).toBe(expected);
      for (const call of [
        () => driver.startContainer(id),
        () => driver.getContainer(id),
        () => driver.listContainers(),
        () => driver.getContainerLogs(id),
        () => driver.isContainerHealthy(id),
        () => driver.healthCheck(),
        () => driver.stopContainer(id),
        () => driver.removeContainer(id),
      ]) {
        let settled = false;
        const pending = call().finally(() => {
          settled = true;
        });
        await clock.advance(expected - 1);
        expect(settled).toBe(false);
        await clock.advance(1);
        expect(settled).toBe(true);
        await pending;
      }
    });

    it("instant timing creates no sleep, and a custom range is honoured", async () => {
      const clock = createManualClock();
      const instantDriver = make({ clock, timing: "instant" });
      const pending = instantDriver.createContainer(config());
      expect(clock.pending).toBe(0);
      await pending;
      const ranged = make({ clock, timing: { minMs: 7, maxMs: 7 } });
      const listing = ranged.listContainers();
      expect(clock.pending).toBe(1);
      await clock.advance(7);
      await expect(listing).resolves.toEqual([]);
    });

    it("refuses an invalid timing option with ConfigurationError", () => {
      expect(() => make({ timing: { minMs: 5, maxMs: 1 } })).toThrow(ConfigurationError);
      expect(() => make({ timing: { minMs: -1, maxMs: 1 } })).toThrow(ConfigurationError);
      expect(() => make({ timing: "slow" as never })).toThrow(ConfigurationError);
    });
  });

  describe("concurrency", () => {
    it("operations on one id take effect in the order they were called", async () => {
      const clock = createManualClock();
      const driver = make({ clock, timing: { minMs: 1, maxMs: 50 } });
      const { id } = await settle(clock, driver.createContainer(config()));
      const results = settle(
        clock,
        Promise.allSettled([
          driver.startContainer(id),
          driver.stopContainer(id),
          driver.startContainer(id),
          driver.removeContainer(id),
          driver.startContainer(id),
        ]),
      );
      const outcomes = (await results).map((r) => (r.status === "fulfilled" ? "ok" : r.reason.name));
      expect(outcomes).toEqual(["ok", "ok", "ok", "ok", "ContainerNotFoundError"]);
      expect(await settle(clock, driver.getContainer(id))).toBeNull();
    });
  });
});

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
