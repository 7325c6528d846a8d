import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  containerConfigIssues,
  parseContainerConfig,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseResourceLimits,
  parseSecurityOptions,
  parseStopOptions,
  parseVolumeConfig,
  parseVolumeMount,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../../src/index.js";
import { containerConfig, hostileValues, resourceLimits, securityOptions } from "./arbitraries.js";

const validators = [
  ["validateContainerConfig", validateContainerConfig, parseContainerConfig],
  ["validateResourceLimits", validateResourceLimits, parseResourceLimits],
  ["validateSecurityOptions", validateSecurityOptions, parseSecurityOptions],
] as const;

const parsers = [
  parseContainerConfig,
  parseResourceLimits,
  parseSecurityOptions,
  parseVolumeMount,
  parseVolumeConfig,
  parseNetworkConfig,
  parseContainerFilter,
  parseStopOptions,
  parseLogOptions,
];

/** Everything fast-check can build, including the kinds of object it leaves out by default. */
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 4,
});

/** Valid values with one random part replaced by anything: reaches the deeper checks. */
function corrupted<T extends object>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, anything, fc.nat(), fc.nat()).map(([value, replacement, pickOuter, pickInner]) => {
    const copy = structuredClone(value) as Record<string, unknown>;
    const outerKeys = Object.keys(copy);
    const outer = outerKeys[pickOuter % outerKeys.length];
    if (outer === undefined) return copy;
    const nested = copy[outer];
    if (typeof nested === "object" && nested !== null && pickInner % 2 === 0) {
      const innerKeys = Object.keys(nested);
      const inner = innerKeys[pickInner % Math.max(1, innerKeys.length)] ?? "extra";
      (nested as Record<string, unknown>)[inner] = replacement;
    } else {
      copy[outer] = replacement;
    }
    return copy;
  });
}

const pollutionCanaries = ["polluted", "isAdmin", "x"];

function expectPrototypesClean(): void {
  for (const key of pollutionCanaries) {
    expect(Object.hasOwn(Object.prototype, key)).toBe(false);
    expect(Object.hasOwn(Array.prototype, key)).toBe(false);
  }
  expect(Object.keys(Object.prototype)).toEqual([]);
}

afterAll(expectPrototypesClean);

describe("validators return a boolean for any input and never throw", () => {
  it.each(validators)("%s on fc.anything()", (_name, validate) => {
    fc.assert(
      fc.property(anything, (value) => {
        expect(typeof validate(value)).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });

  it.each(validators)("%s on corrupted valid values", (_name, validate) => {
    const source = fc.oneof(corrupted(containerConfig), corrupted(resourceLimits), corrupted(securityOptions));
    fc.assert(
      fc.property(source, (value) => {
        expect(typeof validate(value)).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });

  it.each(validators)(
    "%s on hostile values: throwing getters, throwing Proxies, cycles, polluting keys",
    (_n, validate) => {
      for (const value of hostileValues()) {
        expect(typeof validate(value)).toBe("boolean");
        expect(validate(value)).toBe(false);
      }
      expectPrototypesClean();
    },
  );

  it("containerConfigIssues returns an array for any input", () => {
    fc.assert(
      fc.property(fc.oneof(anything, corrupted(containerConfig)), (value) => {
        expect(Array.isArray(containerConfigIssues(value))).toBe(true);
      }),
      { numRuns: 200 },
    );
    for (const value of hostileValues()) expect(containerConfigIssues(value).length).toBeGreaterThan(0);
  });

  it("accepts a valid config without a prototype, as JSON parsers that avoid pollution build them", () => {
    const config = Object.assign(
      Object.create(null),
      structuredClone(fc.sample(containerConfig, { seed: 1, numRuns: 1 })[0]),
    );
    expect(validateContainerConfig(config)).toBe(true);
  });
});

describe("parse functions throw nothing but ConfigurationError", () => {
  it("on any input, hostile ones included", () => {
    const check = (value: unknown) => {
      for (const parse of parsers) {
        try {
          parse(value);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigurationError);
          expect((error as ConfigurationError).issues.length).toBeGreaterThan(0);
        }
      }
    };
    fc.assert(fc.property(fc.oneof(anything, corrupted(containerConfig)), check), { numRuns: 200 });
    for (const value of hostileValues()) check(value);
    expectPrototypesClean();
  });
});

describe("validators and parse functions agree", () => {
  it.each(validators)("%s is true exactly when the parse function returns", (_name, validate, parse) => {
    const source = fc.oneof(
      containerConfig,
      resourceLimits,
      securityOptions,
      corrupted(containerConfig),
      corrupted(resourceLimits),
      corrupted(securityOptions),
    );
    fc.assert(
      fc.property(source, (value) => {
        let parsed = true;
        try {
          parse(value);
        } catch {
          parsed = false;
        }
        expect(validate(value)).toBe(parsed);
      }),
      { numRuns: 300 },
    );
  });

  it("accept every generated valid value", () => {
    fc.assert(
      fc.property(containerConfig, resourceLimits, securityOptions, (config, limits, security) => {
        expect(validateContainerConfig(config)).toBe(true);
        expect(validateResourceLimits(limits)).toBe(true);
        expect(validateSecurityOptions(security)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
