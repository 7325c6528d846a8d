/**
 * The validators and parse functions run each schema through Zod's compiled
 * fast path (`z.compile`) for speed (see bench/validate.bench.ts). These tests
 * hold that the compiled schema and the schema itself give the same answer,
 * the same parsed value and the same issues on many generated inputs, so the
 * speed-up cannot change what is accepted or what is reported.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ContainerConfigSchema,
  ContainerFilterSchema,
  containerConfigIssues,
  LogOptionsSchema,
  NetworkConfigSchema,
  parseContainerConfig,
  ResourceLimitsSchema,
  SecurityOptionsSchema,
  StopOptionsSchema,
  VolumeConfigSchema,
  VolumeMountSchema,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../../src/index.js";

const RUNS = 400;

/** An object with exactly these own enumerable keys, `__proto__` included. */
function withOwnKeys(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return record;
}

// Strings near every rule's edge: control characters, whitespace, `..`
// segments, forbidden keys, bad capability and env names, length limits.
const edgeString = fc.constantFrom(
  "",
  " ",
  "a b",
  "a\u0000",
  "\t",
  "x\n",
  "\u00a0",
  "\u2028",
  "\u007f",
  "..",
  "/..",
  "/a/../b",
  "/a/..b",
  "/a/b/..",
  "../a",
  "/",
  "/data",
  "ALL",
  "CAP_",
  "CAP_CHOWN",
  "cap_chown",
  "NET_BIND_SERVICE",
  "1000:1000",
  "openagent",
  "none",
  "x".repeat(513),
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "A_B",
  "9A",
  "a.b-c",
  "-a",
);
const text = fc.oneof(edgeString, fc.string());
const anyValue = fc.oneof({ weight: 4, arbitrary: text }, fc.anything());
const stringRecord = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(fc.tuple(fc.oneof(edgeString, fc.string()), anyValue), { maxLength: 4 }).map(withOwnKeys),
  },
  fc.anything(),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 1, -1, 0.5, Number.POSITIVE_INFINITY, Number.NaN),
);
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const mount = fc.record(
  {
    source: anyValue,
    target: anyValue,
    readOnly: optional(fc.oneof(fc.boolean(), fc.anything())),
    type: optional(fc.constantFrom("bind", "volume", "tmpfs")),
  },
  { requiredKeys: [] },
);
const validConfig = {
  sessionId: "s-1",
  image: "alpine:3.20",
  command: ["sh", "-c", "echo hi"],
  env: { NODE_ENV: "production" },
  labels: { "openagent.session": "s-1" },
  resources: { cpu: 0.5, memory: 512, disk: 1024, pids: 100 },
  volumes: [{ source: "/srv/tools", target: "/opt/tools", readOnly: true, type: "bind" }],
  network: "none",
  security: {
    readOnly: true,
    noNewPrivileges: true,
    user: "openagent",
    capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
  },
};
/** A valid config with some fields replaced, so that valid and invalid inputs both occur often. */
const nearlyValidConfig = fc
  .record({
    sessionId: fc.oneof({ weight: 5, arbitrary: fc.constant(validConfig.sessionId) }, anyValue),
    image: fc.oneof({ weight: 5, arbitrary: fc.constant(validConfig.image) }, anyValue),
    command: fc.oneof({ weight: 5, arbitrary: fc.constant(validConfig.command) }, fc.array(anyValue, { maxLength: 3 })),
    env: fc.oneof({ weight: 3, arbitrary: fc.constant(validConfig.env) }, stringRecord),
    labels: fc.oneof({ weight: 3, arbitrary: fc.constant(validConfig.labels) }, stringRecord),
    resources: fc.oneof(
      { weight: 5, arbitrary: fc.constant(validConfig.resources) },
      fc.record({ cpu: number, memory: number, disk: number, pids: number }),
    ),
    volumes: fc.oneof(
      { weight: 3, arbitrary: fc.constant(validConfig.volumes) },
      fc.array(fc.oneof(fc.constant(validConfig.volumes[0]), mount), { maxLength: 3 }),
    ),
    network: fc.oneof({ weight: 5, arbitrary: fc.constant(validConfig.network) }, anyValue),
    security: fc.oneof(
      { weight: 5, arbitrary: fc.constant(validConfig.security) },
      fc.record({
        readOnly: fc.boolean(),
        noNewPrivileges: fc.boolean(),
        user: fc.oneof(fc.constant("openagent"), anyValue),
        capabilities: fc.record({
          drop: fc.array(anyValue, { maxLength: 2 }),
          add: fc.array(fc.oneof(fc.constant("CHOWN"), anyValue), { maxLength: 2 }),
        }),
      }),
    ),
    extra: optional(fc.anything()),
  })
  .map(({ extra, ...config }) => (extra === undefined ? config : { ...config, extra }));

