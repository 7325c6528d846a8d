import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The ```ts blocks of the README section that starts with `heading`. */
function codeBlocks(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/** Type-check `source` as a module that imports the package by its published name, resolved to src/. */
function typeErrors(source: string): string[] {
  const fileName = join(root, ".tmp", "readme-usage.ts");
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
    paths: { "@openagent/driver-interface": [join(root, "src", "index.ts")] },
    allowImportingTsExtensions: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

describe("README", () => {
  it("starts with the set-up-and-report command and the every-test command", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const lines = firstBlock.trim().split("\n");
    expect(lines).toHaveLength(2);
    const [setUp, everyTest] = lines;
    expect(setUp).toMatch(/^npm ci && npm run conformance\b/);
    expect(everyTest).toMatch(/npm ci && bash scripts\/with-swarm-cluster\.sh npm run verify\b/);
  });

  it("has a usage example that type-checks against the package", () => {
    const [usage] = codeBlocks("## Use");
    expect(usage).toContain("@openagent/driver-interface");
    expect(typeErrors(usage ?? "")).toEqual([]);
  }, 120_000);
});
