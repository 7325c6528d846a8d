/**
 * docs/INTERFACE_CONTRACT.md and the case data cannot drift: every clause is
 * stated with its id, every case id is listed beside its clause, and the
 * generated lists are current (regenerate with
 * `npx tsx tests/conformance/update-contract-doc.ts`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFORMANCE_CASES,
  CONTRACT_CLAUSES,
  clauseBlockStart,
  updateContractDocument,
} from "../../src/conformance/index.js";

const document = readFileSync(join(import.meta.dirname, "..", "..", "docs", "INTERFACE_CONTRACT.md"), "utf8");

/** The text of the section that a `### <clause>` heading opens. */
function section(clause: string): string {
  const start = document.indexOf(`\n### ${clause}\n`);
  if (start < 0) return "";
  const next = document.slice(start + 1).search(/\n##+ /);
  return next < 0 ? document.slice(start) : document.slice(start, start + 1 + next);
}

describe("docs/INTERFACE_CONTRACT.md", () => {
  it("has generated case lists that match the case data", () => {
    expect(updateContractDocument(document)).toBe(document);
  });

  it.each(CONTRACT_CLAUSES.map((clause) => clause.id))("states %s under its own heading with its case list", (id) => {
    const text = section(id);
    expect(text, `no "### ${id}" heading`).not.toBe("");
    expect(text).toContain(clauseBlockStart(id));
  });

  it("lists every case id in the section of the clause it checks", () => {
    for (const conformanceCase of CONFORMANCE_CASES) {
      expect(section(conformanceCase.clause), conformanceCase.id).toContain(`\`${conformanceCase.id}\``);
    }
  });

  it("has at least one case for every clause about driver behaviour", () => {
    for (const clause of CONTRACT_CLAUSES) {
      if ("checkedBy" in clause) continue;
      expect(
        CONFORMANCE_CASES.some((conformanceCase) => conformanceCase.clause === clause.id),
        clause.id,
      ).toBe(true);
    }
  });

  it("maps each of Orchestra's shared-suite behaviours to cases that exist, with no empty row", () => {
    const start = document.indexOf("| Orchestra's behaviour |");
    expect(start, "no Orchestra table").toBeGreaterThan(0);
    const rows = document
      .slice(start)
      .split("\n")
      .slice(2)
      .filter((line, index, lines) => line.startsWith("|") && lines.slice(0, index).every((l) => l.startsWith("|")));
    const behaviours = rows.map((row) => row.split("|")[1]?.trim());
    // The seven behaviours of the issue: five named tests, idempotency by task id, namespace cleanup.
    for (const behaviour of ["happy path", "exit code failed", "volume", "environment variables", "with stdin"]) {
      expect(behaviours).toContain(behaviour);
    }
    expect(behaviours).toContain("streaming logs with follow");
    const known = new Set(CONFORMANCE_CASES.map((conformanceCase) => conformanceCase.id));
    for (const row of rows) {
      const ids = [...(row.split("|")[3] ?? "").matchAll(/`([^`]+)`/g)].map((match) => match[1]);
      expect(ids.length, row).toBeGreaterThan(0);
      for (const id of ids) expect(known.has(id ?? ""), `${id} in: ${row}`).toBe(true);
    }
  });
});
