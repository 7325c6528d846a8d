/**
 * Both mock drivers, each profile: listContainers with its filters, logs and health
 * (tests/mocks/queries.ts).
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, createManualClock, DriverHealthSchema } from "../../src/index.js";
import type { MockDriver } from "./index.js";
import { config, containerIn, drivers } from "./driver-harness.js";

describe.each(drivers)("$label", ({ make, profile }) => {
  const instant = () => make({ timing: "instant" });

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
    it("record creation, the command line, stop and exit code of a simulated command, with tail, since and timestamps", async () => {
      const clock = createManualClock(Date.UTC(2026, 0, 1));
      const driver = make({ timing: "instant", clock });
      // A command none of the mock's programs is runs simulated: its log tells the container's events.
      const { id } = await driver.createContainer(config({ command: ["agent", "--task", "hi there"] }));
      await clock.advance(1_000);
      await driver.startContainer(id);
      await clock.advance(1_000);
      await driver.stopContainer(id, { timeout: 5_000 });
      const all = await driver.getContainerLogs(id);
      const lines = all.trimEnd().split("\n");
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^created: .* from image alpine:3\.20 for session session-1$/);
      expect(lines[1]).toBe("started: agent --task 'hi there'");
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
        version: profile.version,
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
});
