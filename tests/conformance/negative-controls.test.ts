import { describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, runConformance } from "../../src/conformance/index.js";
import { BROKEN_DRIVERS } from "../fixtures/index.js";

const caseIds = new Set(CONFORMANCE_CASES.map((conformanceCase) => conformanceCase.id));

describe("negative controls: each broken driver fails exactly the cases of its clause", () => {
  it("there are at least 10 broken drivers, each naming only real case ids", () => {
    expect(Object.keys(BROKEN_DRIVERS).length).toBeGreaterThanOrEqual(10);
    for (const fixture of Object.values(BROKEN_DRIVERS)) {
      expect(fixture.expectedFailures.length).toBeGreaterThan(0);
      for (const id of fixture.expectedFailures) expect(caseIds, id).toContain(id);
    }
  });

  for (const [name, fixture] of Object.entries(BROKEN_DRIVERS)) {
    it(`${name}: ${fixture.breaks}`, async () => {
      // Instant mocks answer in microseconds; a short deadline keeps the cases that hang on purpose quick.
      const report = await runConformance(fixture.createDriver, {
        ...fixture.conformanceOptions,
        tiers: ["core"],
        timeoutMs: 1_000,
      });
      const failed = report.results.filter((result) => result.status === "failed");
      expect(failed.map((result) => result.id).sort()).toEqual([...fixture.expectedFailures].sort());
      for (const result of failed) expect(result.error, result.id).toMatch(/\S/);
      expect(report.ok).toBe(false);
      expect(report.summary.passed).toBe(report.results.filter((result) => result.status === "passed").length);
      const { passed, failed: failures, skipped, unsupported } = report.summary;
      expect(passed + failures + skipped + unsupported).toBe(report.summary.total);
    }, 30_000);
  }
});
