/**
 * Inputs that throw while being read: a getter or a Proxy trap that throws a
 * null-prototype object, an object whose `toString` throws, an Error whose
 * `message` getter throws, a revoked Proxy, at every position of every input
 * the package validates. Once, 36 such inputs made `parseContainerConfig`
 * and `containerConfigIssues` throw a `TypeError`, and a Proxy whose `has`
 * trap throws made `validateContainerConfig` say yes where the parse said no.
 *
 * What must hold, for every one of them: every parse function throws a
 * `ConfigurationError` with a short message and nothing else; every
 * validator returns `false`; the issue lists are non-empty arrays; validator
 * and parse agree; and the error helpers (`toDriverError`, `getErrorMessage`,
 * `describeValue`, ...) never throw on what such an input throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as api from "../../src/index.js";
import {
  ALL_DRIVER_METHODS,
  ConfigurationError,
  ContainerConfigSchema,
  ContainerFilterSchema,
  DRIVER_ERROR_DEFINITIONS,
  ExecOptionsSchema,
  ExecRequestSchema,
  LogOptionsSchema,
  NetworkConfigSchema,
  ReadFileOptionsSchema,
  ResourceLimitsSchema,
  SecurityOptionsSchema,
  StopOptionsSchema,
  VolumeConfigSchema,
  VolumeMountSchema,
  WriteFileOptionsSchema,
  describeValue,
  getErrorCode,
  getErrorMessage,
  isDriverError,
  isRetryableError,
  issuesWithSchema,
  mayHaveTakenEffect,
  parseWithSchema,
  toDriverError,
  validateWithSchema,
} from "../../src/index.js";
import { type HostileVariant, hostileCombination, hostileVariants } from "./hostile-variants.js";
import { PLACED_VALUES, THROWN_VALUES, throwerOf, trapEverything } from "./thrown-values.js";

/** The longest message a refusal of a hostile input may have: it names the problem, it does not echo the input. */
const MAX_MESSAGE_LENGTH = 20_000;

/** One input the package validates: its schema, a valid sample with every optional field, and its named functions. */
type Subject = {
  readonly what: string;
  readonly schema: z.ZodType;
  readonly sample: () => unknown;
  readonly parse?: (value: unknown) => unknown;
  readonly validate?: (value: unknown) => boolean;
  readonly issues?: (value: unknown) => readonly unknown[];
  /** The named parse function reads `undefined` and `null` as "no options" (`{}`). */
  readonly absentMeansNone?: boolean;
};

const fullConfig = () => ({
  sessionId: "session-1",
  image: "alpine:3.20",
  command: ["sh", "-c", "true"],
  env: { A: "1", B_2: "two" },
  labels: { team: "core", "a.b/c": "d" },
  resources: { cpu: 0.5, memory: 512, disk: 1024, pids: 100 },
  volumes: [
    { source: "data", target: "/data", readOnly: true, type: "volume" },
    { source: "/srv/x", target: "/x" },
  ],
  network: "none",
  security: {
    readOnly: true,
    noNewPrivileges: true,
    user: "1000:1000",
    capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
  },
  stdin: "input",
  ttlMs: 60_000,
  idempotencyKey: "task-1",
});

