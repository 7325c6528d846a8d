/**
 * Both mock drivers, each profile: simulated timing on an injected clock, and concurrent
 * calls on one container.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, createManualClock } from "../../src/index.js";
import { config, drivers, settle } from "./driver-harness.js";

describe.each(drivers)("$label", ({ make, profile }) => {
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
