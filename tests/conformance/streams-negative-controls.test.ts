/**
 * The streams tier can fail: against a real engine, each broken Docker
 * driver fails exactly the streams cases of what it breaks and passes the
 * rest. Runs when a Docker engine answers (see the Docker example's engine
 * helper: skipped with a message otherwise, required in CI).
 */
import { afterAll, expect, it } from "vitest";
import { DockerDriver } from "../../examples/docker-driver/src/driver.js";
import { TEST_IMAGE } from "../../examples/docker-driver/src/factory.js";
import {
  describeWithEngine,
  leftovers,
  SOCKET_PATH,
  uniqueNamespace,
} from "../../examples/docker-driver/tests/engine.js";
import { CONFORMANCE_CASES, runConformance } from "../../src/conformance/index.js";
import { DOCKER_STREAMS_BROKEN_DRIVERS } from "../fixtures/docker-streams-broken-drivers.js";

describeWithEngine("streams tier negative controls (Docker engine)", () => {
  const namespace = uniqueNamespace("cf-streams-negative");
  const streamsCases = CONFORMANCE_CASES.filter((conformanceCase) => conformanceCase.tier === "streams");

  it("every streams case has a broken driver that fails it", () => {
    const failed = new Set(Object.values(DOCKER_STREAMS_BROKEN_DRIVERS).flatMap((fixture) => fixture.expectedFailures));
    expect([...failed].sort()).toEqual(streamsCases.map((conformanceCase) => conformanceCase.id).sort());
  });

  for (const [name, fixture] of Object.entries(DOCKER_STREAMS_BROKEN_DRIVERS)) {
    it(`${name}: ${fixture.breaks}`, async () => {
      const report = await runConformance(() => fixture.createDriver({ socketPath: SOCKET_PATH, namespace }), {
        image: TEST_IMAGE,
        tiers: fixture.tiers,
      });
      const failed = report.results.filter((result) => result.status === "failed");
      expect(
        failed.map((result) => result.id).sort(),
        failed.map((result) => `${result.id}: ${result.error}`).join("\n"),
      ).toEqual([...fixture.expectedFailures].sort());
      expect(report.summary.passed).toBe(report.summary.total - failed.length);
    }, 300_000);
  }

  afterAll(async () => {
    const left = await leftovers(namespace);
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
