/**
 * The report as a table for people: one line per case (mark, id, clause,
 * time, and the error or reason beneath), then the summary line.
 *
 * @module
 */
import { CONTRACT_CLAUSES } from "../clauses.js";
import type { ConformanceReport, ConformanceResult } from "../types.js";

const CLAUSE_WIDTH = Math.max(...CONTRACT_CLAUSES.map((clause) => clause.id.length));

const MARKS: Readonly<Record<ConformanceResult["status"], string>> = {
  passed: "PASS",
  failed: "FAIL",
  skipped: "SKIP",
  unsupported: "UNSP",
};

/**
 * A duration as people read it: `850 ms`, `12.40 s`.
 *
 * @example
 * ```ts
 * formatDuration(12_400); // "12.40 s"
 * ```
 */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/**
 * One line for one result: mark, id, clause, time; the reason or error
 * follows on an indented line (an unsupported case's reason starts with
 * "unsupported:").
 *
 * @param idWidth - the width the id is padded to, so the clauses of a whole
 *   report line up in one column; pass the longest id's length. Default 0 (no padding).
 * @example
 * ```ts
 * formatResultLine(result, 40);
 * // "PASS  lifecycle.start.from-stopped    ...  C-LIFECYCLE-START   ...  1 ms" (id and clause padded to columns)
 * ```
 */
export function formatResultLine(result: ConformanceResult, idWidth = 0): string {
  const ran = result.status === "passed" || result.status === "failed";
  const head = `${MARKS[result.status]}  ${result.id.padEnd(idWidth)}  ${result.clause.padEnd(CLAUSE_WIDTH)}  ${
    ran ? formatDuration(result.durationMs) : ""
  }`.trimEnd();
  const note =
    result.status === "failed"
      ? result.error
      : result.status === "unsupported"
        ? `unsupported: ${result.reason}`
        : result.reason;
  return note === undefined ? head : `${head}\n      ${note}`;
}

/**
 * The summary line of a report: counts by status, the time, and whether the
 * driver is conformant. Unsupported cases are counted on their own, never as
 * passed.
 *
 * @example
 * ```ts
 * formatSummaryLine(report);
 * // "process: 118 passed, 0 failed, 52 skipped, 1 unsupported of 171 cases in 12.40 s"
 * ```
 */
export function formatSummaryLine(report: ConformanceReport): string {
  const { driver, summary } = report;
  const unsupported = summary.unsupported ?? 0;
  return `${driver.name}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped, ${unsupported} unsupported of ${summary.total} cases in ${formatDuration(report.durationMs)}${report.ok ? "" : "  NOT CONFORMANT"}`;
}

/**
 * The report as a readable table: a header (driver, capabilities, run id,
 * and the base config when one was declared), one line per case, and the
 * summary line.
 *
 * @example
 * ```ts
 * console.log(formatReport(await runConformance(factory)));
 * ```
 */
export function formatReport(report: ConformanceReport): string {
  const width = Math.max(...report.results.map((result) => result.id.length), 10);
  const { driver } = report;
  const capabilities = driver.capabilities.length === 0 ? "none" : driver.capabilities.join(", ");
  const lines = [`${driver.name} ${driver.version} (capabilities: ${capabilities}), run ${report.runId}`];
  if (report.baseConfig !== undefined) lines.push(`base config: ${JSON.stringify(report.baseConfig)}`);
  lines.push(...report.results.map((result) => formatResultLine(result, width)), formatSummaryLine(report));
  return lines.join("\n");
}
