/**
 * Regenerate every generated table in docs/ and the case lists of
 * docs/INTERFACE_CONTRACT.md: `npx tsx tests/docs/update-docs.ts`.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { updateContractDocument } from "../../src/conformance/index.js";
import { GENERATED_BLOCKS, updateGeneratedBlocks } from "./generated.js";

const root = join(import.meta.dirname, "..", "..");
const documents = new Set(Object.values(GENERATED_BLOCKS).map((block) => block.document));
documents.add("docs/INTERFACE_CONTRACT.md");
for (const document of documents) {
  const path = join(root, document);
  const before = readFileSync(path, "utf8");
  let after = updateGeneratedBlocks(document, before);
  if (document === "docs/INTERFACE_CONTRACT.md") after = updateContractDocument(after);
  if (after !== before) writeFileSync(path, after);
  process.stdout.write(`${document}: ${after === before ? "up to date" : "regenerated"}\n`);
}
