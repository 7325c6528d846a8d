/**
 * The test map of docs/PACKAGE_STRUCTURE.md holds: every module under src/
 * has a test a newcomer can find from its path, by the mirror rule
 * (`src/<dir>/<name>.ts` → `tests/<dir>/<name>.test.ts` or
 * `tests/<dir>/<name>/*.test.ts`) or by a row of the table between
 * `<!-- test-map -->` and `<!-- /test-map -->`; every file the table names
 * exists; and every mapped test imports what it is mapped to: the module
 * itself, an entry that re-exports it, or (a "via" chain in the table) a
 * module that imports it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const DOCUMENT = "docs/PACKAGE_STRUCTURE.md";

/** A test a module is mapped to, and the chain of modules it reaches the module through (empty: directly). */
type MappedTest = { readonly test: string; readonly via: readonly string[] };

function filesUnder(directory: string): string[] {
  return readdirSync(join(root, directory), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/** The table rows: `src/…` → the tests named in the second cell, each with its `via` chain. */
function readTestMap(text: string): Map<string, MappedTest[]> {
  const block = /<!-- test-map -->\n([\s\S]*?)<!-- \/test-map -->/.exec(text);
  if (block === null) throw new Error(`${DOCUMENT} has no <!-- test-map --> block`);
  const map = new Map<string, MappedTest[]>();
  for (const line of (block[1] as string).split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const source = /^`(src\/[^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (source === undefined) continue;
    const tests: MappedTest[] = [];
    for (const entry of (cells[2] ?? "").split(/,\s*/)) {
      const [test, ...via] = [...entry.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
      if (test !== undefined) tests.push({ test, via });
    }
    map.set(source, [...(map.get(source) ?? []), ...tests]);
  }
  return map;
}

/** What a module imports and what it re-exports, each as a repository path (relative specifiers only). */
type ModuleLinks = { readonly imports: ReadonlySet<string>; readonly reExports: ReadonlySet<string> };

const linkCache = new Map<string, ModuleLinks>();

function toRepoPath(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = relative(root, resolve(dirname(join(root, from)), specifier))
    .split("\\")
    .join("/");
  return target.replace(/\.(js|cjs|mjs)$/, ".ts");
}

function linksOf(path: string): ModuleLinks {
  const cached = linkCache.get(path);
  if (cached !== undefined) return cached;
  const source = ts.createSourceFile(path, readFileSync(join(root, path), "utf8"), ts.ScriptTarget.Latest);
  const imports = new Set<string>();
  const reExports = new Set<string>();
  const importedFrom = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const target = toRepoPath(path, node.moduleSpecifier.text);
      if (target !== undefined) {
        imports.add(target);
        const bindings = node.importClause;
        if (bindings?.name !== undefined) importedFrom.set(bindings.name.text, target);
        if (bindings?.namedBindings !== undefined && ts.isNamedImports(bindings.namedBindings)) {
          for (const element of bindings.namedBindings.elements) importedFrom.set(element.name.text, target);
        }
      }
    } else if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
        const target = toRepoPath(path, node.moduleSpecifier.text);
        if (target !== undefined) {
          imports.add(target);
          reExports.add(target);
        }
      } else if (node.exportClause !== undefined && ts.isNamedExports(node.exportClause)) {
        // `import { x } from "./m.js"; export { x };` re-exports ./m.js as surely as `export { x } from`.
        for (const element of node.exportClause.elements) {
          const target = importedFrom.get((element.propertyName ?? element.name).text);
          if (target !== undefined) reExports.add(target);
        }
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const target = toRepoPath(path, node.arguments[0].text);
      if (target !== undefined) imports.add(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const links = { imports, reExports };
  linkCache.set(path, links);
  return links;
}

/** The modules `test` imports, with everything those re-export, transitively. */
function reachable(test: string): Set<string> {
  const seen = new Set<string>();
  const pending = [...linksOf(test).imports].filter((path) => path.startsWith("src/") && existsSync(join(root, path)));
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...linksOf(next).reExports);
  }
  return seen;
}

/** Why `mapped` does not reach `source` as the table says, or undefined when it does. */
function importProblem(source: string, mapped: MappedTest): string | undefined {
  const reached = reachable(mapped.test);
  const [first, ...rest] = mapped.via;
  if (first === undefined) {
    return reached.has(source) ? undefined : `${mapped.test} imports neither ${source} nor an entry that re-exports it`;
  }
  if (!reached.has(first)) return `${mapped.test} does not import ${first} (or an entry that re-exports it)`;
  const chain = [first, ...rest, source];
  for (let index = 1; index < chain.length; index++) {
    const [from, to] = [chain[index - 1] as string, chain[index] as string];
    if (!linksOf(from).imports.has(to)) return `${from} does not import ${to}`;
  }
  return undefined;
}

/** Whether a module only re-exports (an entry point or a barrel): it has no code of its own to test. */
function onlyReExports(path: string): boolean {
  const source = ts.createSourceFile(path, readFileSync(join(root, path), "utf8"), ts.ScriptTarget.Latest);
  return source.statements.every((statement) => ts.isExportDeclaration(statement));
}

/** The tests the mirror rule finds for `source`. */
function testsByRule(source: string, testFiles: readonly string[]): string[] {
  const stem = source.replace(/^src\//, "tests/").replace(/\.ts$/, "");
  return testFiles.filter(
    (test) =>
      test === `${stem}.test.ts` ||
      (test.startsWith(`${stem}/`) && /^[^/]+\.test\.ts$/.test(test.slice(stem.length + 1))),
  );
}

const sources = filesUnder("src").filter((path) => path.endsWith(".ts"));
const testFiles = filesUnder("tests").filter((path) => /\.test(-d)?\.ts$/.test(path));
const testMap = readTestMap(readFileSync(join(root, DOCUMENT), "utf8"));

describe(`the test map of ${DOCUMENT}`, () => {
  it("reads a table with rows", () => {
    expect(testMap.size).toBeGreaterThan(10);
  });

  it("finds at least one test for every module under src/, by the mirror rule or by a row of the table", () => {
    const unmapped = sources.filter(
      (source) =>
        !onlyReExports(source) &&
        testsByRule(source, testFiles).length === 0 &&
        (testMap.get(source) ?? []).length === 0,
    );
    expect(unmapped, `add tests/<dir>/<name>.test.ts, or a row to the test map of ${DOCUMENT}`).toEqual([]);
  });

  it("names only files that exist", () => {
    const named = [...testMap].flatMap(([source, tests]) => [source, ...tests.flatMap((t) => [t.test, ...t.via])]);
    expect(named.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it("maps each module to tests that import it, an entry that re-exports it, or the chain the row names", () => {
    const problems = [...testMap].flatMap(([source, tests]) =>
      tests.map((mapped) => importProblem(source, mapped)).filter((problem) => problem !== undefined),
    );
    expect(problems).toEqual([]);
  });

  it("finds by the mirror rule only tests that import their module or an entry that re-exports it", () => {
    const problems = sources.flatMap((source) =>
      testsByRule(source, testFiles)
        .map((test) => importProblem(source, { test, via: [] }))
        .filter((problem) => problem !== undefined),
    );
    expect(problems).toEqual([]);
  });
});
