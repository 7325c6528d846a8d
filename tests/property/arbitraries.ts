/**
 * fast-check arbitraries for the contract's values: valid values built from
 * the exported patterns (so they follow the rules without re-stating them),
 * and hostile values that a validator must survive. Values that throw while
 * being read are in thrown-values.ts; inputs with them placed at every
 * position, and driver calls with those inputs, in hostile-variants.ts.
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
