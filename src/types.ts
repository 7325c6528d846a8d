/**
 * The contract: every type that crosses the `ContainerDriver` boundary, and the
 * Zod schemas that validate it. Types that have a schema are inferred from it
 * (`z.infer`), so the runtime check and the static type cannot drift apart.
 *
 * Value rules beyond the plain shapes of the specification are documented on
 * each schema, with the reason for the rule.
 *
 * @module
 */
import { z } from "zod";

// ---------------------------------------------------------------------------
// Shared value rules
// ---------------------------------------------------------------------------

/**
 * Keys that would reach `Object.prototype` if copied into a plain object with
 * `obj[key] = value`. Refused as env and label keys so that no driver that
 * copies a record naively can be turned into a prototype-pollution gadget.
 */
export const FORBIDDEN_RECORD_KEYS: readonly string[] = Object.freeze(["__proto__", "constructor", "prototype"]);

// Control characters (C0, DEL) are refused wherever a value ends up in a
// command line, a log line or an engine API call; NUL truncates C strings.
// Value rules are regular expressions rather than refinements: `z.compile`
// inlines a regex test, and it lets a rejection skip the second, runtime parse.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match them
const WITHOUT_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match it
const WITHOUT_NUL = /^[^\u0000]*$/;
/** Matches every string except the keys of {@link FORBIDDEN_RECORD_KEYS}. */
const NOT_A_FORBIDDEN_KEY = new RegExp(`^(?!(?:${FORBIDDEN_RECORD_KEYS.join("|")})$)`);

const stringWithoutNul = z.string().regex(WITHOUT_NUL, { message: "must not contain a NUL character" });

/** A record key: not empty, no NUL, not a prototype-polluting key. */
const safeRecordKey = z
  .string()
  .min(1, { message: "keys must not be empty" })
  .regex(WITHOUT_NUL, { message: "keys must not contain a NUL character" })
  .regex(NOT_A_FORBIDDEN_KEY, { message: "__proto__, constructor and prototype are not allowed as keys" });

/**
 * Zod's record parser skips an own `__proto__` key without a word (it cannot
 * copy it safely), so a check on keys alone would let `{"__proto__": ...}` from
 * `JSON.parse` pass. This looks at the input's own keys before the record runs.
 * When it finds `__proto__` it also reports the record's own issues, because the
 * pipe stops at the first failing step and the caller must hear about every bad
 * key at once. `constructor` and `prototype` reach the record's key schema,
 * which refuses them. A check piped into the record rather than a transform
 * that calls it: `z.compile` inlines the record after a check, so the usual
 * case (no `__proto__`) costs one `Object.hasOwn`.
 */
function refuseForbiddenKeys<T extends z.ZodType>(record: T) {
  return z
    .unknown()
    .check((payload) => {
      const input = payload.value;
      if (typeof input !== "object" || input === null || Array.isArray(input) || !Object.hasOwn(input, "__proto__")) {
        return;
      }
      payload.issues.push({
        code: "custom",
        path: ["__proto__"],
        message: "__proto__, constructor and prototype are not allowed as keys",
        input,
      });
      const result = record.safeParse(input);
      if (!result.success) payload.issues.push(...(result.error.issues as z.core.$ZodRawIssue[]));
    })
    .pipe(record);
}

/**
 * Schema for a `Record<string, string>` of labels: keys are non-empty, contain
 * no NUL, and are none of `__proto__`, `constructor`, `prototype`; values
 * contain no NUL.
 */
export const LabelsSchema = refuseForbiddenKeys(z.record(safeRecordKey, stringWithoutNul));

/**
 * Environment variable names as POSIX shells accept them. Anything else is
 * either silently dropped by a shell or, worse, interpreted.
 */
export const ENV_NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Schema for environment variables: names match {@link ENV_NAME_PATTERN} and
 * are not prototype-polluting keys; values contain no NUL (the kernel would cut
 * them short).
 */
export const EnvSchema = refuseForbiddenKeys(
  z.record(
    safeRecordKey.regex(ENV_NAME_PATTERN, {
      message: "environment variable names must match [A-Za-z_][A-Za-z0-9_]*",
    }),
    stringWithoutNul,
  ),
);

