/**
 * Volumes, networks, config validation and limits: what a driver must refuse,
 * and what it must accept.
 *
 * @module
 */
import type { DriverErrorName } from "../../errors.js";
import { type ContainerConfig, NetworkSchema, type ResourceLimits, VolumeSchema } from "../../contract/schemas.js";
import { CONFORMANCE_CASE_LABEL, check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

// ---------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------

function mountOf(name: string) {
  return [{ source: name, target: "/data", type: "volume" as const }];
}

export const VOLUME_CASES: readonly ConformanceCase[] = [
  {
    id: "volumes.create.shape",
    tier: "core",
    clause: "C-VOLUMES",
    checks: "createVolume resolves a valid Volume with the given name and labels",
    run: async (context) => {
      const name = context.uniqueName("cfv");
      const volume = await context.createVolume({ name, labels: { purpose: "shape" } });
      const parsed = VolumeSchema.safeParse(volume);
      check(parsed.success, `not a valid Volume: ${parsed.error?.message}`);
      check(volume.name === name, `name should be ${name}; it is ${volume.name}`);
      check(volume.labels.purpose === "shape", "the volume lost its labels");
    },
  },
  {
    id: "volumes.create.duplicate",
    tier: "core",
    clause: "C-VOLUMES",
    checks: "createVolume with a name already taken rejects with VolumeCreationError",
    run: async (context) => {
      const volume = await context.createVolume();
      await context.expectError(
        () => context.createVolume({ name: volume.name }),
        "VolumeCreationError",
        "createVolume with a taken name",
      );
    },
  },
  {
    id: "volumes.create.invalid",
    tier: "core",
    clause: "C-CONFIG-VALIDATION",
    checks: "createVolume with an invalid name or an unknown key rejects with ConfigurationError",
    run: async (context) => {
      await context.expectError(
        () => context.driver.createVolume({ name: "no spaces allowed" }),
        "ConfigurationError",
        "createVolume with a name that has spaces",
      );
      await context.expectError(
        () => context.driver.createVolume({ name: context.uniqueName("cfv"), size: 10 } as never),
        "ConfigurationError",
        "createVolume with an unknown key",
      );
    },
  },
  {
    id: "volumes.remove.removes",
    tier: "core",
    clause: "C-VOLUMES",
    checks:
      "removeVolume removes the volume: a second removal rejects with VolumeNotFoundError and the name is free again",
    run: async (context) => {
      const volume = await context.createVolume();
      await context.driver.removeVolume(volume.id);
      await context.expectError(
        () => context.driver.removeVolume(volume.id),
        "VolumeNotFoundError",
        "a second removeVolume",
      );
      await context.createVolume({ name: volume.name });
    },
  },
  {
    id: "volumes.remove.in-use",
    tier: "core",
    clause: "C-VOLUMES",
    checks:
      "removeVolume of a volume that a container (not yet removed) mounts rejects with VolumeRemoveError; after the container is removed it succeeds",
    run: async (context) => {
      const volume = await context.createVolume();
      const container = await context.createContainer({ volumes: mountOf(volume.name) });
      await context.expectError(
        () => context.driver.removeVolume(volume.id),
        "VolumeRemoveError",
        "removeVolume of a mounted volume",
      );
      await context.driver.removeContainer(container.id);
      await context.driver.removeVolume(volume.id);
    },
  },
  {
    id: "volumes.mount.by-name",
    tier: "core",
    clause: "C-VOLUME-MOUNTS",
    checks: "a container mounting a created volume by name is created and starts",
    run: async (context) => {
      const volume = await context.createVolume();
      const container = await context.createRunningContainer({ volumes: mountOf(volume.name) });
      const status = await context.statusOf(container.id);
      check(status === "running", `the container with a volume should run; it is ${status}`);
    },
  },
];

// ---------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------

export const NETWORK_CASES: readonly ConformanceCase[] = [
  {
    id: "networks.create.shape",
    tier: "core",
    clause: "C-NETWORKS",
    checks: "createNetwork resolves a valid Network with the given name and labels",
    run: async (context) => {
      const name = context.uniqueName("cfn");
      const network = await context.createNetwork({ name, labels: { purpose: "shape" } });
      const parsed = NetworkSchema.safeParse(network);
      check(parsed.success, `not a valid Network: ${parsed.error?.message}`);
      check(network.name === name, `name should be ${name}; it is ${network.name}`);
      check(network.labels.purpose === "shape", "the network lost its labels");
    },
  },
  {
    id: "networks.create.duplicate",
    tier: "core",
    clause: "C-NETWORKS",
    checks: "createNetwork with a name already taken rejects with NetworkCreationError",
    run: async (context) => {
      const network = await context.createNetwork();
      await context.expectError(
        () => context.createNetwork({ name: network.name }),
        "NetworkCreationError",
        "createNetwork with a taken name",
      );
    },
  },
  {
    id: "networks.create.invalid",
    tier: "core",
    clause: "C-NETWORK-NONE",
    checks: "createNetwork named 'none' (reserved) or with an invalid name rejects with ConfigurationError",
    run: async (context) => {
      await context.expectError(
        () => context.driver.createNetwork({ name: "none" }),
        "ConfigurationError",
        "createNetwork named 'none'",
      );
      await context.expectError(
        () => context.driver.createNetwork({ name: "-leading-dash" }),
        "ConfigurationError",
        "createNetwork with an invalid name",
      );
    },
  },
  {
    id: "networks.remove.removes",
    tier: "core",
    clause: "C-NETWORKS",
    checks:
      "removeNetwork removes the network: a second removal rejects with NetworkNotFoundError and the name is free again",
    run: async (context) => {
      const network = await context.createNetwork();
      await context.driver.removeNetwork(network.id);
      await context.expectError(
        () => context.driver.removeNetwork(network.id),
        "NetworkNotFoundError",
        "a second removeNetwork",
      );
      await context.createNetwork({ name: network.name });
    },
  },
  {
    id: "networks.remove.in-use",
    tier: "core",
    clause: "C-NETWORKS",
    checks:
      "removeNetwork of a network that a container (not yet removed) uses rejects with NetworkRemoveError; after the container is removed it succeeds",
    run: async (context) => {
      const network = await context.createNetwork();
      const container = await context.createContainer({ network: network.name });
      await context.expectError(
        () => context.driver.removeNetwork(network.id),
        "NetworkRemoveError",
        "removeNetwork of a network in use",
      );
      await context.driver.removeContainer(container.id);
      await context.driver.removeNetwork(network.id);
    },
  },
  {
    id: "networks.use.created",
    tier: "core",
    clause: "C-NETWORKS",
    checks: "a created network's name is usable as a container config's network: the container is created and starts",
    run: async (context) => {
      const network = await context.createNetwork();
      const container = await context.createRunningContainer({ network: network.name });
      const status = await context.statusOf(container.id);
      check(status === "running", `the container on a created network should run; it is ${status}`);
    },
  },
  {
    id: "networks.use.none",
    tier: "core",
    clause: "C-NETWORK-NONE",
    checks: "network 'none' needs no createNetwork: the container is created and starts",
    run: async (context) => {
      const container = await context.createRunningContainer({ network: "none" });
      const status = await context.statusOf(container.id);
      check(status === "running", `the container on network none should run; it is ${status}`);
    },
  },
];

// ---------------------------------------------------------------------------
// Invalid configs
// ---------------------------------------------------------------------------

type Mutation = (config: ContainerConfig) => unknown;

/**
 * Invalid configs, one per rule of the schema, each a change to a valid
 * config. The driver must refuse each with ConfigurationError and create
 * nothing.
 */
export const INVALID_CONFIGS: readonly { readonly variant: string; readonly why: string; readonly mutate: Mutation }[] =
  [
    { variant: "not-an-object", why: "a config that is null", mutate: () => null },
    { variant: "missing-security", why: "no security field", mutate: ({ security: _, ...rest }) => rest },
    { variant: "unknown-key", why: "an unknown top-level key", mutate: (c) => ({ ...c, privileged: true }) },
    {
      variant: "security-unknown-key",
      why: "a misspelt security key (readonly)",
      mutate: (c) => ({ ...c, security: { ...c.security, readonly: true } }),
    },
    { variant: "session-id-empty", why: "an empty session id", mutate: (c) => ({ ...c, sessionId: "" }) },
    { variant: "session-id-unsafe", why: "a session id with a slash", mutate: (c) => ({ ...c, sessionId: "a/b" }) },
    { variant: "image-empty", why: "an empty image", mutate: (c) => ({ ...c, image: "" }) },
    { variant: "image-whitespace", why: "an image with a space", mutate: (c) => ({ ...c, image: "busybox latest" }) },
    {
      variant: "cpu-negative",
      why: "a negative cpu",
      mutate: (c) => ({ ...c, resources: { ...c.resources, cpu: -1 } }),
    },
    {
      variant: "memory-infinite",
      why: "an infinite memory",
      mutate: (c) => ({ ...c, resources: { ...c.resources, memory: Number.POSITIVE_INFINITY } }),
    },
    {
      variant: "pids-fractional",
      why: "a fractional pids",
      mutate: (c) => ({ ...c, resources: { ...c.resources, pids: 1.5 } }),
    },
    {
      variant: "env-name-invalid",
      why: "an env name starting with a digit",
      mutate: (c) => ({ ...c, env: { "1X": "y" } }),
    },
    { variant: "env-value-nul", why: "an env value with NUL", mutate: (c) => ({ ...c, env: { X: "a\u0000b" } }) },
    {
      variant: "label-proto-key",
      why: "a __proto__ label key",
      mutate: (c) => ({ ...c, labels: { ...c.labels, ...JSON.parse('{"__proto__":"x"}') } }),
    },
    {
      variant: "mount-target-relative",
      why: "a relative mount target",
      mutate: (c) => ({ ...c, volumes: [{ source: "data", target: "data" }] }),
    },
    {
      variant: "mount-target-dotdot",
      why: "a mount target with '..'",
      mutate: (c) => ({ ...c, volumes: [{ source: "data", target: "/data/../etc" }] }),
    },
    {
      variant: "capability-lowercase",
      why: "a lower-case capability",
      mutate: (c) => ({ ...c, security: { ...c.security, capabilities: { drop: ["all"], add: [] } } }),
    },
    { variant: "network-invalid", why: "a network name with a space", mutate: (c) => ({ ...c, network: "my net" }) },
    {
      variant: "user-invalid",
      why: "a user with a space",
      mutate: (c) => ({ ...c, security: { ...c.security, user: "a b" } }),
    },
  ];

/**
 * The ids of the driver's containers that no other case made: every listed
 * container except those labelled with another conformance case (of this
 * run or another), which may come and go while this case runs.
 */
async function containersNotOfOtherCases(context: CaseContext): Promise<Set<string>> {
  const listed = await context.driver.listContainers();
  return new Set(
    listed
      .filter((container) => {
        const owner = container.labels[CONFORMANCE_CASE_LABEL];
        return owner === undefined || owner === context.caseId;
      })
      .map((container) => container.id),
  );
}

/**
 * Create with `config`, expect `expected`, and check nothing was left: the
 * driver lists no container it did not list before, other than those of
 * other cases (concurrent cases carry their own labels, so this holds while
 * they run; a container a refused create leaves carries this case's labels,
 * or none).
 */
async function expectRefusedCreate(
  context: CaseContext,
  config: unknown,
  expected: DriverErrorName,
  what: string,
): Promise<unknown> {
  const before = await containersNotOfOtherCases(context);
  const error = await context.expectError(
    () => context.driver.createContainer(config as ContainerConfig),
    expected,
    `createContainer with ${what}`,
  );
  const after = await containersNotOfOtherCases(context);
  const left = [...after].filter((id) => !before.has(id));
  check(left.length === 0, `a refused createContainer left something behind: the driver now lists ${left.join(", ")}`);
  return error;
}

export const CONFIG_CASES: readonly ConformanceCase[] = [
  ...INVALID_CONFIGS.map(
    ({ variant, why, mutate }): ConformanceCase => ({
      id: `config.invalid.${variant}`,
      tier: "core",
      clause: "C-CONFIG-VALIDATION",
      checks: `createContainer with ${why} rejects with ConfigurationError and creates nothing`,
      run: async (context) => {
        await expectRefusedCreate(context, mutate(context.containerConfig()), "ConfigurationError", why);
      },
    }),
  ),
  {
    id: "config.stop-options.invalid",
    tier: "core",
    clause: "C-OPTIONS-VALIDATION",
    checks:
      "stopContainer with a negative timeout, a non-boolean force or an unknown key rejects with ConfigurationError and leaves the container running",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const invalid: readonly [string, unknown][] = [
        ["timeout -1", { timeout: -1 }],
        ["force 'yes'", { force: "yes" }],
        ["an unknown key", { graceful: true }],
      ];
      for (const [what, options] of invalid) {
        await context.expectError(
          () => context.driver.stopContainer(id, options as never),
          "ConfigurationError",
          `stopContainer with ${what}`,
        );
      }
      const status = await context.statusOf(id);
      check(status === "running", `a refused stop should leave the container running; it is ${status}`);
    },
  },
];

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/** A cpu request no driver can honour. */
export const ABSURD_CPU = 1_000_000;