const SUBJECTS: readonly Subject[] = [
  {
    what: "container config",
    schema: ContainerConfigSchema,
    sample: fullConfig,
    parse: api.parseContainerConfig,
    validate: api.validateContainerConfig,
    issues: api.containerConfigIssues,
  },
  {
    what: "resource limits",
    schema: ResourceLimitsSchema,
    sample: () => fullConfig().resources,
    parse: api.parseResourceLimits,
    validate: api.validateResourceLimits,
  },
  {
    what: "security options",
    schema: SecurityOptionsSchema,
    sample: () => fullConfig().security,
    parse: api.parseSecurityOptions,
    validate: api.validateSecurityOptions,
  },
  {
    what: "volume mount",
    schema: VolumeMountSchema,
    sample: () => ({ source: "data", target: "/data", readOnly: false, type: "volume" }),
    parse: api.parseVolumeMount,
  },
  {
    what: "volume config",
    schema: VolumeConfigSchema,
    sample: () => ({ name: "workspace", driver: "local", labels: { a: "b" } }),
    parse: api.parseVolumeConfig,
  },
  {
    what: "network config",
    schema: NetworkConfigSchema,
    sample: () => ({ name: "agents", driver: "bridge", labels: { a: "b" }, options: { mtu: "1500" } }),
    parse: api.parseNetworkConfig,
  },
  {
    what: "container filter",
    schema: ContainerFilterSchema,
    sample: () => ({ sessionId: "s-1", status: "running", state: "running", label: { team: "core" } }),
    parse: api.parseContainerFilter,
    absentMeansNone: true,
  },
  {
    what: "stop options",
    schema: StopOptionsSchema,
    sample: () => ({ timeout: 5_000, force: false }),
    parse: api.parseStopOptions,
    absentMeansNone: true,
  },
  {
    what: "log options",
    schema: LogOptionsSchema,
    sample: () => ({
      follow: true,
      tail: 10,
      since: 0,
      timestamps: true,
      stream: "all",
      maxBytes: 1_000,
      signal: new AbortController().signal,
      onLine: () => undefined,
    }),
    parse: api.parseLogOptions,
    absentMeansNone: true,
  },
  {
    what: "exec request",
    schema: ExecRequestSchema,
    sample: () => ({
      command: ["ls", "-l"],
      env: { A: "1" },
      workingDir: "/work",
      user: "1000",
      stdin: "input",
      timeoutMs: 1_000,
      maxOutputBytes: 1_024,
    }),
    parse: api.parseExecRequest,
  },
  {
    what: "exec options",
    schema: ExecOptionsSchema,
    sample: () => ({ signal: new AbortController().signal, onOutput: () => undefined }),
    parse: api.parseExecOptions,
    absentMeansNone: true,
  },
  {
    what: "write file options",
    schema: WriteFileOptionsSchema,
    sample: () => ({ mode: 0o644, signal: new AbortController().signal }),
    parse: api.parseWriteFileOptions,
    absentMeansNone: true,
  },
  {
    what: "read file options",
    schema: ReadFileOptionsSchema,
    sample: () => ({ maxBytes: 1_024, signal: new AbortController().signal }),
    parse: api.parseReadFileOptions,
    absentMeansNone: true,
  },
];

/**
 * Parse functions whose input is not an object of the contract's schemas, so
 * no subject above fits them: a file path (a string) and a file's content (a
 * string, bytes or an async iterable, which no schema checks). The root test
 * below still hands each of them every hostile root value.
 */
const NOT_SCHEMA_SUBJECTS: ReadonlySet<string> = new Set(["parseFilePath", "parseFileContent"]);

/** The exported functions whose name starts with `prefix`, but for the generic `...WithSchema` ones. */
function exportedFunctions(prefix: string): string[] {
  return Object.entries(api)
    .filter(([name, value]) => name.startsWith(prefix) && typeof value === "function" && !name.endsWith("WithSchema"))
    .map(([name]) => name);
}

/** What `call` threw, or `undefined` when it returned. */
function thrownBy(call: () => unknown): { readonly error: unknown } | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    return { error };
  }
}

/** Fails unless `call` throws a `ConfigurationError` with issues and a short message. */
function expectRefused(call: () => unknown, label: string): void {
  const outcome = thrownBy(call);
  expect(outcome, `${label}: returned instead of throwing`).toBeDefined();
  const error = outcome?.error;
  if (!(error instanceof ConfigurationError)) {
    expect.fail(`${label}: threw ${describeValue(error)} (${typeof error}), not a ConfigurationError`);
  }
  expect(isDriverError(error), label).toBe(true);
  expect(error.issues.length, label).toBeGreaterThan(0);
  expect(error.message.length, label).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
}

/**
 * Every function of the package that judges `subject`'s input must refuse
 * `variant` when something in it throws on a read every validator makes;
 * otherwise each may accept or refuse, but all must give the same answer
 * and none may throw anything but a `ConfigurationError`.
 */