/**
 * A session id: 1–128 characters of `[A-Za-z0-9_.-]`, starting with a letter
 * or digit. Drivers use it in container names, labels and paths, so it must be
 * safe in all three.
 */
export const SESSION_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Schema for {@link SESSION_ID_PATTERN}. */
export const SessionIdSchema = z.string().regex(SESSION_ID_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit",
});

/**
 * An image reference: not empty, at most 512 characters, no whitespace and no
 * control characters. Registry syntax is left to the driver, which knows its
 * runtime's rules.
 */
export const ImageSchema = z
  .string()
  .min(1, { message: "must not be empty: give an image reference such as 'alpine:3.20'" })
  .max(512)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match them
  .regex(/^[^\s\u0000-\u001f\u007f]*$/, { message: "must not contain whitespace or control characters" });

/**
 * A name for a network or volume, and the `network` of a container config:
 * 1–128 characters of `[A-Za-z0-9_.-]`, starting with a letter or digit (the
 * intersection of what Docker, Kubernetes and file systems accept).
 */
export const RESOURCE_NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Schema for {@link RESOURCE_NAME_PATTERN}. */
export const ResourceNameSchema = z.string().regex(RESOURCE_NAME_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit",
});

/**
 * A Linux capability name: upper case, with or without the `CAP_` prefix
 * (`NET_BIND_SERVICE`, `CAP_CHOWN`); `ALL` stands for every capability.
 * Lower case is refused because runtimes differ on whether they fold case.
 * Words are joined by single underscores, so a bare `CAP_` or `NET_` names
 * nothing and is refused.
 */
