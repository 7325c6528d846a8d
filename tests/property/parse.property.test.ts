import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  type ContainerConfig,
  containerConfigIssues,
  parseContainerConfig,
  parseResourceLimits,
  parseSecurityOptions,
} from "../../src/index.js";
import { containerConfig, envName, labelKey, resourceLimits, securityOptions } from "./arbitraries.js";

type Path = readonly (string | number)[];

/**
 * For each field a way to make it invalid, and the path at which the issue
 * must be reported. `at` may add to the config first (an env key, a mount) so
 * that the field exists.
 */
type Mutation = {
  readonly label: string;
  readonly invalid: fc.Arbitrary<unknown>;
  readonly path: (config: ContainerConfig) => Path;
};

const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const notAFiniteNumber = fc.oneof(
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NEGATIVE_INFINITY),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);
const withNul = fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}\u0000${b}`);
const badCapability = fc.oneof(fc.constant("all"), fc.constant("net_raw"), fc.constant(""), fc.constant("CAP_"));

const mutations: Mutation[] = [
  {
    label: "sessionId",
    invalid: fc.oneof(notAString, fc.constantFrom("", "-x", "a b", "a".repeat(129))),
    path: () => ["sessionId"],
  },
  {
    label: "image",
    invalid: fc.oneof(notAString, fc.constantFrom("", "a b", "a\tb", "a\u0000")),
    path: () => ["image"],
  },
  { label: "network", invalid: fc.oneof(notAString, fc.constantFrom("", "a b", "../x")), path: () => ["network"] },
  { label: "command", invalid: fc.oneof(fc.string(), fc.integer(), fc.constant({})), path: () => ["command"] },
  {
    label: "resources.cpu",
    invalid: fc.oneof(notAFiniteNumber, fc.double({ max: -0.001, noNaN: true })),
    path: () => ["resources", "cpu"],
  },
  {
    label: "resources.memory",
    invalid: fc.oneof(notAFiniteNumber, fc.double({ max: 0.999, noNaN: true })),
    path: () => ["resources", "memory"],
  },
  {
    label: "resources.disk",
    invalid: fc.oneof(notAFiniteNumber, fc.double({ max: 0.999, noNaN: true })),
    path: () => ["resources", "disk"],
  },
  {
    label: "resources.pids",
    invalid: fc.oneof(notAFiniteNumber, fc.constant(1.5), fc.integer({ max: 0 })),
    path: () => ["resources", "pids"],
  },
  {
    label: "security.readOnly",
    invalid: notAString.filter((v) => typeof v !== "boolean"),
    path: () => ["security", "readOnly"],
  },
  {
    label: "security.noNewPrivileges",
    invalid: fc.constantFrom("true", 1, null),
    path: () => ["security", "noNewPrivileges"],
  },
  {
    label: "security.user",
    invalid: fc.oneof(notAString, fc.constantFrom("", "a b", ":x", "$(id)")),
    path: () => ["security", "user"],
  },
  {
    label: "security.capabilities.drop",
    invalid: fc.oneof(fc.string(), fc.constant(null)),
    path: () => ["security", "capabilities", "drop"],
  },
  { label: "security.capabilities.add.0", invalid: badCapability, path: () => ["security", "capabilities", "add", 0] },
  {
    label: "volumes.N.target",
    invalid: fc.constantFrom("relative", "/a/../b", "", "/..", 5),
    path: (c) => ["volumes", Math.max(0, c.volumes.length - 1), "target"],
  },
  {
    label: "env.KEY (value)",
    invalid: fc.oneof(withNul, fc.integer(), fc.constant(null)),
    path: () => ["env", "VALID_NAME"],
  },
  { label: "env.KEY (name)", invalid: fc.constant("value"), path: () => ["env", "1-not-a-name"] },
  { label: "labels.KEY (value)", invalid: fc.oneof(withNul, fc.integer()), path: () => ["labels", "some.label"] },
];

/** A deep copy of `config` with the value at `path` replaced; creates a volume when the path needs one. */
function mutate(config: ContainerConfig, path: Path, value: unknown): unknown {
  const copy = structuredClone(config) as unknown as Record<string | number, unknown>;
  if (path[0] === "volumes" && config.volumes.length === 0) {
    (copy.volumes as unknown[]).push({ source: "data", target: "/data" });
  }
  if (path[0] === "security" && path[2] === "add") {
    (copy.security as { capabilities: { add: unknown[] } }).capabilities.add = [];
  }
  let target = copy;
  for (const segment of path.slice(0, -1)) target = target[segment] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) target[last] = value;
  return copy;
}

describe("parse", () => {
  it("of a valid config returns a deep-equal value, which is a new object", () => {
    fc.assert(
      fc.property(containerConfig, (config) => {
        const parsed = parseContainerConfig(config);
        expect(parsed).toEqual(config);
        expect(parsed).not.toBe(config);
        expect(parseContainerConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
      }),
      { numRuns: 200 },
    );
  });

  it("of valid resource limits and security options returns deep-equal values", () => {
    fc.assert(
      fc.property(resourceLimits, securityOptions, (limits, security) => {
        expect(parseResourceLimits(limits)).toEqual(limits);
        expect(parseSecurityOptions(security)).toEqual(security);
      }),
      { numRuns: 200 },
    );
  });

  it.each(mutations.map((mutation) => [mutation.label, mutation] as const))(
    "names the failing path when %s alone is invalid",
    (_label, mutation) => {
      fc.assert(
        fc.property(containerConfig, mutation.invalid, (config, invalid) => {
          const path = mutation.path(config).join(".");
          const broken = mutate(config, mutation.path(config), invalid);
          let error: unknown;
          try {
            parseContainerConfig(broken);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(ConfigurationError);
          const issues = (error as ConfigurationError).issues;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.path).toBe(path);
          expect((error as ConfigurationError).message).toContain(`${path}:`);
          expect(containerConfigIssues(broken)).toEqual(issues);
        }),
        { numRuns: 60 },
      );
    },
  );

  it("reports each of several independent problems at its own path", () => {
    fc.assert(
      fc.property(
        containerConfig,
        fc.subarray(mutations.slice(0, 13), { minLength: 2 }),
        fc.nat(),
        (config, chosen, seed) => {
          let broken: unknown = config;
          const expected = new Set<string>();
          for (const mutation of chosen) {
            // "drop" replaced whole makes "add.0" irrelevant only if both are chosen; skip the overlap.
            const path = mutation.path(config);
            const invalid = fc.sample(mutation.invalid, { seed: seed + expected.size, numRuns: 1 })[0];
            broken = mutate(broken as ContainerConfig, path, invalid);
            expected.add(path.join("."));
          }
          const paths = new Set(containerConfigIssues(broken).map((issue) => issue.path));
          expect(paths).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses a prototype key in env or labels at its own path, whatever else the record holds", () => {
    fc.assert(
      fc.property(
        containerConfig,
        fc.constantFrom("__proto__", "constructor", "prototype"),
        fc.constantFrom("env", "labels"),
        envName,
        labelKey,
        (config, key, field, name, label) => {
          const record = JSON.parse(JSON.stringify({ ...config[field], [field === "env" ? name : label]: "ok" }));
          const broken = {
            ...config,
            [field]: JSON.parse(`{${JSON.stringify(key)}: "x", ${JSON.stringify(record).slice(1)}`),
          };
          const issues = containerConfigIssues(broken);
          expect(issues.map((issue) => issue.path)).toEqual([`${field}.${key}`]);
          expect(({} as Record<string, unknown>).x).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });
});
