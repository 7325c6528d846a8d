/**
 * The pause, expiry and idempotency tiers and the release cases can fail:
 * against a real engine, each broken Docker driver fails exactly the cases
 * of what it breaks and passes the rest of its tier (the release controls:
 * of the release cases). One engine-lock block per tier, so other engine
 * tests run in between. Runs when a Docker engine answers (skipped with a
 * message otherwise, required in CI).
 */
import { afterAll, expect, it } from "vitest";
import { DockerDriver } from "../../examples/docker-driver/src/driver.js";
import { conformanceOptions } from "../../examples/docker-driver/src/factory.js";
import {
  describeWithEngine,
  leftovers,
  SOCKET_PATH,
  uniqueNamespace,
} from "../../examples/docker-driver/tests/engine.js";
import { runConformance } from "../../src/conformance/index.js";
import { LIFETIME_BROKEN_DRIVERS } from "../fixtures/docker-lifetime-broken-drivers.js";

/** Long enough for the slowest passing case on a loaded engine; the cases that wait forever on purpose end here. */
const CASE_TIMEOUT_MS = 12_000;

const GROUPS: Readonly<Record<string, (tiers: readonly string[]) => boolean>> = {
  pause: (tiers) => tiers.includes("pause"),
  expiry: (tiers) => tiers.includes("expiry"),
  "idempotency and release": (tiers) => tiers.includes("idempotency") || tiers.includes("core"),
};

for (const [group, belongs] of Object.entries(GROUPS)) {
  describeWithEngine(`${group} negative controls (Docker engine)`, () => {
    const namespace = uniqueNamespace("cf-lifetime");

    for (const [name, fixture] of Object.entries(LIFETIME_BROKEN_DRIVERS)) {
      if (!belongs(fixture.tiers)) continue;
      it(`${name}: ${fixture.breaks}`, async () => {
        const report = await runConformance(() => fixture.createDriver({ socketPath: SOCKET_PATH, namespace }), {
          ...conformanceOptions,
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