export const CAPABILITY_PATTERN: RegExp = /^(CAP_)?[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** Schema for one capability name, see {@link CAPABILITY_PATTERN}. */
export const CapabilitySchema = z.string().regex(CAPABILITY_PATTERN, {
  message: "capability names are upper case, such as 'NET_BIND_SERVICE' or 'ALL'",
});

/**
 * A user to run as: a name or numeric id, optionally `:group`. Characters are
 * limited to `[A-Za-z0-9_.-]` so the value is safe in `/etc/passwd` lookups and
 * engine APIs alike.
 */
export const USER_PATTERN: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?$/;

/** Schema for {@link USER_PATTERN}. */
export const UserSchema = z.string().regex(USER_PATTERN, {
  message: "must be a user name or numeric id, optionally ':group', of [A-Za-z0-9_.-]",
});

/**
 * A mount target: an absolute path with no `..` segment, so a mount cannot be
 * aimed outside the directory the caller meant.
 */
export const MountTargetSchema = z
  .string()
  .max(4096)
  .regex(/^\//, { message: "must be an absolute path starting with '/'" })
  // No segment is exactly "..": not at the start, between two '/', or at the end.
  .regex(/^(?!(?:[\s\S]*\/)?\.\.(?:\/|$))/, { message: "must not contain a '..' segment" })
  .regex(WITHOUT_CONTROL_CHARACTERS, { message: "must not contain control characters" });

// ---------------------------------------------------------------------------
// Configuration schemas
// ---------------------------------------------------------------------------

/**
 * Resource limits of a container. Strict: unknown keys are refused.
 *
 * - `cpu`: CPU cores, finite, `>= 0` (fractions allowed: `0.5` is half a core).
 * - `memory`: memory in MB, finite, `>= 1`.
 * - `disk`: disk space in MB, finite, `>= 1`.
 * - `pids`: maximum number of processes, an integer `>= 1`.
 */
export const ResourceLimitsSchema = z.strictObject({
  cpu: z.number().finite().min(0),
  memory: z.number().finite().min(1),
  disk: z.number().finite().min(1),
  pids: z.number().int().min(1),
});

/**
 * Linux capabilities to drop and add. Strict. Both lists are required so
 * that a config always says what it drops.
 */
export const CapabilitiesSchema = z.strictObject({
  drop: z.array(CapabilitySchema),
  add: z.array(CapabilitySchema),
});

/**
 * Security settings of a container. Strict: a typo such as `readonly` is an
 * error, never a silently ignored key.
 *
 * - `readOnly`: mount the root file system read-only.
 * - `noNewPrivileges`: forbid gaining privileges (setuid, file capabilities).
 * - `user`: user to run the main process as, see {@link USER_PATTERN}.
 * - `capabilities`: capabilities to drop and add, see {@link CapabilitiesSchema}.
 */
export const SecurityOptionsSchema = z.strictObject({
  readOnly: z.boolean(),
  noNewPrivileges: z.boolean(),
  user: UserSchema,
  capabilities: CapabilitiesSchema,
});

/**
 * A mount of a volume or host path into a container. Strict.
 *
 * - `source`: a volume name (type `volume`) or an absolute host path (type
 *   `bind`); not empty, no control characters.
 * - `target`: see {@link MountTargetSchema}.
 * - `readOnly`: mount read-only; default `false`.
 * - `type`: `bind` or `volume`; when omitted, a `source` starting with `/` is a
 *   bind mount and anything else a volume.
 */
export const VolumeMountSchema = z.strictObject({
  source: z
    .string()
    .min(1, { message: "must not be empty: give a volume name or an absolute host path" })
    .max(4096)
    .regex(WITHOUT_CONTROL_CHARACTERS, { message: "must not contain control characters" }),
  target: MountTargetSchema,
  readOnly: z.boolean().optional(),
  type: z.enum(["bind", "volume"]).optional(),
});

/** The command to run instead of the image's default: arguments without NUL. */
export const CommandSchema = z.array(stringWithoutNul);

/**
 * Everything a driver needs to create a container. Strict at every level.
 *
 * - `sessionId`: see {@link SessionIdSchema}.
 * - `image`: see {@link ImageSchema}.
 * - `command`: optional argv; an empty array means the image's default.
 * - `env`: see {@link EnvSchema}.
 * - `labels`: see {@link LabelsSchema}.
 * - `resources`: see {@link ResourceLimitsSchema}.
 * - `volumes`: see {@link VolumeMountSchema}.
 * - `network`: `"none"` (no network, the default of `createDriverConfig`) or the
 *   name of a network the driver knows; see {@link ResourceNameSchema}.
 * - `security`: see {@link SecurityOptionsSchema}.
 */
export const ContainerConfigSchema = z.strictObject({
  sessionId: SessionIdSchema,
  image: ImageSchema,
  command: CommandSchema.optional(),
  env: EnvSchema,
  labels: LabelsSchema,
  resources: ResourceLimitsSchema,
  volumes: z.array(VolumeMountSchema),
  network: ResourceNameSchema,
  security: SecurityOptionsSchema,
});

/**
 * Configuration of a volume. Strict.
 *
 * - `name`: see {@link ResourceNameSchema}; unique per driver.
 * - `driver`: storage driver; the runtime's default when omitted.
 * - `labels`: see {@link LabelsSchema}.
 */
export const VolumeConfigSchema = z.strictObject({
  name: ResourceNameSchema,
  driver: z.string().min(1).optional(),
  labels: LabelsSchema.optional(),
});

/**
 * Configuration of a network. Strict.
 *
 * - `name`: see {@link ResourceNameSchema}; unique per driver. `none` is
 *   reserved (it means "no network" in a container config).
 * - `driver`: network driver; the runtime's default when omitted.
 * - `labels`: see {@link LabelsSchema}.
 * - `options`: driver-specific options, same key rules as labels.
 */
export const NetworkConfigSchema = z.strictObject({
  name: ResourceNameSchema.refine((name) => name !== "none", {
    message: "'none' is reserved: it means no network",
  }),
  driver: z.string().min(1).optional(),
  labels: LabelsSchema.optional(),
  options: LabelsSchema.optional(),
});

// ---------------------------------------------------------------------------
// Status and state
// ---------------------------------------------------------------------------

/** Every value of {@link ContainerStatus}, in lifecycle order. */
export const CONTAINER_STATUSES = ["created", "running", "paused", "stopped", "removing", "exited", "dead"] as const;

/**
 * Schema of a container's status.
 *
 * - `created`: created, never started.
 * - `running`: the main process runs.
 * - `paused`: processes are frozen.
 * - `stopped`: stopped by `stopContainer`.
 * - `removing`: removal in progress.
 * - `exited`: the main process ended on its own (see `exitCode`).
 * - `dead`: the runtime failed to stop or remove it; only removal helps.
 */
export const ContainerStatusSchema = z.enum(CONTAINER_STATUSES);

/** Every value of {@link ContainerState}. */
export const CONTAINER_STATES = ["running", "terminated", "error"] as const;

/**
 * Schema of a container's state, derived from its status by `stateForStatus`:
 * `running` (running or paused), `terminated` (ended normally or not started),
 * `error` (exited non-zero, or dead).
 */
export const ContainerStateSchema = z.enum(CONTAINER_STATES);

// ---------------------------------------------------------------------------
// Operation options
// ---------------------------------------------------------------------------

/**
 * Criteria for `listContainers`; every given field must match (AND). Strict:
 * a misspelt field is a `ConfigurationError`, never a filter that matches all.
 *
 * - `sessionId`: exact session id.
 * - `status`: exact status.
 * - `state`: exact state.
 * - `label`: every given key must be present with exactly the given value.
 */
export const ContainerFilterSchema = z.strictObject({
  sessionId: z.string().optional(),
  status: ContainerStatusSchema.optional(),
  state: ContainerStateSchema.optional(),
  label: LabelsSchema.optional(),
});

/**
 * Options of `stopContainer`. Strict.
 *
 * - `timeout`: grace period in ms between the polite signal and the kill;
 *   finite, `>= 0`; driver default when omitted (the mocks and the Docker
 *   example use 10 000 ms).
 * - `force`: kill at once, without a grace period; default `false`.
 */
export const StopOptionsSchema = z.strictObject({
  timeout: z.number().finite().min(0).optional(),
  force: z.boolean().optional(),
});

/**
 * Options of `getContainerLogs`. Strict.
 *
 * - `follow`: wait until the container is no longer running, then return
 *   everything; default `false`.
 * - `tail`: only the last N lines, so a long-running session's output need
 *   not be read whole; an integer `>= 0`; default: every line.
 * - `since`: only lines written at or after this time (ms since the epoch),
 *   to read only what is new since the last look; default: from the start.
 * - `timestamps`: prefix each line with its ISO-8601 time and a space, to
 *   correlate output with other events; default `false`.
 */
export const LogOptionsSchema = z.strictObject({
  follow: z.boolean().optional(),
  tail: z.number().int().min(0).optional(),
  since: z.number().finite().min(0).optional(),
  timestamps: z.boolean().optional(),
});

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/**
 * Schema of what `createContainer`, `getContainer` and `listContainers`
 * return. Not strict: a driver may add fields.
 *
 * - `exitCode`: set once the container has ended (`exited`, and `stopped`
 *   where the runtime reports it). An addition to the specification's shape;
 *   optional, so backward-compatible.
 */
export const ContainerInstanceSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  sessionId: z.string(),
  image: z.string(),
  status: ContainerStatusSchema,
  state: ContainerStateSchema,
  endpoint: z.string(),
  createdAt: z.number().finite(),
  startedAt: z.number().finite().optional(),
  exitCode: z.number().int().optional(),
  labels: z.record(z.string(), z.string()),
  resources: ResourceLimitsSchema,
});