function expectEveryCheckRefuses(subject: Subject, variant: HostileVariant): void {
  const label = `${subject.what} with ${variant.label}`;
  const parsed = thrownBy(() => parseWithSchema(subject.schema, variant.value, subject.what)) === undefined;
  if (variant.unreadable || !parsed) {
    expect(parsed, `parseWithSchema accepted ${label}`).toBe(false);
    expectRefused(() => parseWithSchema(subject.schema, variant.value, subject.what), `parseWithSchema, ${label}`);
    if (subject.parse !== undefined) expectRefused(() => subject.parse?.(variant.value), `parse, ${label}`);
  } else if (subject.parse !== undefined) {
    expect(
      thrownBy(() => subject.parse?.(variant.value)),
      `parse, ${label}`,
    ).toBeUndefined();
  }
  expect(validateWithSchema(subject.schema, variant.value), `validateWithSchema, ${label}`).toBe(parsed);
  if (subject.validate !== undefined) expect(subject.validate(variant.value), `validate, ${label}`).toBe(parsed);
  const issues = issuesWithSchema(subject.schema, variant.value);
  expect(Array.isArray(issues), `issuesWithSchema, ${label}`).toBe(true);
  expect(issues.length === 0, `issuesWithSchema, ${label}`).toBe(parsed);
  if (subject.issues !== undefined) {
    const named = subject.issues(variant.value);
    expect(Array.isArray(named), label).toBe(true);
    expect(named.length === 0, label).toBe(parsed);
  }
}

describe("the hostile values cover every validated input", () => {
  it("every exported parse and validate function has a subject here, so a new one is tested too", () => {
    const covered = new Set(SUBJECTS.flatMap((subject) => [subject.parse?.name, subject.validate?.name]));
    const missing = [...exportedFunctions("parse"), ...exportedFunctions("validate")].filter(
      (name) => !covered.has(name) && !NOT_SCHEMA_SUBJECTS.has(name),
    );
    expect(missing, "add a subject (schema, valid sample) for each").toEqual([]);
  });

  it.each(SUBJECTS.map((subject) => [subject.what, subject] as const))("the %s sample is valid", (_what, subject) => {
    expect(issuesWithSchema(subject.schema, subject.sample())).toEqual([]);
    if (subject.parse !== undefined) expect(() => subject.parse?.(subject.sample())).not.toThrow();
  });
});

describe("a value that throws while being read, at any position, is refused with ConfigurationError", () => {
  it("most variants are unreadable, so the refusal is what is checked", () => {
    const variants = hostileVariants(fullConfig());
    expect(variants.filter((variant) => variant.unreadable).length / variants.length).toBeGreaterThan(0.8);
  });

  it.each(SUBJECTS.map((subject) => [subject.what, subject] as const))(
    "%s: every position, every kind of throw, every parse and validate function",
    (_what, subject) => {
      const variants = hostileVariants(subject.sample());
      // Each position gets each thrown value through a getter and each placed value.
      expect(variants.length).toBeGreaterThanOrEqual(PLACED_VALUES.length);
      for (const variant of variants) expectEveryCheckRefuses(subject, variant);
    },
  );

  it.each(SUBJECTS.map((subject) => [subject.what, subject] as const))(
    "%s: several hostile positions at once",
    (_what, subject) => {
      fc.assert(
        fc.property(hostileCombination(subject.sample()), (variant) => expectEveryCheckRefuses(subject, variant)),
        { numRuns: 60 },
      );
    },
  );

  it("a value whose own getter or trap throws at the root, for every parse and validate function by name", () => {
    const roots = [
      ...THROWN_VALUES.map((thrown) => ({
        label: `a Proxy throwing ${thrown.kind}`,
        value: trapEverything({}, thrown),
      })),
      ...PLACED_VALUES.filter((placed) => placed.unreadable).map((placed) => ({
        label: placed.kind,
        value: placed.make({}),
      })),
    ];
    for (const { label, value } of roots) {
      for (const name of exportedFunctions("parse")) {
        expectRefused(
          () => (api as unknown as Record<string, (input: unknown) => unknown>)[name]?.(value),
          `${name}: ${label}`,
        );
      }
      for (const name of exportedFunctions("validate")) {
        const validate = (api as unknown as Record<string, (input: unknown) => unknown>)[name];
        expect(validate?.(value), `${name}: ${label}`).toBe(false);
      }
      expect(api.containerConfigIssues(value).length, label).toBeGreaterThan(0);
    }
  });
});

