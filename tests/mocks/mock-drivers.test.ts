/**
 * Both mock drivers, each profile: identity, createContainer, every (operation, status) pair
 * of the transition table, and runtime events. Queries, resources, timing and faults have files of their own.
 */
import { describe, expect, it } from "vitest";
import {
  CONTAINER_STATUSES,
  CONTAINER_TRANSITIONS,
  ConfigurationError,
  ContainerInstanceSchema,
  ContainerNotFoundError,
  ContainerStartError,
  createManualClock,
  DRIVER_CAPABILITIES,
  LIFECYCLE_OPERATIONS,
  methodsRequiredBy,
  NetworkNotFoundError,
  ResourceLimitError,
  stateForStatus,
  statusesAfter,
  VolumeNotFoundError,
} from "../../src/index.js";
import { MOCK_EXIT_CODES } from "./index.js";
import { config, containerIn, drivers } from "./driver-harness.js";

describe.each(drivers)("$label", ({ label, make, profile }) => {
  const instant = () => make({ timing: "instant" });

  describe("identity", () => {
    it("has the profile's name and version, declares every capability but isolation and limits, and has their methods", () => {
      const driver = instant();
      expect(driver.name).toBe(label);
      expect(driver.version).toBe(profile.version);
      expect([...driver.capabilities].sort()).toEqual(
        DRIVER_CAPABILITIES.filter((capability) => capability !== "isolation" && capability !== "limits").sort(),
      );
      for (const method of [...methodsRequiredBy(driver.capabilities), "close", "cleanup"] as const) {
        expect(typeof driver[method], method).toBe("function");
      }
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
});
