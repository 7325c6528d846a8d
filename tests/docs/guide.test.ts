/**
 * The docs a driver author follows without the repository: every code block
 * marked ```ts check in docs/IMPLEMENTATION_GUIDE.md and
 * docs/INTERFACE_CONTRACT.md type-checks against the package's entry points
 * as a user imports them (`@openagent/driver-interface`, `/toolkit`,
 * `/conformance`, ...), and every package name the sections about checking
 * a driver mention is exported by one of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ALL_DRIVER_METHODS } from "../../src/contract/methods.js";

const root = join(import.meta.dirname, "..", "..");

/** Each public entry point, as a user imports it, and the source it is built from. */
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  "@openagent/driver-interface": "src/index.ts",
  "@openagent/driver-interface/errors": "src/errors.ts",
  "@openagent/driver-interface/toolkit": "src/toolkit/index.ts",
  "@openagent/driver-interface/mocks": "tests/mocks/index.ts",
  "@openagent/driver-interface/conformance": "src/conformance/index.ts",
  "@openagent/driver-interface/conformance/vitest": "src/conformance/vitest.ts",
};

const DOCUMENTS = ["docs/IMPLEMENTATION_GUIDE.md", "docs/INTERFACE_CONTRACT.md"] as const;

function read(document: string): string {
  return readFileSync(join(root, document), "utf8");
}

/** The ```ts check blocks of `text`, with the line each starts on; indentation of a list item removed. */
function checkedBlocks(text: string): { line: number; code: string }[] {
  return [...text.matchAll(/^( *)```ts check\n([\s\S]*?)^\1```/gm)].map((match) => {
    const indent = match[1] ?? "";
    const code = (match[2] ?? "")
      .split("\n")
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n");
    return { line: text.slice(0, match.index).split("\n").length, code };
  });
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
  skipLibCheck: true,
  types: ["node"],
  paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, path]) => [name, [join(root, path)]])),
};

/** A program over `sources` (virtual files under .tmp/, so they resolve like the repository's own ESM). */
function program(sources: Readonly<Record<string, string>>): ts.Program {
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => sources[name] ?? readFile(name);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name in sources || fileExists(name);
  return ts.createProgram(Object.keys(sources), COMPILER_OPTIONS, host);
}

describe("code blocks marked ```ts check", () => {
  const blocks = DOCUMENTS.flatMap((document) =>
    checkedBlocks(read(document)).map((block, index) => ({
      ...block,
      document,
      file: join(root, ".tmp", "docs-check", `${document.replace(/\W/g, "-")}-${index}.ts`),
    })),
  );

  it("there are checked blocks in both documents", () => {
    expect(blocks.filter((block) => block.document === "docs/IMPLEMENTATION_GUIDE.md").length).toBeGreaterThanOrEqual(
      6,
    );
    expect(blocks.some((block) => block.document === "docs/INTERFACE_CONTRACT.md")).toBe(true);
  });

  it("each type-checks against the package's entry points", () => {
    const compiled = program(Object.fromEntries(blocks.map((block) => [block.file, block.code])));
    const problems = blocks.flatMap((block) =>
      ts.getPreEmitDiagnostics(compiled, compiled.getSourceFile(block.file)).map((diagnostic) => {
        const at =
          diagnostic.file === undefined || diagnostic.start === undefined
            ? 0
            : diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
        return `${block.document}:${block.line + at}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
      }),
    );
    expect(problems).toEqual([]);
  }, 120_000);
});

describe("names the docs give a package user", () => {
  /** Every name any entry point exports, values and types alike. */
  function exportedNames(): Set<string> {
    const file = join(root, ".tmp", "docs-check", "exports.ts");
    const source = Object.keys(ENTRY_POINTS)
      .map((name, index) => `export type * as E${index} from "${name}";`)
      .join("\n");
    const compiled = program({ [file]: source });
    const checker = compiled.getTypeChecker();
    const names = new Set<string>();
    for (const entry of Object.values(ENTRY_POINTS)) {
      const sourceFile = compiled.getSourceFile(join(root, entry));
      const symbol = sourceFile === undefined ? undefined : checker.getSymbolAtLocation(sourceFile);
      for (const exported of symbol === undefined ? [] : checker.getExportsOfModule(symbol)) names.add(exported.name);
    }
    return names;
  }

  /** The text of `document` from the heading `from` up to the next heading of the same level (or the end). */
  function section(document: string, from: string): string {
    const text = read(document);
    const start = text.indexOf(`\n${from}\n`);
    expect(start, `${document} has no heading "${from}"`).toBeGreaterThanOrEqual(0);
    const level = /^#+/.exec(from)?.[0] ?? "##";
    const next = text.slice(start + from.length + 2).search(new RegExp(`\\n${level} `));
    return next < 0 ? text.slice(start) : text.slice(start, start + from.length + 2 + next);
  }

  /**
   * Backticked names that must be the package's: a type, class or constant
   * (`LogBuffer`, `LOG_TRUNCATION_NOTICE`, `ConformanceCase.formerIds`), or a
   * function called (`runConformance(factory, options)`) that is not a driver
   * method. Option and field names (`baseConfig`) are members, not exports.
   */
  function apiNames(text: string): string[] {
    const names = new Set<string>();
    for (const [, token, rest] of text.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)([.(][^`]*)?`/g)) {
      if (token === undefined) continue;
      const called = rest?.startsWith("(") === true && !(ALL_DRIVER_METHODS as readonly string[]).includes(token);
      if (/^[A-Z]/.test(token) || called) names.add(token);
    }
    return [...names];
  }

  it("every one the sections about checking a driver and the toolkit name is exported", () => {
    const exported = exportedNames();
    expect(exported.has("runConformance")).toBe(true);
    const text = [
      section("docs/INTERFACE_CONTRACT.md", "## Checking a driver"),
      section("docs/IMPLEMENTATION_GUIDE.md", "## 7. Testing with the conformance suite"),
      section("docs/IMPLEMENTATION_GUIDE.md", "## 8. Building blocks: logs for a runtime that keeps none"),
      section("docs/IMPLEMENTATION_GUIDE.md", "## 9. A driver that cannot isolate: the process driver"),
    ].join("\n");
    // Names of the reader's own code in the examples, not of the package.
    const theirs = new Set(["MyDriver", "CI"]);
    const missing = apiNames(text).filter((name) => !exported.has(name) && !theirs.has(name));
    expect(missing).toEqual([]);
  }, 120_000);

  it("the guide points at nothing the package does not ship as if it did", () => {
    const guide = read("docs/IMPLEMENTATION_GUIDE.md");
    expect(guide).not.toContain("TRANSITION_REJECTIONS");
    expect(guide).not.toMatch(/from "\.\.?\//);
    for (const mention of guide.matchAll(/tests\/fixtures/g)) {
      const paragraph = guide.slice(Math.max(0, (mention.index ?? 0) - 400), (mention.index ?? 0) + 100);
      expect(paragraph).toMatch(/repository/);
    }
  });
});