/**
 * Schema of `healthCheck`'s result. `containers.stopped` counts every
 * container of the driver that is not running.
 */
export const DriverHealthSchema = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  version: z.string(),
  uptime: z.number().finite().min(0),
  containers: z.object({
    total: z.number().int().min(0),
    running: z.number().int().min(0),
    stopped: z.number().int().min(0),
  }),
  error: z.string().optional(),
});

/** Schema of what `createVolume` returns. */
export const VolumeSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  driver: z.string(),
  mountpoint: z.string(),
  createdAt: z.number().finite(),
  labels: z.record(z.string(), z.string()),
});

/** Schema of what `createNetwork` returns. */
export const NetworkSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  driver: z.string(),
  createdAt: z.number().finite(),
  labels: z.record(z.string(), z.string()),
});

// ---------------------------------------------------------------------------
// Inferred types
// ---------------------------------------------------------------------------

/** Resource limits of a container; see {@link ResourceLimitsSchema}. */
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>;
/** Linux capabilities to drop and add; see {@link CapabilitiesSchema}. */
export type Capabilities = z.infer<typeof CapabilitiesSchema>;
/** Security settings of a container; see {@link SecurityOptionsSchema}. */
export type SecurityOptions = z.infer<typeof SecurityOptionsSchema>;
/** A volume or bind mount; see {@link VolumeMountSchema}. */
export type VolumeMount = z.infer<typeof VolumeMountSchema>;
/** Everything needed to create a container; see {@link ContainerConfigSchema}. */
export type ContainerConfig = z.infer<typeof ContainerConfigSchema>;
/** Configuration of a volume; see {@link VolumeConfigSchema}. */
export type VolumeConfig = z.infer<typeof VolumeConfigSchema>;
/** Configuration of a network; see {@link NetworkConfigSchema}. */
export type NetworkConfig = z.infer<typeof NetworkConfigSchema>;
/** A container's status; see {@link ContainerStatusSchema}. */
export type ContainerStatus = z.infer<typeof ContainerStatusSchema>;
/** A container's state; see {@link ContainerStateSchema}. */
export type ContainerState = z.infer<typeof ContainerStateSchema>;
/** Criteria for `listContainers`; see {@link ContainerFilterSchema}. */
export type ContainerFilter = z.infer<typeof ContainerFilterSchema>;
/** Options of `stopContainer`; see {@link StopOptionsSchema}. */
export type StopOptions = z.infer<typeof StopOptionsSchema>;
/** Options of `getContainerLogs`; see {@link LogOptionsSchema}. */
export type LogOptions = z.infer<typeof LogOptionsSchema>;
/** A container as a driver reports it; see {@link ContainerInstanceSchema}. */
export type ContainerInstance = z.infer<typeof ContainerInstanceSchema>;
/** The result of `healthCheck`; see {@link DriverHealthSchema}. */
export type DriverHealth = z.infer<typeof DriverHealthSchema>;
/** A volume as a driver reports it; see {@link VolumeSchema}. */
export type Volume = z.infer<typeof VolumeSchema>;
/** A network as a driver reports it; see {@link NetworkSchema}. */
export type Network = z.infer<typeof NetworkSchema>;

