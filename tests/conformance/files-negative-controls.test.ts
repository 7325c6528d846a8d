/**
 * The `files` tier can fail: the in-memory files driver passes it (the owner
 * and mode case skipped, as it runs no processes), and each broken variant
 * fails exactly the cases of the clause it breaks and passes the rest. The
 * owner and mode case's own control runs on a real engine
 * (files-docker-negative-controls.test.ts).
 */
import { describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, runConformance } from "../../src/conformance/index.js";
import {
  createBrokenMemoryDriver,
  DOCKER_FILES_BROKEN_DRIVERS,
  FILES_BROKEN_DRIVERS,
} from "../fixtures/files-broken-drivers.js";
import { createMemoryFilesDriver } from "../fixtures/files-memory-driver.js";

const filesCases = CONFORMANCE_CASES.filter((conformanceCase) => conformanceCase.tier === "files");

describe("files tier negative controls (in memory)", () => {
  it("the in-memory files driver passes the files tier; only the owner and mode case is skipped", async () => {
    const report = await runConformance(() => createMemoryFilesDriver(), { tiers: ["files"], timeoutMs: 10_000 });
    const notPassed = report.results.filter((result) => result.status !== "passed");
    expect(notPassed.map((result) => [result.id, result.status, result.error ?? result.reason])).toEqual([
      [
        "files.write.owner-mode",
        "skipped",
        "owner and mode are seen only from a process in the container: the driver does not declare execution",
      ],
    ]);
  }, 60_000);

  it("every files case has a broken driver that fails it", () => {
    const covered = new Set(Object.values(FILES_BROKEN_DRIVERS).flatMap((fixture) => fixture.expectedFailures));
    expect(filesCases.map((conformanceCase) => conformanceCase.id).filter((id) => !covered.has(id))).toEqual([]);
    for (const fixture of Object.values(FILES_BROKEN_DRIVERS)) {
      for (const id of fixture.expectedFailures) {
        // Each fixture breaks one clause; the not-found cases the method table generates state C-NOT-FOUND, which
        // a driver that breaks the files tier's own not-found clause breaks too.
        const clause = filesCases.find((conformanceCase) => conformanceCase.id === id)?.clause;
        expect([fixture.clause, ...(id.startsWith("errors.not-found.") ? ["C-NOT-FOUND"] : [])], id).toContain(clause);
      }
    }
  });

  const inMemory = Object.entries(FILES_BROKEN_DRIVERS).filter(([name]) => !DOCKER_FILES_BROKEN_DRIVERS.includes(name));
  for (const [name, fixture] of inMemory) {
    it(`${name}: ${fixture.breaks}`, async () => {
      // A broken driver may hang where a good one rejects (an ignored signal): a short deadline keeps that quick.
      const report = await runConformance(() => createBrokenMemoryDriver(name), { tiers: ["files"], timeoutMs: 5_000 });
      const failed = report.results.filter((result) => result.status === "failed");
      expect(failed.map((result) => result.id).sort()).toEqual([...fixture.expectedFailures].sort());
      for (const result of failed) expect(result.error, result.id).toMatch(/\S/);
      expect(report.summary.passed).toBe(report.summary.total - failed.length - report.summary.skipped);
    }, 60_000);
  }
});
