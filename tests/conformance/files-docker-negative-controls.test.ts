/**
 * The `files` tier's owner and mode case can fail: on a real engine (it
 * needs a process in the container to look), the Docker driver with one
 * thing broken fails exactly that case and passes the rest of the tier. The
 * other files controls run in memory (files-negative-controls.test.ts). Runs
 * when a Docker engine answers (skipped with a message otherwise, required
 * in CI).
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
import {
  createBrokenDockerDriver,
  DOCKER_FILES_BROKEN_DRIVERS,
  FILES_BROKEN_DRIVERS,
} from "../fixtures/files-broken-drivers.js";

describeWithEngine("files tier negative controls (Docker engine)", () => {
  const namespace = uniqueNamespace("cf-files-negative");

  for (const name of DOCKER_FILES_BROKEN_DRIVERS) {
    const fixture = FILES_BROKEN_DRIVERS[name];
    it(`${name}: ${fixture?.breaks}`, async () => {
      const report = await runConformance(
        () => createBrokenDockerDriver(name, { socketPath: SOCKET_PATH, namespace }),
        // The broken drivers wrap a DockerDriver and keep its socketPath, which the paused hook reads.
        { ...(conformanceOptions as ConformanceOptions), tiers: ["files"] },
      );
      const failed = report.results.filter((result) => result.status === "failed").map((result) => result.id);
      expect(failed.sort()).toEqual([...(fixture?.expectedFailures ?? [])].sort());
      expect(report.summary.skipped).toBe(0);
      expect(report.summary.passed).toBe(report.summary.total - failed.length);
    }, 600_000);
  }

  afterAll(async () => {
    const left = await leftovers(namespace);
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
