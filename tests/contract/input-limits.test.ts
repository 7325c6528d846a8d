/**
 * The size limits of validation (C-INPUT-LIMITS): `INPUT_LIMITS` bounds any
 * input before a schema reads it element by element, `CONFIG_LIMITS` bounds
 * a container config's lists, records and strings, and a refusal lists at
 * most 100 issues. Each limit is checked at its edge (the largest accepted
 * value and the smallest refused one), and each oversized input the
 * adversarial pass found (a 20 MB JSON body of ten million zeros, a million
 * arguments, a sparse `new Array(1e7)`, a million empty volumes) is parsed in
 * a child process with a 256 MB heap: once, such inputs took seconds and
 * gigabytes or aborted the process with "Reached heap limit".
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  CONFIG_LIMITS,
  ConfigurationError,
  type ConfigurationIssue,
  type ContainerConfig,
  containerConfigIssues,
  INPUT_LIMITS,
  inputSizeIssue,
  parseContainerConfig,
  parseLogOptions,
  parseVolumeConfig,
  validateContainerConfig,
} from "../../src/index.js";
import { baseConfig, largestInvalidConfig, largestValidConfig, OVERSIZED_SHAPES } from "./oversized-inputs.js";

const run = promisify(execFile);

/** The paths of the issues `containerConfigIssues` finds in `base` with `change` applied. */
function issuePaths(change: Partial<Record<keyof ContainerConfig, unknown>>): string[] {
  return containerConfigIssues({ ...baseConfig(), ...change }).map((issue) => issue.path);
}

function refusal(call: () => unknown): ConfigurationError {
  try {
    call();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ConfigurationError, but the call returned");
}

/** `count` keys `K0`, `K1`, ... with the value `value`. */
function record(count: number, value: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`K${index}`, value]));
}

describe("INPUT_LIMITS: the size walk before any schema", () => {
  it("an array of at most `entries` elements passes the walk, one more is refused by its length alone", () => {
    expect(inputSizeIssue(new Array(INPUT_LIMITS.entries).fill(0))).toBeUndefined();
    expect(inputSizeIssue({ command: new Array(INPUT_LIMITS.entries + 1) })).toEqual({
      path: "command",
      message: `too many entries: at most ${INPUT_LIMITS.entries}, there are ${INPUT_LIMITS.entries + 1}`,
    });
  });

  it("an object of at most `entries` keys passes, one more is refused", () => {
    expect(inputSizeIssue(record(INPUT_LIMITS.entries, "v"))).toBeUndefined();
    expect(inputSizeIssue({ env: record(INPUT_LIMITS.entries + 1, "v") })?.path).toBe("env");
  });

  it("nesting up to `depth` levels passes, one more is refused at the deepest path", () => {
    const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { a: nested(depth - 1) });
    expect(inputSizeIssue(nested(INPUT_LIMITS.depth))).toBeUndefined();
    const issue = inputSizeIssue(nested(INPUT_LIMITS.depth + 1));
    expect(issue?.message).toBe(`nested too deeply: at most ${INPUT_LIMITS.depth} levels`);
    expect(issue?.path).toBe(Array.from({ length: INPUT_LIMITS.depth }, () => "a").join("."));
  });

  it("a string of `stringLength` characters passes, one more is refused", () => {
    expect(inputSizeIssue({ image: "i".repeat(INPUT_LIMITS.stringLength) })).toBeUndefined();
    expect(inputSizeIssue({ image: "i".repeat(INPUT_LIMITS.stringLength + 1) })).toEqual({
      path: "image",
      message: `too long: at most ${INPUT_LIMITS.stringLength} characters`,
    });
  });

  it("`totalStringLength` characters in all pass, one more is refused; keys count too", () => {
    const chunk = INPUT_LIMITS.stringLength;
    const full = Array.from({ length: INPUT_LIMITS.totalStringLength / chunk }, () => "c".repeat(chunk));
    expect(inputSizeIssue(full)).toBeUndefined();
    expect(inputSizeIssue([...full, "c"])?.message).toBe(
      `too large: more than ${INPUT_LIMITS.totalStringLength} characters in all`,
    );
    const keyed = { [`k${"k".repeat(chunk - 2)}`]: "" };
    expect(inputSizeIssue([...full.slice(1), keyed])).toBeUndefined();
    expect(inputSizeIssue([...full.slice(1), keyed, "cc"])).toBeDefined();
  });

  it("`values` values in all pass, one more is refused", () => {
    // The root array is a value too, as is each inner array.
    const rows = Math.floor((INPUT_LIMITS.values - 1) / (INPUT_LIMITS.entries + 1));
    const inner = Array.from({ length: rows }, () => new Array(INPUT_LIMITS.entries).fill(0));
    const counted = 1 + rows * (INPUT_LIMITS.entries + 1);
    const rest = new Array(INPUT_LIMITS.values - counted - 1).fill(0);
    expect(inputSizeIssue([...inner, rest])).toBeUndefined();
    expect(inputSizeIssue([...inner, [...rest, 0]])?.message).toBe(
      `too large: more than ${INPUT_LIMITS.values} values in all`,
    );
  });

  it("typed arrays count as one value and are not walked", () => {
    expect(inputSizeIssue({ stdin: new Uint8Array(16 * 1024 * 1024) })).toBeUndefined();
  });

  it("applies to every parse function, not only the config's", () => {
    expect(
      refusal(() => parseVolumeConfig({ name: "v", labels: record(INPUT_LIMITS.entries + 1, "") })).issues,
    ).toEqual([
      {
        path: "labels",
        message: `too many keys: at most ${INPUT_LIMITS.entries}, there are ${INPUT_LIMITS.entries + 1}`,
      },
    ]);
    expect(refusal(() => parseLogOptions({ tail: 1, since: new Array(1e7) })).issues[0]?.path).toBe("since");
  });
});

