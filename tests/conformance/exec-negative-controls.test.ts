/**
 * The exec tier can fail: against a real engine, each broken Docker driver
 * (the example driver with one step of its exec client replaced) fails
 * exactly the exec cases of the clause it breaks and passes the rest. Runs
 * when a Docker engine answers (see the Docker example's engine helper:
 * skipped with a message otherwise, required in CI).
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
import { type ConformanceOptions, runConformance } from "../../src/conformance/index.js";
import { DOCKER_EXEC_BROKEN_DRIVERS } from "../fixtures/docker-exec-broken-drivers.js";

describeWithEngine("exec tier negative controls (Docker engine)", () => {
  const namespace = uniqueNamespace("cf-exec-negative");

  for (const [name, fixture] of Object.entries(DOCKER_EXEC_BROKEN_DRIVERS)) {
    it(`${name}: ${fixture.breaks}`, async () => {
      const report = await runConformance(() => fixture.createDriver({ socketPath: SOCKET_PATH, namespace }), {
        // The broken drivers wrap a DockerDriver and keep its socketPath, which the paused hook reads.
        ...(conformanceOptions as ConformanceOptions),
        tiers: ["exec"],
      });
      const failures = report.results.filter((result) => result.status === "failed");
      const failed = failures.map((result) => result.id);
      // The reasons, so an unexpected failure says what went wrong, not only which case.
      const reasons = failures.map((result) => `${result.id}: ${result.error ?? ""}`).join("\n");
      expect(failed.sort(), reasons).toEqual([...fixture.expectedFailures].sort());
      expect(report.summary.passed).toBe(report.summary.total - report.summary.skipped - failed.length);
    }, 300_000);
  }

  afterAll(async () => {
    const left = await leftovers(namespace);
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