function checkLimitError(error: unknown, resource: string, requested: number, limit: number | undefined): void {
  const fields = error as { resource?: unknown; limit?: unknown; requested?: unknown };
  check(
    fields.resource === resource,
    `ResourceLimitError.resource should be "${resource}"; it is ${String(fields.resource)}`,
  );
  check(
    fields.requested === requested,
    `ResourceLimitError.requested should be ${requested}; it is ${String(fields.requested)}`,
  );
  check(
    typeof fields.limit === "number" && Number.isFinite(fields.limit) && fields.limit < requested,
    `ResourceLimitError.limit should be a finite number below ${requested}; it is ${String(fields.limit)}`,
  );
  if (limit !== undefined) {
    check(
      fields.limit === limit,
      `ResourceLimitError.limit should be the declared ${limit}; it is ${String(fields.limit)}`,
    );
  }
}

const NO_LIMITS_REASON =
  "no `limits` option and no `limits` property on the driver: the suite does not know this driver's limits";

function declaredLimits(context: CaseContext): [keyof ResourceLimits, number][] {
  return Object.entries(context.options.limits ?? {}) as [keyof ResourceLimits, number][];
}

/** A request just above `limit` that is still valid for the schema. */
function justAbove(resource: keyof ResourceLimits, limit: number): number {
  return resource === "pids" ? limit + 1 : limit + Math.max(0.5, limit * 0.25);
}

