/**
 * Contract 1.1 is a minor version: a driver written against 1.0 still
 * type-checks and still passes the tiers it passed. The driver here is the
 * 1.0 mock engine, frozen (tests/compat/driver-1-0/README.md).
 */
import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/conformance/index.js";
import { DRIVER_CAPABILITIES, DRIVER_METHODS } from "../../src/index.js";
import { MockDriver } from "./driver-1-0/engine.js";
import { DOCKER_PROFILE } from "./driver-1-0/profiles.js";

/** What the 1.0 suite reported for this driver: 99 of its 112 cases passed, none failed. */
const PASSED_UNDER_1_0 = 99;

function createDriver(): MockDriver {
  return new MockDriver(DOCKER_PROFILE, { timing: "instant" });
}

describe("a driver written against contract 1.0", () => {
  it("has the thirteen methods of 1.0 and declares none of the 1.1 capabilities", () => {
    const driver = createDriver();
    for (const method of DRIVER_METHODS) expect(typeof driver[method], method).toBe("function");
    expect(driver.capabilities.filter((capability) => DRIVER_CAPABILITIES.includes(capability))).toEqual([]);
  });

  it("passes every case it passed under 1.0, fails none, and sees the 1.1 tiers skipped", async () => {
    const report = await runConformance(createDriver, {
      timeoutMs: 5_000,
      limits: { ...DOCKER_PROFILE.limits },
      arrange: {
        paused: (driver, id) => void (driver as MockDriver).simulate.pause(id),
        dead: (driver, id) => void (driver as MockDriver).simulate.die(id),
        exited: (driver, id) => void (driver as MockDriver).simulate.exit(id, 0),
      },
    });
    const failed = report.results.filter((result) => result.status === "failed");
    expect(failed.map((result) => `${result.id}: ${result.error}`)).toEqual([]);
    expect(report.summary.passed).toBeGreaterThanOrEqual(PASSED_UNDER_1_0);
    const later = report.results.filter((result) => result.tier !== "core" && result.tier !== "execution");
    expect(later.every((result) => result.status === "skipped")).toBe(true);
  }, 60_000);
});
