/**
 * fast-check arbitraries for the contract's values: valid values built from
 * the exported patterns (so they follow the rules without re-stating them),
 * and hostile values that a validator must survive.
 */
import fc from "fast-check";
import {
  CAPABILITY_PATTERN,
  CONTROL_CHARACTER_PATTERN,
  type ContainerConfig,
  type DriverConfigInput,
  ENV_NAME_PATTERN,
  FORBIDDEN_RECORD_KEYS,
  RESOURCE_NAME_PATTERN,
  type ResourceLimits,
  SESSION_ID_PATTERN,
  type SecurityOptions,
  USER_PATTERN,
  type VolumeMount,
} from "../../src/index.js";

const forbidden = new Set(FORBIDDEN_RECORD_KEYS);

/** A string without NUL: any env or label value. */
export const safeString = fc.string({ unit: "binary", maxLength: 20 }).filter((value) => !value.includes("\u0000"));

export const sessionId = fc.stringMatching(SESSION_ID_PATTERN);
/** Printable, non-space ASCII, which every image rule accepts. */
export const image = fc.stringMatching(/^[!-~]{1,40}$/);
export const envName = fc.stringMatching(ENV_NAME_PATTERN).filter((name) => !forbidden.has(name));
export const labelKey = fc
  .string({ unit: "binary", minLength: 1, maxLength: 20 })
  .filter((key) => !key.includes("\u0000") && !forbidden.has(key));
export const capability = fc.stringMatching(CAPABILITY_PATTERN);
export const user = fc.stringMatching(USER_PATTERN);
export const network = fc.oneof(fc.constant("none"), fc.stringMatching(RESOURCE_NAME_PATTERN));

const pathSegment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/).filter((segment) => segment !== "..");
export const mountTarget = fc.array(pathSegment, { maxLength: 5 }).map((segments) => `/${segments.join("/")}`);
export const mountSource = fc
  .string({ unit: "binary", minLength: 1, maxLength: 30 })
  .filter((source) => !CONTROL_CHARACTER_PATTERN.test(source));

export const volumeMount: fc.Arbitrary<VolumeMount> = fc.record(
  {
    source: mountSource,
    target: mountTarget,
    readOnly: fc.boolean(),
    type: fc.constantFrom("bind" as const, "volume" as const),
  },
  { requiredKeys: ["source", "target"] },
);

export const env = fc.dictionary(envName, safeString, { maxKeys: 5 });
export const labels = fc.dictionary(labelKey, safeString, { maxKeys: 5 });
export const command = fc.array(safeString, { maxLength: 5 });

export const resourceLimits: fc.Arbitrary<ResourceLimits> = fc.record({
  cpu: fc.double({ min: 0, max: 1024, noNaN: true }),
  memory: fc.double({ min: 1, max: 1e7, noNaN: true }),
  disk: fc.double({ min: 1, max: 1e9, noNaN: true }),
  pids: fc.integer({ min: 1, max: 1_000_000 }),
});

const capabilityList = fc.array(capability, { maxLength: 4 });

export const securityOptions: fc.Arbitrary<SecurityOptions> = fc.record({
  readOnly: fc.boolean(),
  noNewPrivileges: fc.boolean(),
  user,
  capabilities: fc.record({ drop: capabilityList, add: capabilityList }),
});

/** A complete, valid config. */
export const containerConfig: fc.Arbitrary<ContainerConfig> = fc.record(
  {
    sessionId,
    image,
    command,
    env,
    labels,
    resources: resourceLimits,
    volumes: fc.array(volumeMount, { maxLength: 3 }),
    network,
    security: securityOptions,
  },
  { requiredKeys: ["sessionId", "image", "env", "labels", "resources", "volumes", "network", "security"] },
);

