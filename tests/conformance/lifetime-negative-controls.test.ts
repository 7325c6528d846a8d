/**
 * The pause, expiry and idempotency tiers and the release cases can fail:
 * against a real engine, each broken Docker driver fails exactly the cases
 * of what it breaks and passes the rest of its tier (the release controls:
 * of the release cases). One engine-lock block per tier, so other engine
 * tests run in between. Runs when a Docker engine answers (skipped with a
 * message otherwise, required in CI). A check without the engine makes sure
 * every lifetime case the Docker driver runs has a control that fails it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DockerDriver } from "../../examples/docker-driver/src/driver.js";
import { conformanceOptions, TEST_IMAGE } from "../../examples/docker-driver/src/factory.js";
import {
  describeWithEngine,
  leftovers,
  SOCKET_PATH,
  uniqueNamespace,
} from "../../examples/docker-driver/tests/engine.js";
import {
  CONFORMANCE_CASES,
  describeDriver,
  resolveConformanceOptions,
  runConformance,
  skipReasonFor,
} from "../../src/conformance/index.js";
import { LIFETIME_BROKEN_DRIVERS } from "../fixtures/docker-lifetime-broken-drivers.js";

/** Long enough for the slowest passing case on a loaded engine; the cases that wait forever on purpose end here. */
const CASE_TIMEOUT_MS = 12_000;

const GROUPS: Readonly<Record<string, (tiers: readonly string[]) => boolean>> = {
  pause: (tiers) => tiers.includes("pause"),
  expiry: (tiers) => tiers.includes("expiry"),
  "idempotency and release": (tiers) => tiers.includes("idempotency") || tiers.includes("core"),
};

/** The lifetime cases: the pause, expiry and idempotency tiers and the release cases of core. */
const isLifetimeCase = (id: string, tier: string) =>
  tier === "pause" || tier === "expiry" || tier === "idempotency" || id.startsWith("release.");

describe("lifetime negative controls cover the lifetime cases", () => {
  it("every lifetime case the Docker driver runs is failed by at least one control, and every expected id is a case", async () => {
    const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace: "coverage-only" });
    const info = describeDriver(driver);
    await driver.close();
    const options = resolveConformanceOptions(conformanceOptions);
    const run = CONFORMANCE_CASES.filter(
      (c) => isLifetimeCase(c.id, c.tier) && skipReasonFor(c, info, options) === undefined,
    ).map((c) => c.id);
    const expected = new Set(Object.values(LIFETIME_BROKEN_DRIVERS).flatMap((fixture) => fixture.expectedFailures));
    expect(run.filter((id) => !expected.has(id))).toEqual([]);
    expect([...expected].filter((id) => !run.includes(id))).toEqual([]);
  });
});

for (const [group, belongs] of Object.entries(GROUPS)) {
  describeWithEngine(`${group} negative controls (Docker engine)`, () => {
    const namespace = uniqueNamespace("cf-lifetime");

    for (const [name, fixture] of Object.entries(LIFETIME_BROKEN_DRIVERS)) {
      if (!belongs(fixture.tiers)) continue;
      it(`${name}: ${fixture.breaks}`, async () => {
        const report = await runConformance(() => fixture.createDriver({ socketPath: SOCKET_PATH, namespace }), {
          image: TEST_IMAGE,
          tiers: fixture.tiers,
          ...(fixture.filter === undefined ? {} : { filter: fixture.filter }),
          timeoutMs: CASE_TIMEOUT_MS,
        });
        const failed = report.results.filter((result) => result.status === "failed").map((result) => result.id);
        expect(failed.sort()).toEqual([...fixture.expectedFailures].sort());
        expect(report.summary.passed).toBe(report.summary.total - report.summary.skipped - failed.length);
        expect(report.summary.passed).toBeGreaterThan(0);
      }, 600_000);
    }

    afterAll(async () => {
      const left = await leftovers(namespace);
      const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
      await driver.cleanup();
      await driver.close();
      expect(left).toEqual({ containers: [], volumes: [], networks: [] });
    }, 60_000);
  });
}