export const LIMIT_CASES: readonly ConformanceCase[] = [
  {
    id: "limits.absurd.cpu",
    tier: "core",
    clause: "C-LIMITS",
    checks: `createContainer asking for ${ABSURD_CPU} cores rejects with ResourceLimitError (resource cpu, requested ${ABSURD_CPU}, a finite limit below it) and creates nothing`,
    run: async (context) => {
      const config = context.containerConfig({ resources: { cpu: ABSURD_CPU } });
      const error = await expectRefusedCreate(context, config, "ResourceLimitError", `cpu ${ABSURD_CPU}`);
      checkLimitError(error, "cpu", ABSURD_CPU, undefined);
    },
  },
  {
    id: "limits.validation-first",
    tier: "core",
    clause: "C-LIMITS",
    checks:
      "a config that is both invalid and above the limits rejects with ConfigurationError: validation comes first",
    run: async (context) => {
      const config = { ...context.containerConfig({ resources: { cpu: ABSURD_CPU } }), sessionId: "" };
      await expectRefusedCreate(context, config, "ConfigurationError", "an empty session id and absurd cpu");
    },
  },
  {
    id: "limits.declared.at-limit",
    tier: "core",
    clause: "C-LIMITS",
    checks: "a request exactly at each declared limit is accepted",
    skipUnless: (options) => (options.limits === undefined ? NO_LIMITS_REASON : undefined),
    run: async (context) => {
      for (const [resource, limit] of declaredLimits(context)) {
        const container = await context.createContainer({ resources: { [resource]: limit } });
        check(container.resources[resource] === limit, `${resource} at the limit ${limit} was not kept`);
      }
    },
  },
  {
    id: "limits.declared.above-limit",
    tier: "core",
    clause: "C-LIMITS",
    checks:
      "a request above each declared limit rejects with ResourceLimitError naming that resource, the limit and the request",
    skipUnless: (options) => (options.limits === undefined ? NO_LIMITS_REASON : undefined),
    run: async (context) => {
      for (const [resource, limit] of declaredLimits(context)) {
        const requested = justAbove(resource, limit);
        const config = context.containerConfig({ resources: { [resource]: requested } });
        const error = await expectRefusedCreate(context, config, "ResourceLimitError", `${resource} ${requested}`);
        checkLimitError(error, resource, requested, limit);
      }
    },
  },
];

