/**
 * The generated tables of docs/ match the code they are rendered from, and
 * every table the generator knows appears in its document.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blocksIn, GENERATED_BLOCKS, updateGeneratedBlocks } from "./generated.js";

const root = join(import.meta.dirname, "..", "..");

describe("generated tables in docs/", () => {
  it.each(Object.entries(GENERATED_BLOCKS))("%s appears in its document and is current", (name, block) => {
    const text = readFileSync(join(root, block.document), "utf8");
    expect(blocksIn(text), `${block.document} has no <!-- generated:${name} --> block`).toContain(name);
    expect(updateGeneratedBlocks(block.document, text), "run npx tsx tests/docs/update-docs.ts").toBe(text);
  });
});
