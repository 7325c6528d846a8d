/**
 * The local-process scenario, as a test: a driver whose containers
 * are child processes claims exactly `execution` and passes it, and passes
 * the core tier with a base config and one unsupported case, both declared
 * openly and shown in the report. Nothing it made is left: no process, no
 * directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatReport, runConformance } from "../../../src/conformance/index.js";
import { describeConformance } from "../../../src/conformance/vitest.js";
import { conformanceOptions, PROCESS_UNSUPPORTED, ProcessDriver } from "../src/index.js";
import { entriesOf, processesUnder } from "./leaks.js";

const root = mkdtempSync(join(tmpdir(), "process-driver-conformance-"));
const createDriver = () => new ProcessDriver({ rootDirectory: root });

describe("process driver: the report", () => {
  it("passes execution, passes core with its base config, lists its unsupported case with the reason", async () => {
    const report = await runConformance(createDriver, conformanceOptions);
    expect(report.driver.capabilities).toEqual(["execution"]);
    const failed = report.results.filter((result) => result.status === "failed");
    expect(failed, formatReport(report)).toEqual([]);
    const execution = report.results.filter((result) => result.tier === "execution");
    expect(execution.length).toBeGreaterThanOrEqual(5);
    expect(execution.every((result) => result.status === "passed")).toBe(true);
    const unsupported = report.results.filter((result) => result.status === "unsupported");
    expect(unsupported.map((result) => [result.id, result.reason])).toEqual(Object.entries(PROCESS_UNSUPPORTED));
    expect(report.summary.unsupported).toBe(1);
    expect(report.baseConfig).toEqual(conformanceOptions.baseConfig);
    expect(formatReport(report)).toMatch(/^UNSP {2}networks\.use\.none .*\n {6}unsupported: a child process shares/m);
    for (const tier of ["isolation", "limits"]) {
      const results = report.results.filter((result) => result.tier === tier);
      expect(results.length).toBeGreaterThan(0);
      expect(results.every((result) => result.status === "skipped")).toBe(true);
    }
    expect(processesUnder(root)).toEqual([]);
    expect(entriesOf(root)).toEqual([]);
  }, 120_000);

  it("without the base config it refuses the secure defaults, so most core cases fail with ConfigurationError", async () => {
    const report = await runConformance(createDriver, { tiers: ["core"], filter: /^(lifecycle|filters)\./ });
    const failed = report.results.filter((result) => result.status === "failed");
    expect(failed.length).toBeGreaterThan(10);
    for (const result of failed) expect(result.error).toMatch(/ConfigurationError .*security\.readOnly/);
    expect(processesUnder(root)).toEqual([]);
  }, 120_000);
});

describeConformance("process driver conforms (vitest adapter)", createDriver, conformanceOptions);

afterAll(() => {
  const left = { processes: processesUnder(root), entries: entriesOf(root) };
  rmSync(root, { recursive: true, force: true });
  expect(left).toEqual({ processes: [], entries: [] });
});