describe("validators and parse functions agree on hostile values", () => {
  /** A valid sample, a hostile variant of it, or anything at all. */
  const input = (subject: Subject) =>
    fc.oneof(
      fc.constant(subject.sample()),
      hostileCombination(subject.sample()),
      fc.anything({ withNullPrototype: true, withBigInt: true, withSparseArray: true, maxDepth: 3 }),
    );
  const unwrap = (input: unknown) =>
    typeof input === "object" && input !== null && Object.hasOwn(input, fc.toStringMethod)
      ? (input as HostileVariant).value
      : input;

  it.each(SUBJECTS.map((subject) => [subject.what, subject] as const))("%s", (_what, subject) => {
    fc.assert(
      fc.property(input(subject), (generated) => {
        const value = unwrap(generated);
        const parsed = thrownBy(() => parseWithSchema(subject.schema, value)) === undefined;
        expect(validateWithSchema(subject.schema, value)).toBe(parsed);
        expect(issuesWithSchema(subject.schema, value).length === 0).toBe(parsed);
        if (subject.parse !== undefined) {
          const named = subject.absentMeansNone === true && value == null ? {} : value;
          const expected = thrownBy(() => parseWithSchema(subject.schema, named)) === undefined;
          expect(thrownBy(() => subject.parse?.(value)) === undefined).toBe(expected);
        }
        if (subject.validate !== undefined) expect(subject.validate(value)).toBe(parsed);
      }),
      { numRuns: 150 },
    );
  });

  it("a mount that is a Proxy whose has trap throws: validate says no, as parse does", () => {
    const mount = new Proxy(
      { source: "data", target: "/data" },
      {
        has() {
          throw Object.create(null);
        },
      },
    );
    const config = { ...fullConfig(), volumes: [mount] };
    expect(api.validateContainerConfig(config)).toBe(false);
    expectRefused(() => api.parseContainerConfig(config), "parseContainerConfig");
    expect(api.containerConfigIssues(config).length).toBeGreaterThan(0);
  });
});

describe("the error helpers never throw on what a hostile value throws", () => {
  const KNOWN_CODES = new Set(Object.values(DRIVER_ERROR_DEFINITIONS).map((entry) => entry.code));

  /** Contexts a JavaScript caller might pass: none, a string, and objects whose every field throws. */
  const contexts: unknown[] = [
    undefined,
    "createContainer",
    ...ALL_DRIVER_METHODS.map((operation) => ({ operation, containerId: "c-1", volumeName: "v", networkName: "n" })),
    ...THROWN_VALUES.map((thrown) => trapEverything({ operation: "createContainer" }, thrown)),
    ...THROWN_VALUES.map((thrown) => {
      const context: Record<string, unknown> = {};
      for (const key of ["operation", "containerId", "volumeId", "networkName", "timeoutMs", "driver"]) {
        Object.defineProperty(context, key, { enumerable: true, get: throwerOf(thrown) });
      }
      return context;
    }),
  ];

  it.each(THROWN_VALUES.map((thrown) => [thrown.kind, thrown] as const))("%s", (_kind, thrown) => {
    const value = thrown.make();
    for (const context of contexts) {
      const mapped = toDriverError(value, context as never);
      expect(isDriverError(mapped)).toBe(true);
      expect(KNOWN_CODES.has(mapped.code)).toBe(true);
      expect(typeof mapped.message).toBe("string");
      expect(typeof mayHaveTakenEffect(mapped)).toBe("boolean");
    }
    expect(typeof getErrorMessage(value)).toBe("string");
    expect(typeof getErrorCode(value)).toBe("string");
    expect(typeof isRetryableError(value)).toBe("boolean");
    expect(typeof mayHaveTakenEffect(value)).toBe("boolean");
    const described = describeValue(value);
    expect(typeof described).toBe("string");
    expect(described.length).toBeLessThanOrEqual(201);
    expect(describeValue(value, 10).length).toBeLessThanOrEqual(11);
  });

  it("errors whose cause, code, status or errors field throws", () => {
    for (const thrown of THROWN_VALUES) {
      const error = new Error("outer");
      for (const key of ["cause", "code", "statusCode", "status", "errors", "json", "syscall"]) {
        Object.defineProperty(error, key, { get: throwerOf(thrown) });
      }
      const nested = Object.assign(new Error("wrapped"), { cause: thrown.make(), errors: [thrown.make()] });
      for (const value of [error, nested, trapEverything(new Error("x"), thrown)]) {
        const mapped = toDriverError(value, { operation: "startContainer", containerId: "c-1" });
        expect(KNOWN_CODES.has(mapped.code), thrown.kind).toBe(true);
        expect(typeof getErrorMessage(value)).toBe("string");
      }
    }
  });
});
