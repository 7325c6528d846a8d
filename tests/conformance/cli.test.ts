import { describe, expect, it } from "vitest";
import { main, parseArguments } from "../../src/conformance/cli.js";

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
    expect(text).toMatch(/mock-docker: 21 passed, 0 failed, 0 skipped of 21 cases in /);
    expect(text).toMatch(/mock-local: 21 passed, 0 failed, 0 skipped of 21 cases in /);
    expect(text).toMatch(/2 driver\(s\) in [\d.]+ s: all conformant/);
  });

  it("on a terminal, shows a progress line on stderr and the table at the end", async () => {
    const capture = captureIo(true);
    expect(await main(["mock-docker", "--filter", "identity."], capture.io)).toBe(0);
    expect(capture.stderr()).toContain("mock-docker [1/4] identity.name");
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
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(/^execution\.[a-z.-]+\texecution\tC-EXEC-[A-Z-]+\t\S/);
  });

  it("prints usage with --help", async () => {
    const capture = captureIo();
    expect(await main(["--help"], capture.io)).toBe(0);
    expect(capture.stdout()).toMatch(/^Usage: driver-conformance/);
  });
});
