/**
 * The execution, isolation and limits tiers can fail: against a real engine,
 * each broken Docker driver fails exactly the cases of the clause it breaks
 * (in the tiers it names) and passes the rest. Runs when a Docker engine
 * answers (see the Docker example's engine helper: skipped with a message
 * otherwise, required in CI).
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
import { DOCKER_BROKEN_DRIVERS } from "../fixtures/docker-broken-drivers.js";

const caseIds = new Set(CONFORMANCE_CASES.map((conformanceCase) => conformanceCase.id));

describeWithEngine("execution, isolation and limits negative controls (Docker engine)", () => {
  const namespace = uniqueNamespace("cf-negative");

  it("every fixture names only real case ids of the tiers it runs", () => {
    for (const fixture of Object.values(DOCKER_BROKEN_DRIVERS)) {
      for (const id of fixture.expectedFailures) {
        expect(caseIds, id).toContain(id);
        expect(fixture.tiers).toContain(CONFORMANCE_CASES.find((c) => c.id === id)?.tier);
      }
    }
  });

  for (const [name, fixture] of Object.entries(DOCKER_BROKEN_DRIVERS)) {
    it(`${name}: ${fixture.breaks}`, async () => {
      const report = await runConformance(() => fixture.createDriver({ socketPath: SOCKET_PATH, namespace }), {
        image: TEST_IMAGE,
        tiers: fixture.tiers,
      });
      const failed = report.results.filter((result) => result.status === "failed").map((result) => result.id);
      expect(failed.sort(), JSON.stringify(report.results.filter((r) => r.status === "failed"))).toEqual(
        [...fixture.expectedFailures].sort(),
      );
      expect(report.summary.passed).toBe(report.summary.total - failed.length);
    }, 180_000);
  }

  afterAll(async () => {
    const left = await leftovers(namespace);
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