/** A rejected create leaves no container, and no claim on the volume or network it named. */
export const ATOMIC_CREATE_CASES: readonly ConformanceCase[] = [
  {
    id: "containers.create.failed-leaves-nothing",
    tier: "core",
    clause: "C-FAILED-CREATE-ATOMIC",
    checks:
      "a createContainer refused for a missing network (with an existing volume), or a missing volume (on an existing network), creates no container and leaves the volume and network removable",
    run: async (context) => {
      const volume = await context.createVolume();
      const network = await context.createNetwork();
      const missing = context.uniqueName("missing");
      await expectRefusedCreate(
        context,
        context.containerConfig({ volumes: mountOf(volume.name), network: missing }),
        "NetworkNotFoundError",
        "an existing volume and a missing network",
      );
      await expectRefusedCreate(
        context,
        context.containerConfig({ volumes: mountOf(missing), network: network.name }),
        "VolumeNotFoundError",
        "an existing network and a missing volume",
      );
      await context.driver.removeVolume(volume.id);
      await context.driver.removeNetwork(network.id);
    },
  },
];

/** One of each error a driver can be made to throw through the interface, each checked in full. */
export const ERROR_SHAPE_CASES: readonly ConformanceCase[] = [
  {
    id: "errors.shape.every-kind",
    tier: "core",
    clause: "C-ERRORS",
    checks:
      "each error the interface can provoke (invalid config, limit, unknown container, volume and network, taken name, resource in use) has its class's code and retryable flag, a message, and a toJSON() that agrees",
    run: async (context) => {
      const volume = await context.createVolume();
      const network = await context.createNetwork();
      await context.createContainer({ volumes: mountOf(volume.name), network: network.name });
      const missing = context.uniqueName("missing");
      const provoked: readonly [DriverErrorName, string, () => Promise<unknown>][] = [
        ["ConfigurationError", "an invalid config", () => context.driver.createContainer({ sessionId: "" } as never)],
        [
          "ResourceLimitError",
          "an absurd cpu request",
          () => context.driver.createContainer(context.containerConfig({ resources: { cpu: ABSURD_CPU } })),
        ],
        ["ContainerNotFoundError", "an unknown container", () => context.driver.startContainer(missing)],
        ["VolumeNotFoundError", "an unknown volume", () => context.driver.removeVolume(missing)],
        ["NetworkNotFoundError", "an unknown network", () => context.driver.removeNetwork(missing)],
        ["VolumeCreationError", "a taken volume name", () => context.driver.createVolume({ name: volume.name })],
        ["NetworkCreationError", "a taken network name", () => context.driver.createNetwork({ name: network.name })],
        ["VolumeRemoveError", "a volume in use", () => context.driver.removeVolume(volume.id)],
        ["NetworkRemoveError", "a network in use", () => context.driver.removeNetwork(network.id)],
      ];
      for (const [expected, what, provoke] of provoked) {
        const error = (await context.expectError(provoke, expected, what)) as {
          message?: unknown;
          code?: unknown;
          retryable?: unknown;
          toJSON?: () => { code?: unknown; retryable?: unknown; message?: unknown };
        };
        check(
          typeof error.message === "string" && error.message.trim() !== "",
          `${expected} for ${what} has no message`,
        );
        check(typeof error.toJSON === "function", `${expected} for ${what} has no toJSON()`);
        const json = error.toJSON();
        check(
          json.code === error.code && json.retryable === error.retryable && json.message === error.message,
          `${expected}.toJSON() disagrees with the error: ${JSON.stringify(json)}`,
        );
      }
    },
  },
];