/** A valid partial builder input: any subset of fields, nested objects partial too, some fields explicitly undefined. */
export const driverConfigInput: fc.Arbitrary<DriverConfigInput> = fc.record(
  {
    command,
    env,
    labels,
    volumes: fc.array(volumeMount, { maxLength: 3 }),
    network,
    resources: fc.record(
      {
        cpu: fc.double({ min: 0, max: 1024, noNaN: true }),
        memory: fc.double({ min: 1, max: 1e7, noNaN: true }),
        disk: fc.double({ min: 1, max: 1e9, noNaN: true }),
        pids: fc.integer({ min: 1, max: 1_000_000 }),
      },
      { requiredKeys: [] },
    ),
    security: fc.record(
      {
        readOnly: fc.boolean(),
        noNewPrivileges: fc.boolean(),
        user,
        capabilities: fc.record({ drop: capabilityList, add: capabilityList }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** `undefined` in place of some of a partial's fields: a builder must treat it as "not given". */
export function withSomeUndefined<T extends object>(value: T, keys: readonly string[]): T {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) copy[key] = undefined;
  return copy as T;
}

/** Values built to make a careless validator throw or pollute. */
export function hostileValues(): unknown[] {
  const thrower = () => {
    throw new Error("trap");
  };
  const trapAll = new Proxy(
    {},
    {
      get: thrower,
      has: thrower,
      ownKeys: thrower,
      getOwnPropertyDescriptor: thrower,
      getPrototypeOf: thrower,
      defineProperty: thrower,
      set: thrower,
    },
  );
  const trapAllArray = new Proxy([], { get: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();

  const getterEverywhere = (base: Record<string, unknown>) => {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(base)) Object.defineProperty(copy, key, { enumerable: true, get: thrower });
    return copy;
  };

  const base = {
    sessionId: "s",
    image: "alpine",
    env: {},
    labels: {},
    resources: { cpu: 1, memory: 1, disk: 1, pids: 1 },
    volumes: [],
    network: "none",
    security: {
      readOnly: true,
      noNewPrivileges: true,
      user: "u",
      capabilities: { drop: ["ALL"], add: [] },
    },
  };
  const cyclic: Record<string, unknown> = { ...base };
  cyclic.self = cyclic;
  const cyclicEnv: Record<string, unknown> = { A: "1" };
  cyclicEnv.B = cyclicEnv;
  const cyclicVolumes: unknown[] = [];
  cyclicVolumes.push(cyclicVolumes);
  const cyclicSecurity: Record<string, unknown> = { ...base.security };
  cyclicSecurity.capabilities = cyclicSecurity;

  const polluting = [
    '{"__proto__": {"polluted": "yes"}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
    `{"sessionId": "s", "image": "i", "env": {"__proto__": {"polluted": "yes"}}, "labels": {}, "resources": {"cpu": 1, "memory": 1, "disk": 1, "pids": 1}, "volumes": [], "network": "none", "security": {"readOnly": true, "noNewPrivileges": true, "user": "u", "capabilities": {"drop": [], "add": []}}}`,
    `{"sessionId": "s", "image": "i", "env": {}, "labels": {"constructor": {"prototype": {"polluted": "yes"}}}, "resources": {"cpu": 1, "memory": 1, "disk": 1, "pids": 1}, "volumes": [], "network": "none", "security": {"readOnly": true, "noNewPrivileges": true, "user": "u", "capabilities": {"drop": [], "add": []}}}`,
    `{"cpu": 1, "memory": 1, "disk": 1, "pids": 1, "__proto__": {"polluted": "yes"}}`,
    `{"readOnly": true, "noNewPrivileges": true, "user": "u", "capabilities": {"drop": [], "add": [], "__proto__": {"polluted": "yes"}}}`,
  ].map((json) => JSON.parse(json) as unknown);

  return [
    null,
    undefined,
    "",
    "config",
    0,
    Number.NaN,
    10n,
    Symbol("s"),
    () => base,
    [],
    [base],
    new Map(Object.entries(base)),
    new Date(0),
    Object.create(null),
    Object.assign(Object.create(null), { ...base, sessionId: "" }),
    trapAll,
    trapAllArray,
    revocable.proxy,
    getterEverywhere(base),
    { ...base, security: getterEverywhere(base.security) },
    { ...base, resources: getterEverywhere(base.resources) },
    { ...base, env: trapAll },
    { ...base, volumes: trapAllArray },
    cyclic,
    { ...base, env: cyclicEnv },
    { ...base, volumes: cyclicVolumes },
    { ...base, security: cyclicSecurity },
    ...polluting,
  ];
}

// ---------------------------------------------------------------------------
// Values that throw
// ---------------------------------------------------------------------------

/**
 * One way of throwing: what is thrown, named for the failure message.
 * `large` ones (long strings, big arrays) test that messages stay short; they
 * cost milliseconds each, so {@link hostileVariants} uses them at a few
 * positions only.
 */
export type ThrownValue = { readonly kind: string; readonly make: () => unknown; readonly large?: boolean };

/** A function that throws `thrown` each time, whatever it is called with. */
export function throwerOf(thrown: ThrownValue): () => never {
  return () => {
    throw thrown.make();
  };
}

/** An object whose every conversion to a primitive throws. */
function unprintable(): object {
  const fail = () => {
    throw Object.create(null);
  };
  return { toString: fail, valueOf: fail, [Symbol.toPrimitive]: fail, toJSON: fail };
}

/** An `Error` whose `message`, `name` and `stack` getters throw the given ones (all three when none). */
function errorWithThrowingGetters(keys: readonly ("message" | "name" | "stack")[]): Error {
  const error = new Error("hidden");
  // V8 formats a lazy stack from `name` and `message` when `stack` is redefined: the stack goes first.
  for (const key of [...keys].sort((a, b) => Number(b === "stack") - Number(a === "stack"))) {
    Object.defineProperty(error, key, {
      configurable: true,
      get() {
        throw Object.create(null);
      },
    });
  }
  return error;
}

/** A Proxy over `target` whose every trap throws a null-prototype object. */
export function trapEverything<T extends object>(target: T, thrown?: ThrownValue): T {
  const fail = () => {
    throw thrown === undefined ? Object.create(null) : thrown.make();
  };
  return new Proxy(target, {
    get: fail,
    set: fail,
    has: fail,
    ownKeys: fail,
    getOwnPropertyDescriptor: fail,
    defineProperty: fail,
    deleteProperty: fail,
    getPrototypeOf: fail,
    setPrototypeOf: fail,
    isExtensible: fail,
    preventExtensions: fail,
    apply: fail,
    construct: fail,
  });
}

/** A revoked Proxy: every operation on it, `Array.isArray` and `typeof` aside, throws a TypeError. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/**
 * Everything a getter, a Proxy trap or a driver's dependency can throw that
 * is not a well-behaved `Error`: each was thrown through a parse function or
 * `toDriverError` once and escaped as a `TypeError`.
 */
export const THROWN_VALUES: readonly ThrownValue[] = [
  { kind: "a null-prototype object", make: () => Object.create(null) },
  {
    kind: "an object whose toString throws",
    make: () => ({
      toString() {
        throw new Error("toString");
      },
    }),
  },
  {
    kind: "an object whose valueOf throws",
    make: () => ({
      valueOf() {
        throw Object.create(null);
      },
    }),
  },
  {
    kind: "an object whose Symbol.toPrimitive throws",
    make: () => ({
      [Symbol.toPrimitive]() {
        throw Object.create(null);
      },
    }),
  },
  { kind: "an object no conversion works on", make: unprintable },
  { kind: "an Error whose message getter throws", make: () => errorWithThrowingGetters(["message"]) },
  { kind: "an Error whose name getter throws", make: () => errorWithThrowingGetters(["name"]) },
  { kind: "an Error whose stack getter throws", make: () => errorWithThrowingGetters(["stack"]) },
  {
    kind: "an Error whose message, name and stack getters throw",
    make: () => errorWithThrowingGetters(["message", "name", "stack"]),
  },
  { kind: "a revoked Proxy", make: revokedProxy },
  { kind: "a Proxy whose every trap throws", make: () => trapEverything({}) },
  { kind: "a Proxy of an Error whose every trap throws", make: () => trapEverything(new Error("proxied")) },
  { kind: "a Symbol", make: () => Symbol("thrown") },
  { kind: "undefined", make: () => undefined },
  { kind: "a 500 kB string", make: () => "x".repeat(500_000), large: true },
  { kind: "an Error with a 500 kB message", make: () => new Error("m".repeat(500_000)), large: true },
  { kind: "an array of 50 000 entries", make: () => new Array(50_000).fill("entry"), large: true },
];

/**
 * A hostile value put in place of a field. `unreadable` ones throw on the
 * reads any validator must make (its keys, its fields), so every input that
 * holds one is invalid; the others (an object whose conversions throw, a
 * Proxy whose only `has` trap throws) may be valid or not, but the answer
 * must not throw and validators and parsers must agree on it.
 */
export type PlacedValue = {
  readonly kind: string;
  readonly unreadable: boolean;
  /** Whether what it throws is large (see {@link ThrownValue}). */
  readonly large?: boolean;
  readonly make: (original: unknown) => unknown;
};

/**
 * Values that replace a field of an input: a getter is one way (see
 * {@link hostileVariants}), these are the others: an object that throws on
 * any read, a Proxy over the original value with throwing traps, objects
 * whose conversions throw.
 */
export const PLACED_VALUES: readonly PlacedValue[] = [
  { kind: "a revoked Proxy", unreadable: true, make: () => revokedProxy() },
  { kind: "an object no conversion works on", unreadable: false, make: () => unprintable() },
  {
    kind: "an Error whose message, name and stack getters throw",
    unreadable: false,
    make: () => errorWithThrowingGetters(["message", "name", "stack"]),
  },
  ...THROWN_VALUES.map((thrown) => ({
    kind: `a Proxy of the original value whose traps throw ${thrown.kind}`,
    unreadable: true,
    large: thrown.large === true,
    make: (original: unknown) =>
      trapEverything(typeof original === "object" && original !== null ? original : {}, thrown),
  })),
  {
    kind: "a Proxy whose has trap throws",
    unreadable: false,
    make: (original: unknown) =>
      new Proxy(typeof original === "object" && original !== null ? original : {}, {
        has() {
          throw Object.create(null);
        },
      }),
  },
  {
    kind: "a Proxy whose ownKeys trap throws",
    // An array is read by index, so an array behind it can be valid.
    unreadable: false,
    make: (original: unknown) =>
      new Proxy(typeof original === "object" && original !== null ? original : {}, {
        ownKeys() {
          throw Object.create(null);
        },
      }),
  },
];

/** A path into a value: object keys and array indexes. */
export type ValuePath = readonly (string | number)[];

function isPlainContainer(value: unknown): value is Record<string | number, unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Every path of `value` that leads into its plain objects and arrays, the root (`[]`) included. */
export function everyPath(value: unknown, prefix: ValuePath = []): ValuePath[] {
  const paths: ValuePath[] = [prefix];
  if (!isPlainContainer(value)) return paths;
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  for (const key of keys) paths.push(...everyPath(value[key], [...prefix, key]));
  return paths;
}

/** A copy of `value` (plain objects and arrays copied, anything else shared). */
function copyOf(value: unknown): unknown {
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = copyOf(field);
  return copy;
}

/**
 * A copy of `value` with the field at `path` changed by `change`, which
 * receives the field's parent (a copy) and key. `path` must not be empty.
 */
function changeAt(
  value: unknown,
  path: ValuePath,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = copyOf(value);
  let parent = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  change(parent, path[path.length - 1] as string | number);
  return copy;
}

/** Read the field at `path` of `value`. */
function fieldAt(value: unknown, path: ValuePath): unknown {
  let current = value;
  for (const segment of path) current = (current as Record<string | number, unknown>)[segment];
  return current;
}

/**
 * One hostile input: where it is hostile and how, for the failure message.
 * fast-check prints a counterexample through `toStringMethod`, so it never
 * reads the hostile value itself (its getters would throw out of the report).
 */
export type HostileVariant = {
  readonly label: string;
  readonly value: unknown;
  /** Whether every validator must refuse it: something in it throws on a read every validator makes. */
  readonly unreadable: boolean;
};

function variant(label: string, value: unknown, unreadable: boolean): HostileVariant {
  return { label, value, unreadable, [fc.toStringMethod]: () => label } as HostileVariant;
}

/**
 * Every way to make `sample` hostile at one position: at every path, a getter
 * that throws each of {@link THROWN_VALUES}, and each of
 * {@link PLACED_VALUES} in place of the field; at the root, each placed value
 * and a Proxy whose every trap throws each thrown value.
 */
export function hostileVariants(sample: unknown): HostileVariant[] {
  const variants: HostileVariant[] = [];
  const paths = everyPath(sample);
  // Large thrown values at the root, the first field and the deepest path: their cost is in the message, not the position.
  const deepest = paths.reduce((longest, path) => (path.length > longest.length ? path : longest), []);
  const sized = new Set([paths[1], deepest]);
  for (const path of paths) {
    const where = path.length === 0 ? "(root)" : path.join(".");
    const kinds =
      sized.has(path) || path.length === 0 ? THROWN_VALUES : THROWN_VALUES.filter((thrown) => !thrown.large);
    const placedValues = PLACED_VALUES.filter(
      (placed) => placed.large !== true || kinds.length === THROWN_VALUES.length,
    );
    if (path.length === 0) {
      for (const placed of placedValues) {
        variants.push(variant(`${where}: ${placed.kind}`, placed.make(sample), placed.unreadable));
      }
      continue;
    }
    const original = fieldAt(sample, path);
    for (const thrown of kinds) {
      variants.push(
        variant(
          `${where}: a getter that throws ${thrown.kind}`,
          changeAt(sample, path, (parent, key) => {
            Object.defineProperty(parent, key, { enumerable: true, configurable: true, get: throwerOf(thrown) });
          }),
          true,
        ),
      );
    }
    for (const placed of placedValues) {
      variants.push(
        variant(
          `${where}: ${placed.kind}`,
          changeAt(sample, path, (parent, key) => {
            parent[key] = placed.make(original);
          }),
          placed.unreadable,
        ),
      );
    }
  }
  return variants;
}

/**
 * `sample` with several positions made hostile at once (a getter at one, a
 * placed value at another), for property tests that combine them.
 */
export function hostileCombination(sample: unknown): fc.Arbitrary<HostileVariant> {
  const paths = everyPath(sample).filter((path) => path.length > 0);
  const change = fc.record({
    path: fc.constantFrom(...paths),
    thrown: fc.constantFrom(...THROWN_VALUES),
    placed: fc.option(fc.constantFrom(...PLACED_VALUES), { nil: undefined }),
  });
  const related = (a: ValuePath, b: ValuePath) =>
    a.slice(0, Math.min(a.length, b.length)).every((segment, index) => segment === b[index]);
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    // Positions apart from each other only (none inside another), so every change is in the result.
    const kept = changes.filter((candidate, index) =>
      changes.slice(0, index).every((earlier) => !related(earlier.path, candidate.path)),
    );
    const value = copyOf(sample);
    const labels: string[] = [];
    let unreadable = false;
    for (const { path, thrown, placed } of kept) {
      let parent = value as Record<string | number, unknown>;
      for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
      const key = path[path.length - 1] as string | number;
      if (placed === undefined) {
        Object.defineProperty(parent, key, { enumerable: true, configurable: true, get: throwerOf(thrown) });
        labels.push(`${path.join(".")}: a getter that throws ${thrown.kind}`);
        unreadable = true;
      } else {
        parent[key] = placed.make(parent[key]);
        labels.push(`${path.join(".")}: ${placed.kind}`);
        unreadable ||= placed.unreadable;
      }
    }
    return variant(labels.join("; "), value, unreadable);
  });
}

// ---------------------------------------------------------------------------
// Hostile input through a driver
// ---------------------------------------------------------------------------

/** The driver methods that take input, as the hostile calls use them. */
export type InputDriver = {
  createContainer(config: never): Promise<unknown>;
  startContainer(id: never): Promise<unknown>;
  stopContainer(id: never, options?: never): Promise<unknown>;
  removeContainer(id: never): Promise<unknown>;
  getContainer(id: never): Promise<unknown>;
  listContainers(filter?: never): Promise<unknown>;
  getContainerLogs(id: never, options?: never): Promise<unknown>;
  isContainerHealthy(id: never): Promise<unknown>;
  createVolume(config: never): Promise<unknown>;
  removeVolume(id: never): Promise<unknown>;
  createNetwork(config: never): Promise<unknown>;
  removeNetwork(id: never): Promise<unknown>;
};

/** One call of a driver method with a hostile argument. */
export type HostileCall = { readonly label: string; readonly call: (driver: InputDriver) => Promise<unknown> };

/**
 * Calls of every driver method that takes input, with an argument that throws
 * while being read, at every position of each input object (only unreadable
 * variants, so none can be valid and reach a runtime), and hostile ids.
 * `config` is a valid config for the driver under test; `containerId` an id
 * the options calls use (it need not exist: options are checked first).
 */
export function hostileDriverCalls(config: unknown, containerId: string): HostileCall[] {
  const unreadable = (sample: unknown) => hostileVariants(sample).filter((variant) => variant.unreadable);
  const calls: HostileCall[] = [];
  const add = (method: string, sample: unknown, call: (driver: InputDriver, value: never) => Promise<unknown>) => {
    for (const variant of unreadable(sample)) {
      calls.push({ label: `${method} with ${variant.label}`, call: (driver) => call(driver, variant.value as never) });
    }
  };
  const id = containerId as never;
  add("createContainer", config, (driver, value) => driver.createContainer(value));
  add("stopContainer", { timeout: 1_000, force: false }, (driver, value) => driver.stopContainer(id, value));
  add("getContainerLogs", { tail: 10, since: 0, timestamps: true, follow: false }, (driver, value) =>
    driver.getContainerLogs(id, value),
  );
  add("listContainers", { sessionId: "s-1", status: "running", state: "running", label: { a: "b" } }, (driver, value) =>
    driver.listContainers(value),
  );
  add("createVolume", { name: "hostile-volume", labels: { a: "b" } }, (driver, value) => driver.createVolume(value));
  add("createNetwork", { name: "hostile-network", labels: { a: "b" }, options: { a: "b" } }, (driver, value) =>
    driver.createNetwork(value),
  );
  const ids = [
    ...THROWN_VALUES.filter((thrown) => thrown.large !== true).map((thrown) => ({
      kind: `a Proxy whose traps throw ${thrown.kind}`,
      value: trapEverything({}, thrown),
    })),
    { kind: "a revoked Proxy", value: revokedProxy() },
  ];
  for (const { kind, value } of ids) {
    const hostile = value as never;
    for (const [method, call] of [
      ["startContainer", (driver: InputDriver) => driver.startContainer(hostile)],
      ["stopContainer", (driver: InputDriver) => driver.stopContainer(hostile)],
      ["removeContainer", (driver: InputDriver) => driver.removeContainer(hostile)],
      ["getContainer", (driver: InputDriver) => driver.getContainer(hostile)],
      ["getContainerLogs", (driver: InputDriver) => driver.getContainerLogs(hostile)],
      ["isContainerHealthy", (driver: InputDriver) => driver.isContainerHealthy(hostile)],
      ["removeVolume", (driver: InputDriver) => driver.removeVolume(hostile)],
      ["removeNetwork", (driver: InputDriver) => driver.removeNetwork(hostile)],
    ] as const) {
      calls.push({ label: `${method} with an id that is ${kind}`, call });
    }
  }
  return calls;
}
