import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, parseArguments } from "../../src/conformance/cli.js";
import { parseXml } from "./xml.js";

function captureIo(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text), isTTY },
      stderr: { write: (text: string) => err.push(text), isTTY },
      workingDirectory: process.cwd(),
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}

describe("parseArguments", () => {
  it("reads drivers, tiers, filter, image, timeouts and --json, also as --flag=value", () => {
    const parsed = parseArguments([
      "mock-docker",
      "./driver.js",
      "--tier",
      "core,execution",
      "--filter=/^lifecycle\\./",
      "--image",
      "busybox:1.36",
      "--timeout",
      "500",
      "--poll=10",
      "--json",
    ]);
    expect(parsed.drivers).toEqual(["mock-docker", "./driver.js"]);
    expect(parsed.options).toEqual({
      tiers: ["core", "execution"],
      filter: /^lifecycle\./,
      image: "busybox:1.36",
      timeoutMs: 500,
      pollIntervalMs: 10,
    });
    expect(parsed.json).toBe(true);
  });

  it.each([["--tier", "gpu"], ["--timeout", "soon"], ["--bogus"], ["--filter"], ["--filter", "/(/"]])(
    "refuses %s",
    (...argv) => {
      expect(() => parseArguments(argv)).toThrow();
    },
  );
});

describe("driver-conformance", () => {
  it("prints a line per case and a summary, and exits 0 when every selected case passes", async () => {
    const capture = captureIo();
    const code = await main(["mock-docker", "mock-local", "--tier", "core", "--filter", "/^lifecycle\\./"], capture.io);
    expect(code).toBe(0);
    const text = capture.stdout();
    expect(text).toMatch(/^PASS {2}lifecycle\.start\.from-created +C-LIFECYCLE-START/m);
    // The mocks reach `removing` (simulate.removing), so its cells run too.
    expect(text).toMatch(/^PASS {2}lifecycle\.start\.from-removing/m);
    expect(text).toMatch(/mock-docker: 21 passed, 0 failed, 0 skipped, 0 unsupported of 21 cases in /);
    expect(text).toMatch(/mock-local: 21 passed, 0 failed, 0 skipped, 0 unsupported of 21 cases in /);
    expect(text).toMatch(/2 driver\(s\) in [\d.]+ s: all conformant/);
  });

  it("on a terminal, shows a progress line on stderr and the table at the end", async () => {
    const capture = captureIo(true);
    expect(await main(["mock-docker", "--filter", "identity."], capture.io)).toBe(0);
    const redraws = capture.stderr().split("\r\u001b[2K");
    expect(redraws.some((line) => /^mock-docker \[\d\/4\] \d passed, 0 failed · identity\./.test(line))).toBe(true);
    expect(capture.stderr()).toContain("mock-docker [4/4] 4 passed, 0 failed");
    expect(capture.stdout()).toMatch(
      /^mock-docker 1\.1\.0 \(capabilities: execution, streams, exec, files, pause, expiry, idempotency\), run [a-z0-9]+\nPASS {2}identity\.name/,
    );
  });

  it("loads a driver module, and exits 1 when a case fails", async () => {
    const capture = captureIo();
    const code = await main(
      ["./tests/fixtures/ignores-state-filter.ts", "--tier", "core", "--filter", "filters."],
      capture.io,
    );
    expect(code).toBe(1);
    expect(capture.stdout()).toMatch(/^FAIL {2}filters\.state/m);
    expect(capture.stdout()).toMatch(/NOT conformant: broken-ignores-state-filter/);
  });

  it("prints the report as JSON with --json", async () => {
    const capture = captureIo();
    expect(await main(["mock-local", "--json", "--filter", "errors.not-found."], capture.io)).toBe(0);
    const report = JSON.parse(capture.stdout());
    expect(report.driver.name).toBe("mock-local");
    expect(report.summary.failed).toBe(0);
    expect(report.results.map((result: { id: string }) => result.id)).toContain("errors.not-found.getContainer");
  });

  it("exits 2 for a usage error, no driver, or a module that cannot be loaded", async () => {
    for (const argv of [
      ["--nope"],
      [],
      ["./tests/fixtures/does-not-exist.js"],
      ["./tests/fixtures/broken-driver.ts"],
    ]) {
      const capture = captureIo();
      expect(await main(argv, capture.io), argv.join(" ")).toBe(2);
      expect(capture.stderr()).toMatch(/driver-conformance: /);
    }
  });

  it("lists the selected cases without running them with --list", async () => {
    const capture = captureIo();
    expect(await main(["--list", "--tier", "execution"], capture.io)).toBe(0);
    const lines = capture.stdout().trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(/^execution\.[a-z.-]+\texecution\tC-EXEC-[A-Z-]+\t\S/);
  });

  it("lists a renamed case with its former id, and finds it by that id", async () => {
    const capture = captureIo();
    expect(await main(["--list", "--filter", "execution.security.user"], capture.io)).toBe(0);
    expect(capture.stdout()).toMatch(
      /^isolation\.security\.user\tisolation\tC-EXEC-SECURITY\t.*\(formerly execution\.security\.user\)\n$/,
    );
  });

  it("prints JUnit XML with --reporter junit, and nothing else on stdout", async () => {
    const capture = captureIo();
    expect(await main(["mock-local", "--reporter", "junit", "--filter", "identity."], capture.io)).toBe(0);
    const root = parseXml(capture.stdout());
    expect(root.attributes).toMatchObject({ tests: "4", failures: "0" });
  });

  it.each([
    ["--reporter", "html"],
    ["--concurrency", "0"],
    ["--concurrency", "two"],
  ])("refuses %s %s", async (...argv) => {
    const capture = captureIo();
    expect(await main(["mock-docker", ...argv], capture.io)).toBe(2);
    expect(capture.stderr()).toMatch(/driver-conformance: /);
  });

  it("passes --concurrency to the run", () => {
    expect(parseArguments(["mock-docker", "--concurrency", "2"]).options.concurrency).toBe(2);
  });

  it("prints usage with --help", async () => {
    const capture = captureIo();
    expect(await main(["--help"], capture.io)).toBe(0);
    expect(capture.stdout()).toMatch(/^Usage: driver-conformance/);
  });
});

