/**
 * Text renderings of the suite: the list of cases per clause that
 * docs/INTERFACE_CONTRACT.md embeds. The report's renderings are in
 * `reporters/` (table, JSON, JUnit, progress); the table's two functions are
 * re-exported here, where 1.0 had them.
 *
 * @module
 */
import { CONFORMANCE_CASES } from "./cases/index.js";
import { CONTRACT_CLAUSES, type ContractClauseId } from "./clauses.js";
import type { ConformanceCase } from "./types.js";

export { formatReport, formatResultLine } from "./reporters/table.js";

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
      const former = (conformanceCase.formerIds ?? []).map((id) => `\`${id}\``).join(", ");
      const formerly = former === "" ? "" : ` _(formerly ${former})_`;
      return `- \`${conformanceCase.id}\`${tier}${formerly}: ${conformanceCase.checks}`;
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