describe("CONFIG_LIMITS: each at its edge", () => {
  const at = (count: number, make: (index: number) => unknown) => Array.from({ length: count }, (_, i) => make(i));
  const capabilities = (count: number) => at(count, (index) => `CAP_X${index}`);
  const mount = (index: number) => ({ source: `v${index}`, target: `/m${index}` });
  const longArgument = (length: number) => "a".repeat(length);

  it.each([
    [
      "command entries",
      { command: at(CONFIG_LIMITS.commandArguments, () => "a") },
      { command: at(CONFIG_LIMITS.commandArguments + 1, () => "a") },
      "command",
    ],
    [
      "argument length",
      { command: [longArgument(CONFIG_LIMITS.argumentLength)] },
      { command: [longArgument(CONFIG_LIMITS.argumentLength + 1)] },
      "command.0",
    ],
    [
      "command characters in all",
      {
        command: at(CONFIG_LIMITS.totalLength / CONFIG_LIMITS.argumentLength, () =>
          longArgument(CONFIG_LIMITS.argumentLength),
        ),
      },
      {
        command: [
          ...at(CONFIG_LIMITS.totalLength / CONFIG_LIMITS.argumentLength, () =>
            longArgument(CONFIG_LIMITS.argumentLength),
          ),
          "a",
        ],
      },
      "command",
    ],
    [
      "env entries",
      { env: record(CONFIG_LIMITS.envEntries, "v") },
      { env: record(CONFIG_LIMITS.envEntries + 1, "v") },
      "env",
    ],
    [
      "env value length",
      { env: { A: "v".repeat(CONFIG_LIMITS.argumentLength) } },
      { env: { A: "v".repeat(CONFIG_LIMITS.argumentLength + 1) } },
      "env.A",
    ],
    [
      "env key length",
      { env: { [`K${"k".repeat(CONFIG_LIMITS.keyLength - 1)}`]: "" } },
      { env: { [`K${"k".repeat(CONFIG_LIMITS.keyLength)}`]: "" } },
      `env.K${"k".repeat(127)}…`,
    ],
    [
      "env characters in all",
      { env: record(8, "v".repeat(CONFIG_LIMITS.totalLength / 8 - 2)) },
      { env: record(8, "v".repeat(CONFIG_LIMITS.totalLength / 8 - 1)) },
      "env",
    ],
    [
      "labels",
      { labels: record(CONFIG_LIMITS.labelEntries, "") },
      { labels: record(CONFIG_LIMITS.labelEntries + 1, "") },
      "labels",
    ],
    [
      "label value length",
      { labels: { k: "l".repeat(CONFIG_LIMITS.labelValueLength) } },
      { labels: { k: "l".repeat(CONFIG_LIMITS.labelValueLength + 1) } },
      "labels.k",
    ],
    [
      "label characters in all",
      { labels: record(4, "l".repeat(CONFIG_LIMITS.labelsLength / 4 - 2)) },
      { labels: record(4, "l".repeat(CONFIG_LIMITS.labelsLength / 4 - 1)) },
      "labels",
    ],
    [
      "volumes",
      { volumes: at(CONFIG_LIMITS.volumes, mount) },
      { volumes: at(CONFIG_LIMITS.volumes + 1, mount) },
      "volumes",
    ],
    [
      "capabilities dropped",
      {
        security: {
          ...baseConfig().security,
          capabilities: { drop: capabilities(CONFIG_LIMITS.capabilities), add: [] },
        },
      },
      {
        security: {
          ...baseConfig().security,
          capabilities: { drop: capabilities(CONFIG_LIMITS.capabilities + 1), add: [] },
        },
      },
      "security.capabilities.drop",
    ],
    [
      "capabilities added",
      {
        security: {
          ...baseConfig().security,
          capabilities: { drop: [], add: capabilities(CONFIG_LIMITS.capabilities) },
        },
      },
      {
        security: {
          ...baseConfig().security,
          capabilities: { drop: [], add: capabilities(CONFIG_LIMITS.capabilities + 1) },
        },
      },
      "security.capabilities.add",
    ],
    [
      "mount source length",
      { volumes: [{ source: `/${"s".repeat(CONFIG_LIMITS.pathLength - 1)}`, target: "/t" }] },
      { volumes: [{ source: `/${"s".repeat(CONFIG_LIMITS.pathLength)}`, target: "/t" }] },
      "volumes.0.source",
    ],
    [
      "mount target length",
      { volumes: [{ source: "v", target: `/${"t".repeat(CONFIG_LIMITS.pathLength - 1)}` }] },
      { volumes: [{ source: "v", target: `/${"t".repeat(CONFIG_LIMITS.pathLength)}` }] },
      "volumes.0.target",
    ],
    [
      "image length",
      { image: "i".repeat(CONFIG_LIMITS.imageLength) },
      { image: "i".repeat(CONFIG_LIMITS.imageLength + 1) },
      "image",
    ],
    [
      "stdin bytes",
      { stdin: "s".repeat(CONFIG_LIMITS.stdinBytes) },
      { stdin: `${"s".repeat(CONFIG_LIMITS.stdinBytes - 1)}é` },
      "stdin",
    ],
    ["ttlMs", { ttlMs: CONFIG_LIMITS.ttlMs }, { ttlMs: CONFIG_LIMITS.ttlMs + 1 }, "ttlMs"],
  ] as const)("%s: the largest passes, one more is refused at its path", (_what, largest, tooLarge, path) => {
    expect(issuePaths(largest)).toEqual([]);
    expect(issuePaths(tooLarge)).toEqual([path]);
  });

  it("a config with every list and string at its largest is valid, and parses to an equal copy", () => {
    const config = largestValidConfig();
    expect(containerConfigIssues(config)).toEqual([]);
    expect(parseContainerConfig(config)).toEqual(config);
  });
});