/**
 * The command as a user runs it: bundled into one JavaScript file (as the
 * published dist/cli.js is) and started with plain `node`, so no test
 * runner's TypeScript support helps it load a module.
 */
describe("driver-conformance loads TypeScript and CommonJS factories (plain node)", () => {
  const root = join(import.meta.dirname, "..", "..");
  let work = "";

  const TS_FACTORY = `import mocks from "../mocks.cjs";

type Timing = "instant" | "realistic";
const timing: Timing = "instant";

export default function createDriver(): InstanceType<typeof mocks.MockDockerDriver> {
  return new mocks.MockDockerDriver({ timing });
}
`;

  // What tsc emits for the same file with "module": "commonjs".
  const CJS_FACTORY = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.default = createDriver;
const mocks = require("../mocks.cjs");
function createDriver() {
  return new mocks.MockDockerDriver({ timing: "instant" });
}
`;

  beforeAll(async () => {
    const { build } = await import("esbuild");
    work = mkdtempSync(join(tmpdir(), "cf-cli-load-"));
    const common = { bundle: true, platform: "node", target: "node20", logLevel: "silent" } as const;
    await build({
      ...common,
      entryPoints: [join(root, "src/conformance/cli.ts")],
      format: "esm",
      outfile: join(work, "cli.mjs"),
    });
    await build({
      ...common,
      entryPoints: [join(root, "tests/mocks/index.ts")],
      format: "cjs",
      outfile: join(work, "mocks.cjs"),
    });
    for (const project of ["with-tsx", "without-tsx", "cjs"]) mkdirSync(join(work, project));
    for (const project of ["with-tsx", "without-tsx"]) {
      writeFileSync(join(work, project, "package.json"), JSON.stringify({ name: project, type: "module" }));
    }
    writeFileSync(join(work, "with-tsx", "factory.ts"), TS_FACTORY);
    writeFileSync(join(work, "without-tsx", "factory.ts"), TS_FACTORY);
    writeFileSync(join(work, "cjs", "factory.cjs"), CJS_FACTORY);
    // The user's project has tsx installed: its node_modules holds (a link to) it.
    mkdirSync(join(work, "with-tsx", "node_modules"));
    symlinkSync(join(root, "node_modules", "tsx"), join(work, "with-tsx", "node_modules", "tsx"), "dir");
  }, 60_000);

  afterAll(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  function command(project: string, factory: string) {
    const result = spawnSync(
      process.execPath,
      [join(work, "cli.mjs"), factory, "--filter", "identity.", "--concurrency", "2"],
      {
        cwd: join(work, project),
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("loads a .ts factory through the project's tsx", () => {
    const { code, stdout, stderr } = command("with-tsx", "./factory.ts");
    expect(stderr).toBe("");
    expect(stdout).toMatch(/mock-docker: 4 passed, 0 failed, 0 skipped, 0 unsupported of 4 cases/);
    expect(code).toBe(0);
  }, 60_000);

  it("without tsx, says to install tsx or compile the factory, and exits 2", () => {
    const { code, stderr } = command("without-tsx", "./factory.ts");
    expect(code).toBe(2);
    expect(stderr).toMatch(/it is TypeScript, which Node does not run by itself\. Install tsx or compile your factory/);
  }, 60_000);

  it("finds the default export of a CommonJS factory compiled from `export default`", () => {
    const { code, stdout, stderr } = command("cjs", "./factory.cjs");
    expect(stderr).toBe("");
    expect(stdout).toMatch(/mock-docker: 4 passed, 0 failed/);
    expect(code).toBe(0);
  }, 60_000);
});
