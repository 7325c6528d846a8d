/**
 * parseExecRequest and parseExecOptions: the exec capability's inputs, each
 * problem a ConfigurationError issue at its path, and a string stdin bounded
 * by its own 16 MiB limit rather than the 1 Mi-character bound of every other
 * string.
 */
import { describe, expect, it } from "vitest";
import {
  CONFIG_LIMITS,
  ConfigurationError,
  INPUT_LIMITS,
  parseExecOptions,
  parseExecRequest,
} from "../../src/index.js";

function issuesOf(call: () => unknown): { path: string; message: string }[] {
  try {
    call();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues.map(({ path, message }) => ({ path, message }));
    throw new Error(`expected a ConfigurationError, got ${String(error)}`);
  }
  throw new Error("expected a ConfigurationError, but the call returned");
}

describe("parseExecRequest", () => {
  it("returns a valid request as given", () => {
    const request = {
      command: ["sh", "-c", "make test"],
      env: { CI: "1" },
      workingDir: "/work",
      user: "1000:1000",
      stdin: new Uint8Array([1, 2, 3]),
      timeoutMs: 60_000,
      maxOutputBytes: 4_096,
    };
    expect(parseExecRequest(request)).toEqual(request);
  });

  it.each([
    ["command", { command: [] }],
    ["command.1", { command: ["echo", "a\u0000b"] }],
    ["workingDir", { command: ["pwd"], workingDir: "work" }],
    ["workingDir", { command: ["pwd"], workingDir: "/work/../etc" }],
    ["env.1BAD", { command: ["env"], env: { "1BAD": "x" } }],
    ["user", { command: ["true"], user: "a b" }],
    ["timeoutMs", { command: ["true"], timeoutMs: 0 }],
    ["maxOutputBytes", { command: ["true"], maxOutputBytes: CONFIG_LIMITS.execOutputBytes + 1 }],
    ["stdin", { command: ["true"], stdin: new Uint8Array(CONFIG_LIMITS.execStdinBytes + 1) }],
    ["shell", { command: ["true"], shell: true }],
  ] as const)("refuses an invalid %s at its path", (path, request) => {
    expect(issuesOf(() => parseExecRequest(request)).map((issue) => issue.path)).toContain(path);
  });

  it("accepts a string stdin of 10 MB, beyond the generic per-string bound, up to its own limit of 16 MiB", () => {
    const stdin = "x".repeat(10 * 1024 * 1024);
    expect(stdin.length).toBeGreaterThan(INPUT_LIMITS.stringLength);
    expect(parseExecRequest({ command: ["wc", "-c"], stdin }).stdin).toBe(stdin);
    // Bytes count, not characters: 6 Mi three-byte characters are 18 MiB.
    expect(issuesOf(() => parseExecRequest({ command: ["cat"], stdin: "€".repeat(6 * 1024 * 1024) }))).toEqual([
      { path: "stdin", message: `must be at most ${CONFIG_LIMITS.execStdinBytes} bytes` },
    ]);
  });

  it("with a long string stdin, still reports every other problem, and one of stdin with them", () => {
    const stdin = "x".repeat(INPUT_LIMITS.stringLength + 1);
    expect(issuesOf(() => parseExecRequest({ command: [], stdin })).map((issue) => issue.path)).toEqual(["command"]);
    const tooLong = "x".repeat(CONFIG_LIMITS.execStdinBytes + 1);
    expect(
      issuesOf(() => parseExecRequest({ command: ["cat"], stdin: tooLong, workingDir: "rel" })).map(
        (issue) => issue.path,
      ),
    ).toEqual(["stdin", "workingDir", "workingDir"]);
  });

  it("never lets the input's own exception escape", () => {
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error("trap");
        },
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    expect(issuesOf(() => parseExecRequest(hostile))).toHaveLength(1);
  });
});

describe("parseExecOptions", () => {
  it("accepts none, a signal and a callback", () => {
    expect(parseExecOptions(undefined)).toEqual({});
    const options = { signal: new AbortController().signal, onOutput: () => undefined };
    expect(parseExecOptions(options)).toEqual(options);
  });

  it("refuses what is not a function or a signal, and unknown keys", () => {
    expect(issuesOf(() => parseExecOptions({ onOutput: "print" })).map((issue) => issue.path)).toEqual(["onOutput"]);
    expect(issuesOf(() => parseExecOptions({ signal: {} })).map((issue) => issue.path)).toEqual(["signal"]);
    expect(issuesOf(() => parseExecOptions({ timeout: 5 })).map((issue) => issue.path)).toEqual(["timeout"]);
  });
});