/** Both parsers' results, or the message each threw (a hostile input may make both throw). */
function outcome(parse: () => z.ZodSafeParseResult<unknown>) {
  try {
    const result = parse();
    return result.success
      ? { success: true, data: result.data }
      : { success: false, issues: result.error.issues.map(({ path, message, code }) => ({ path, message, code })) };
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

const schemas: readonly (readonly [string, z.ZodType, fc.Arbitrary<unknown>])[] = [
  ["ContainerConfigSchema", ContainerConfigSchema, fc.oneof(nearlyValidConfig, fc.anything())],
  [
    "ResourceLimitsSchema",
    ResourceLimitsSchema,
    fc.record({ cpu: number, memory: number, disk: number, pids: number }),
  ],
  ["SecurityOptionsSchema", SecurityOptionsSchema, fc.oneof(fc.constant(validConfig.security), fc.anything())],
  ["VolumeMountSchema", VolumeMountSchema, mount],
  [
    "VolumeConfigSchema",
    VolumeConfigSchema,
    fc.record({ name: anyValue, driver: optional(anyValue), labels: optional(stringRecord) }, { requiredKeys: [] }),
  ],
  [
    "NetworkConfigSchema",
    NetworkConfigSchema,
    fc.record(
      { name: anyValue, driver: optional(anyValue), labels: optional(stringRecord), options: optional(stringRecord) },
      { requiredKeys: [] },
    ),
  ],
  [
    "ContainerFilterSchema",
    ContainerFilterSchema,
    fc.record({ sessionId: optional(anyValue), label: optional(stringRecord) }, { requiredKeys: [] }),
  ],
  ["StopOptionsSchema", StopOptionsSchema, fc.record({ timeout: optional(number), force: optional(fc.anything()) })],
  ["LogOptionsSchema", LogOptionsSchema, fc.record({ tail: optional(number), since: optional(number) })],
];

describe("z.compile(schema) agrees with the schema", () => {
  for (const [name, schema, inputs] of schemas) {
    it(`${name}: same success, same parsed value, same issues`, () => {
      const fast = z.compile(schema);
      fc.assert(
        fc.property(inputs, (input) => {
          const runtime = outcome(() => schema.safeParse(input));
          // toStrictEqual: an optional key absent from one output and `undefined` in the other is a difference.
          expect(outcome(() => fast.safeParse(input))).toStrictEqual(runtime);
          if (!("threw" in runtime)) expect(fast.validate(input)).toBe(runtime.success);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe("the validators answer as the parse functions do", () => {
  it("validateContainerConfig is true exactly when containerConfigIssues is empty and parse returns", () => {
    fc.assert(
      fc.property(fc.oneof(nearlyValidConfig, fc.anything()), (input) => {
        const valid = validateContainerConfig(input);
        expect(valid).toBe(containerConfigIssues(input).length === 0);
        if (valid) expect(parseContainerConfig(input)).toStrictEqual(ContainerConfigSchema.parse(input));
        else expect(() => parseContainerConfig(input)).toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  it("validateResourceLimits and validateSecurityOptions agree with their schemas", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.record({ cpu: number, memory: number, disk: number, pids: number }), fc.anything()),
        (input) => {
          expect(validateResourceLimits(input)).toBe(ResourceLimitsSchema.safeParse(input).success);
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.oneof(fc.constant(validConfig.security), fc.anything()), (input) => {
        expect(validateSecurityOptions(input)).toBe(SecurityOptionsSchema.safeParse(input).success);
      }),
      { numRuns: RUNS },
    );
  });

  it("an own __proto__ key is refused by the fast path too, with the record's other issues", () => {
    const env = JSON.parse('{"__proto__": "x", "1BAD": "v", "GOOD": "ok"}');
    const config = { ...validConfig, env };
    expect(validateContainerConfig(config)).toBe(false);
    expect(z.compile(ContainerConfigSchema).safeParse(config).success).toBe(false);
    expect(containerConfigIssues(config).map((issue) => issue.path)).toEqual(["env.__proto__", "env.1BAD"]);
    expect(validateContainerConfig({ ...validConfig, labels: JSON.parse('{"__proto__": "x"}') })).toBe(false);
  });

  it("a value whose Proxy traps throw gives false and one root issue, never an exception", () => {
    const hostile = new Proxy(validConfig, {
      has: () => {
        throw new Error("has trap");
      },
      get: (target, key, receiver) => (key === "image" ? 42 : Reflect.get(target, key, receiver)),
    });
    expect(validateContainerConfig(hostile)).toBe(false);
    expect(containerConfigIssues(hostile).length).toBeGreaterThan(0);
  });
});
