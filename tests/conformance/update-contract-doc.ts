/**
 * Regenerate the case lists of docs/INTERFACE_CONTRACT.md from the case data:
 * `npx tsx tests/conformance/update-contract-doc.ts`. The prose around them is
 * kept as written.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { updateContractDocument } from "../../src/conformance/index.js";

const path = join(import.meta.dirname, "..", "..", "docs", "INTERFACE_CONTRACT.md");
const before = readFileSync(path, "utf8");
const after = updateContractDocument(before);
if (after === before) {
  process.stdout.write("docs/INTERFACE_CONTRACT.md is up to date\n");
} else {
  writeFileSync(path, after);
  process.stdout.write("docs/INTERFACE_CONTRACT.md: case lists regenerated\n");
}
