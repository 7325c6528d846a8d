/**
 * The streams tier's own rules, without an engine: its cases run commands,
 * so a driver that declares `streams` without `execution` has them skipped
 * with a reason (never silently passed), except the option check, which runs
 * no command; and the tier's case ids and clauses are the ones the contract
 * document lists.
 */
import { describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, runConformance } from "../../../src/conformance/index.js";
import { NEEDS_EXECUTION_REASON } from "../../../src/conformance/cases/streams.js";
import { MockDockerDriver } from "../../mocks/index.js";
import { wrapDriver } from "../../fixtures/broken-driver.js";

const streamsCases = CONFORMANCE_CASES.filter((conformanceCase) => conformanceCase.tier === "streams");

describe("the streams tier", () => {
  it("has a case for each streams clause and the bound of C-LOGS-BOUNDED", () => {
    expect(new Set(streamsCases.map((conformanceCase) => conformanceCase.clause))).toEqual(
      new Set([
        "C-STREAMS-STDIN",
        "C-STREAMS-LIVE",
        "C-STREAMS-ABORT",
        "C-STREAMS-ONE-STREAM",
        "C-LOGS-BOUNDED",
        "C-OPTIONS-VALIDATION",
      ]),
    );
  });

  it("skips the cases that run commands for a driver without execution, and still checks the options", async () => {
    const streamsOnly = () => ({
      ...wrapDriver(new MockDockerDriver({ timing: "instant" }), "streams-without-execution", () => ({})),
      capabilities: ["streams"] as const,
    });
    const report = await runConformance(streamsOnly, { tiers: ["streams"], timeoutMs: 2_000 });
    const skipped = report.results.filter((result) => result.status === "skipped");
    expect(skipped.map((result) => result.reason)).toEqual(skipped.map(() => NEEDS_EXECUTION_REASON));
    expect(report.results.filter((result) => result.status !== "skipped").map((result) => result.id)).toEqual([
      "streams.options.invalid",
    ]);
    expect(report.ok).toBe(true);
  });
});
