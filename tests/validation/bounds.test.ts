/**
 * The size check before any schema: oversized, deep, cyclic or hostile input
 * is refused by its size, quickly, with the path where the limit was hit, and
 * nothing the input does while being read escapes.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, INPUT_LIMITS, inputSizeIssue, parseContainerConfig } from "../../src/index.js";

describe("inputSizeIssue", () => {
  it("passes an ordinary config", () => {
    expect(inputSizeIssue({ sessionId: "s-1", command: ["sh", "-c", "echo hi"], env: { A: "1" } })).toBeUndefined();
  });

  it("refuses a sparse array by its length alone, without visiting its holes", () => {
    const issue = inputSizeIssue({ command: new Array(1e7) });
    expect(issue).toEqual({ path: "command", message: expect.stringContaining("too many entries") });
  });

  it("refuses an object with too many keys, at its path", () => {
    const env: Record<string, string> = {};
    for (let index = 0; index <= INPUT_LIMITS.entries; index++) env[`K${index}`] = "";
    expect(inputSizeIssue({ env })?.path).toBe("env");
  });

  it("refuses too many values in all, though each container is within its limit", () => {
    const volumes = Array.from({ length: INPUT_LIMITS.entries }, () => ({
      a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    }));
    expect(inputSizeIssue({ volumes })?.message).toMatch(/more than 65536 values/);
  });

  it("refuses a string that is too long, and too many characters in all", () => {
    expect(inputSizeIssue({ image: "x".repeat(INPUT_LIMITS.stringLength + 1) })?.path).toBe("image");
    const chunk = "x".repeat(INPUT_LIMITS.stringLength);
    const many = Array.from({ length: INPUT_LIMITS.totalStringLength / INPUT_LIMITS.stringLength + 1 }, () => chunk);
    expect(inputSizeIssue({ command: many })?.message).toMatch(/characters in all/);
  });

  it("refuses nesting deeper than the limit, which also ends a cycle", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(inputSizeIssue(cyclic)?.message).toMatch(/nested too deeply/);
  });

  it("counts bytes by length and does not walk them", () => {
    expect(inputSizeIssue({ stdin: new Uint8Array(10_000_000) })).toBeUndefined();
  });

  it.each([
    [
      "a revoked Proxy",
      (() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return { labels: proxy };
      })(),
    ],
    [
      "a Proxy whose ownKeys trap throws a null-prototype object",
      {
        env: new Proxy(
          {},
          {
            ownKeys() {
              throw Object.create(null);
            },
          },
        ),
      },
    ],
    [
      "a getter that throws",
      Object.defineProperty({}, "image", {
        enumerable: true,
        get() {
          throw new Error("no");
        },
      }),
    ],
  ])("reports %s as an issue instead of throwing", (_, value) => {
    expect(inputSizeIssue(value)?.message).toMatch(/could not be read/);
  });
});

describe("parse under oversized input", () => {
  it("answers a sparse ten-million-entry command with one short ConfigurationError", () => {
    let thrown: unknown;
    try {
      parseContainerConfig({ command: new Array(1e7) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).issues).toHaveLength(1);
    expect((thrown as ConfigurationError).message.length).toBeLessThan(300);
  });

  it("lists at most the issue limit and counts the rest", () => {
    const labels: Record<string, string> = {};
    for (let index = 0; index < 200; index++) labels[`k${index}`] = "\u0000";
    let thrown: unknown;
    try {
      parseContainerConfig({ labels });
    } catch (error) {
      thrown = error;
    }
    const issues = (thrown as ConfigurationError).issues;
    expect(issues.length).toBe(INPUT_LIMITS.issues + 1);
    expect(issues.at(-1)?.message).toMatch(/^and \d+ more problem/);
  });
});