// ---------------------------------------------------------------------------
// The driver contract
// ---------------------------------------------------------------------------

/**
 * Optional features a driver can declare on {@link ContainerDriver.capabilities}.
 * The conformance suite runs the tier of each declared capability and reports
 * the cases of undeclared ones as skipped.
 *
 * - `execution`: the driver really runs the container's command: output
 *   reaches the logs, exit codes are real, volumes are shared, security
 *   settings are enforced inside the container.
 */
export const DRIVER_CAPABILITIES = ["execution"] as const;

/** One of {@link DRIVER_CAPABILITIES}. */
export type DriverCapability = (typeof DRIVER_CAPABILITIES)[number];

/**
 * The contract between the platform and a runtime. Every method validates
 * its input and rejects with a `DriverError` subclass; the lifecycle follows
 * `CONTAINER_TRANSITIONS`. docs/INTERFACE_CONTRACT.md states each clause and
 * the conformance case that checks it.
 *
 * @example
 * ```ts
 * import { type ContainerDriver, createDriverConfig } from "@openagent/driver-interface";
 *
 * async function runSession(driver: ContainerDriver) {
 *   const container = await driver.createContainer(
 *     createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }),
 *   );
 *   await driver.startContainer(container.id);
 *   return container.id;
 * }
 * ```
 */
