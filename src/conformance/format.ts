/**
 * Text renderings of the suite: the report as a table for people, and the
 * list of cases per clause that docs/INTERFACE_CONTRACT.md embeds.
 *
 * @module
 */
import { CONFORMANCE_CASES } from "./cases/index.js";
import { CONTRACT_CLAUSES, type ContractClauseId } from "./clauses.js";
import type { ConformanceCase, ConformanceReport, ConformanceResult } from "./types.js";

const CLAUSE_WIDTH = Math.max(...CONTRACT_CLAUSES.map((clause) => clause.id.length));

const MARKS: Readonly<Record<ConformanceResult["status"], string>> = {
  passed: "PASS",
  failed: "FAIL",
  skipped: "SKIP",
};

function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/**
 * One line for one result: mark, id, clause, time; the reason or error
 * follows on an indented line.
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
  const head = `${MARKS[result.status]}  ${result.id.padEnd(idWidth)}  ${result.clause.padEnd(CLAUSE_WIDTH)}  ${
    result.status === "skipped" ? "" : formatDuration(result.durationMs)
  }`.trimEnd();
  const note = result.status === "failed" ? result.error : result.status === "skipped" ? result.reason : undefined;
  return note === undefined ? head : `${head}\n      ${note}`;
}

/**
 * The report as a readable table followed by a summary line.
 *
 * @example
 * ```ts
 * console.log(formatReport(await runConformance(factory)));
 * ```
 */
export function formatReport(report: ConformanceReport): string {
  const width = Math.max(...report.results.map((result) => result.id.length), 10);
  const { driver, summary } = report;
  const capabilities = driver.capabilities.length === 0 ? "none" : driver.capabilities.join(", ");
  const lines = [
    `${driver.name} ${driver.version} (capabilities: ${capabilities}), run ${report.runId}`,
    ...report.results.map((result) => formatResultLine(result, width)),
    `${driver.name}: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped of ${summary.total} cases in ${formatDuration(report.durationMs)}${report.ok ? "" : "  NOT CONFORMANT"}`,
  ];
  return lines.join("\n");
}

/**
 * The Markdown list of the cases that check `clause`, as embedded in
 * docs/INTERFACE_CONTRACT.md between `<!-- cases:ID -->` and `<!-- /cases -->`.
 *
 * @example
 * ```ts
 * renderClauseCases("C-LIFECYCLE-START");
 * ```
 */
export function renderClauseCases(
  clause: ContractClauseId,
  cases: readonly ConformanceCase[] = CONFORMANCE_CASES,
): string {
  const checking = cases.filter((conformanceCase) => conformanceCase.clause === clause);
  if (checking.length === 0) {
    const checkedBy = CONTRACT_CLAUSES.find((entry) => entry.id === clause);
    return checkedBy !== undefined && "checkedBy" in checkedBy
      ? `_Checked by the package's own tests: ${checkedBy.checkedBy}._`
      : "_No conformance case._";
  }
  return checking
    .map((conformanceCase) => {
      const tier = conformanceCase.tier === "core" ? "" : ` _(${conformanceCase.tier} tier)_`;
      return `- \`${conformanceCase.id}\`${tier}: ${conformanceCase.checks}`;
    })
    .join("\n");
}

/**
 * The marker that opens the generated case list of `clause` in the contract
 * document; an HTML comment, so it does not show when the Markdown renders.
 *
 * @example
 * ```ts
 * clauseBlockStart("C-LIFECYCLE-START"); // "<!-- cases:C-LIFECYCLE-START -->"
 * ```
 */
export function clauseBlockStart(clause: ContractClauseId): string {
  return `<!-- cases:${clause} -->`;
}

/** The marker that closes a generated case list. */
export const CLAUSE_BLOCK_END = "<!-- /cases -->";

/**
 * `document` with the case list of every clause block regenerated from the
 * case data; text outside the blocks is kept as it is.
 *
 * @example
 * ```ts
 * writeFileSync(path, updateContractDocument(readFileSync(path, "utf8")));
 * ```
 */
export function updateContractDocument(document: string): string {
  return document.replace(
    /<!-- cases:(C-[A-Z-]+) -->\n[\s\S]*?<!-- \/cases -->/g,
    (_block, clause: string) =>
      `${clauseBlockStart(clause as ContractClauseId)}\n${renderClauseCases(clause as ContractClauseId)}\n${CLAUSE_BLOCK_END}`,
  );
}