describe("a refusal stays short", () => {
  it("lists at most 100 issues and counts the rest", () => {
    const env = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`${index}bad`, "v"]));
    const error = refusal(() => parseContainerConfig({ ...baseConfig(), env }));
    expect(error.issues).toHaveLength(INPUT_LIMITS.issues + 1);
    expect(error.issues.at(-1)).toEqual({ path: "", message: "and 200 more problem(s)" });
    expect(error.message).toContain("and 200 more problem(s)");
    expect(containerConfigIssues({ ...baseConfig(), env })).toEqual(error.issues);
  });

  it("the most expensive invalid config that passes the size walk: every list full of wrong elements", () => {
    const input = largestInvalidConfig();
    const error = refusal(() => parseContainerConfig(input));
    expect(error.issues.length).toBe(INPUT_LIMITS.issues + 1);
    expect(error.issues.at(-1)?.message).toMatch(/^and \d+ more problem\(s\)$/);
    // Each listed issue has a bounded path and message, so the whole message is bounded too.
    for (const issue of error.issues as ConfigurationIssue[]) {
      expect(issue.path.length).toBeLessThanOrEqual(1_100);
      expect(issue.message.length).toBeLessThanOrEqual(500);
    }
    expect(error.message.length).toBeLessThan(200_000);
    expect(validateContainerConfig(input)).toBe(false);
  });
});

describe("oversized inputs, each in a child process with a 256 MB heap", () => {
  const names = Object.keys(OVERSIZED_SHAPES);

  it("each is refused with one short ConfigurationError at its path; validate and issues agree", async () => {
    const child = fileURLToPath(new URL("./input-limits.child.ts", import.meta.url));
    const outcome = await run(process.execPath, ["--max-old-space-size=256", "--import", "tsx", child, ...names], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; code?: unknown }) => error);
    const lines = (outcome.stdout ?? "").split("\n").filter((line) => line !== "");
    const results = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const died = names[results.length];
    if (died !== undefined) {
      expect.fail(
        `the child died on '${died}' (${OVERSIZED_SHAPES[died]?.label}): ${(outcome.stderr ?? "").slice(-2_000)}`,
      );
    }
    for (const [index, name] of names.entries()) {
      const result = results[index] ?? {};
      const shape = OVERSIZED_SHAPES[name];
      expect(result.name).toBe(name);
      expect(result.thrown, shape?.label).toBe("ConfigurationError");
      expect(result.configurationError, shape?.label).toBe(true);
      expect(result.messageLength as number, shape?.label).toBeLessThan(300);
      const issues = result.issues as ConfigurationIssue[];
      expect(issues, shape?.label).toHaveLength(1);
      expect(issues[0]?.path.startsWith(shape?.path ?? "?"), `${shape?.label}: ${issues[0]?.path}`).toBe(true);
      expect(issues[0]?.message, shape?.label).toMatch(/^(too |nested too deeply)/);
      expect(result.issuesAgree, shape?.label).toBe(true);
      expect(result.valid, shape?.label).toBe(false);
    }
  }, 180_000);
});