export type ContainerDriver = {
  /** Unique name of the implementation, such as `docker` or `mock-local`. */
  readonly name: string;
  /** Semantic version of the implementation (`MAJOR.MINOR.PATCH`). */
  readonly version: string;
  /**
   * Optional features the driver implements; see {@link DRIVER_CAPABILITIES}.
   * Absent means none. An addition to the specification, optional so that
   * drivers written against it still type-check.
   */
  readonly capabilities?: readonly DriverCapability[];

  /**
   * Create a container in status `created`. Rejects with `ConfigurationError`
   * for an invalid config, `ResourceLimitError` above the driver's limits,
   * the NotFound error of a missing volume or network, and
   * `ContainerCreationError` when the runtime fails; nothing is left behind.
   *
   * @example
   * ```ts
   * const container = await driver.createContainer(
   *   createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", resources: { memory: 1024 } }),
   * );
   * container.status; // "created"
   * ```
   */
  createContainer(config: ContainerConfig): Promise<ContainerInstance>;
  /**
   * Start a container; see `CONTAINER_TRANSITIONS.start`.
   *
   * @example
   * ```ts
   * await driver.startContainer(container.id); // again is a no-op
   * ```
   */
  startContainer(id: string): Promise<void>;
  /**
   * Stop a container; see `CONTAINER_TRANSITIONS.stop`.
   *
   * @example
   * ```ts
   * await driver.stopContainer(container.id, { timeout: 5_000 });
   * ```
   */
  stopContainer(id: string, options?: StopOptions): Promise<void>;
  /**
   * Remove a container in any status, stopping it first if needed.
   *
   * @example
   * ```ts
   * await driver.removeContainer(container.id); // stops it first when it runs
   * ```
   */
  removeContainer(id: string): Promise<void>;

  /**
   * The container, or `null` when there is none with this id. Never throws for a missing id.
   *
   * @example
   * ```ts
   * const current = await driver.getContainer(container.id);
   * if (current === null) console.log("already gone");
   * ```
   */
  getContainer(id: string): Promise<ContainerInstance | null>;
  /**
   * The driver's containers that match every given filter field.
   *
   * @example
   * ```ts
   * const running = await driver.listContainers({ sessionId: "s-1", state: "running" });
   * ```
   */
  listContainers(filter?: ContainerFilter): Promise<ContainerInstance[]>;
  /**
   * The container's output, shaped by the options.
   *
   * @example
   * ```ts
   * const lastLines = await driver.getContainerLogs(container.id, { tail: 100, timestamps: true });
   * ```
   */
  getContainerLogs(id: string, options?: LogOptions): Promise<string>;

  /**
   * The driver's health; resolves `unhealthy` with `error` set rather than throwing.
   *
   * @example
   * ```ts
   * const health = await driver.healthCheck();
   * if (health.status === "unhealthy") console.warn(health.error);
   * ```
   */
  healthCheck(): Promise<DriverHealth>;
  /**
   * `true` when the container runs; `false` when not; ContainerNotFoundError when missing.
   *
   * @example
   * ```ts
   * if (!(await driver.isContainerHealthy(container.id))) await driver.startContainer(container.id);
   * ```
   */
  isContainerHealthy(id: string): Promise<boolean>;

  /**
   * Create a named volume; a duplicate name is a `VolumeCreationError`.
   *
   * @example
   * ```ts
   * const volume = await driver.createVolume({ name: "workspace-s-1" });
   * const config = createDriverConfig({
   *   sessionId: "s-1",
   *   image: "alpine:3.20",
   *   volumes: [{ source: volume.name, target: "/workspace", type: "volume" }],
   * });
   * ```
   */
  createVolume(config: VolumeConfig): Promise<Volume>;
  /**
   * Remove a volume; missing → `VolumeNotFoundError`, in use → `VolumeRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeVolume(volume.id); // after every container using it is removed
   * ```
   */
  removeVolume(id: string): Promise<void>;

  /**
   * Create a named network; a duplicate name is a `NetworkCreationError`.
   *
   * @example
   * ```ts
   * const network = await driver.createNetwork({ name: "agents-s-1" });
   * const config = createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", network: network.name });
   * ```
   */
  createNetwork(config: NetworkConfig): Promise<Network>;
  /**
   * Remove a network; missing → `NetworkNotFoundError`, in use → `NetworkRemoveError`.
   *
   * @example
   * ```ts
   * await driver.removeNetwork(network.id); // after every container using it is removed
   * ```
   */
  removeNetwork(id: string): Promise<void>;
};

/** The names of the thirteen methods of {@link ContainerDriver}. */
export const DRIVER_METHODS = [
  "createContainer",
  "startContainer",
  "stopContainer",
  "removeContainer",
  "getContainer",
  "listContainers",
  "getContainerLogs",
  "healthCheck",
  "isContainerHealthy",
  "createVolume",
  "removeVolume",
  "createNetwork",
  "removeNetwork",
] as const satisfies readonly (keyof ContainerDriver)[];

/** One of {@link DRIVER_METHODS}. */
export type DriverMethod = (typeof DRIVER_METHODS)[number];
