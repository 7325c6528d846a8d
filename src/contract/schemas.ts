/**
 * The Zod schemas of everything that crosses the `ContainerDriver` boundary,
 * and the types inferred from them (`z.infer`), so the runtime check and the
 * static type cannot drift apart. Input schemas are strict at every level: an
 * unknown key is an error, never silently ignored. Value rules live in
 * `./rules.ts`; each schema says which it applies and why.
 *
 * @module
 */
import { z } from "zod";
import {
  CapabilitySchema,
  CommandSchema,
  CONFIG_LIMITS,
  DriverNameSchema,
  EnvSchema,
  IdempotencyKeySchema,
  ImageSchema,
  LabelsSchema,
  MountSourceSchema,
  MountTargetSchema,
  NO_NETWORK,
  ResourceNameSchema,
  SessionIdSchema,
  stdinSchema,
  UserSchema,
} from "./rules.js";

/** An `AbortSignal`, checked by its shape so that a signal from another realm or polyfill passes. */
export const abortSignalSchema = z.custom<AbortSignal>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { aborted?: unknown }).aborted === "boolean" &&
    typeof (value as { addEventListener?: unknown }).addEventListener === "function",
  "must be an AbortSignal",
);

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
  drop: z.array(CapabilitySchema).max(CONFIG_LIMITS.capabilities),
  add: z.array(CapabilitySchema).max(CONFIG_LIMITS.capabilities),
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
  source: MountSourceSchema,
  target: MountTargetSchema,
  readOnly: z.boolean().optional(),
  type: z.enum(["bind", "volume"]).optional(),
});

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
 *
 * Contract 1.1 adds three optional fields (a 1.0 config still validates):
 *
 * - `stdin`: written to the main command's standard input each time it
 *   starts, then closed; a string (UTF-8) or bytes, at most
 *   {@link CONFIG_LIMITS.stdinBytes} (capability `streams`).
 * - `ttlMs`: the container expires this many ms after it is created and is
 *   removed by the driver (capability `expiry`); a positive integer.
 * - `idempotencyKey`: creates with the same key in the same namespace return
 *   the same container (capability `idempotency`); see {@link IdempotencyKeySchema}.
 */
export const ContainerConfigSchema = z.strictObject({
  sessionId: SessionIdSchema,
  image: ImageSchema,
  command: CommandSchema.optional(),
  env: EnvSchema,
  labels: LabelsSchema,
  resources: ResourceLimitsSchema,
  volumes: z.array(VolumeMountSchema).max(CONFIG_LIMITS.volumes),
  network: ResourceNameSchema,
  security: SecurityOptionsSchema,
  stdin: stdinSchema(CONFIG_LIMITS.stdinBytes).optional(),
  ttlMs: z.number().int().min(1).max(CONFIG_LIMITS.ttlMs).optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
});

/**
 * Configuration of a volume. Strict.
 *
 * - `name`: see {@link ResourceNameSchema}; unique per driver.
 * - `driver`: storage driver, see {@link DriverNameSchema}; the runtime's default when omitted.
 * - `labels`: see {@link LabelsSchema}.
 */
export const VolumeConfigSchema = z.strictObject({
  name: ResourceNameSchema,
  driver: DriverNameSchema.optional(),
  labels: LabelsSchema.optional(),
});

/**
 * Configuration of a network. Strict.
 *
 * - `name`: see {@link ResourceNameSchema}; unique per driver. `none` is
 *   reserved (it means "no network" in a container config).
 * - `driver`: network driver, see {@link DriverNameSchema}; the runtime's default when omitted.
 * - `labels`: see {@link LabelsSchema}.
 * - `options`: driver-specific options, same key rules as labels.
 */
export const NetworkConfigSchema = z.strictObject({
  name: ResourceNameSchema.refine((name) => name !== NO_NETWORK, {
    message: "'none' is reserved: it means no network",
  }),
  driver: DriverNameSchema.optional(),
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

/** The streams a log read can choose: one of them, or both interleaved (`all`). */
export const LOG_STREAM_CHOICES = ["stdout", "stderr", "all"] as const;

/** The most characters `getContainerLogs` resolves with when the caller gives no `maxBytes`: 16 MiB. */
export const DEFAULT_LOG_MAX_BYTES = 16_777_216;

/**
 * The first line of a log text that `maxBytes` cut short, followed by the
 * number of characters left out: `[earlier output omitted: 1234 characters]`.
 */
export const LOG_TRUNCATION_NOTICE = "[earlier output omitted:";

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
 *
 * Contract 1.1 adds (capability `streams` for `stream`, `signal`, `onLine`):
 *
 * - `stream`: read only `stdout` or only `stderr`; default `all`.
 * - `maxBytes`: the most characters of text the call resolves with; beyond
 *   it the oldest lines are dropped and the text starts with a
 *   {@link LOG_TRUNCATION_NOTICE} line, so memory stays bounded however much
 *   the container wrote; default {@link DEFAULT_LOG_MAX_BYTES}.
 * - `signal`: aborting it ends a follow at once: the call resolves with the
 *   lines so far instead of waiting for the container to stop.
 * - `onLine`: called with each line (`{ stream, line, time }`) as it is read;
 *   with `follow`, as the container writes it, before the call resolves.
 */
export const LogOptionsSchema = z.strictObject({
  follow: z.boolean().optional(),
  tail: z.number().int().min(0).optional(),
  since: z.number().finite().min(0).optional(),
  timestamps: z.boolean().optional(),
  stream: z.enum(LOG_STREAM_CHOICES).optional(),
  maxBytes: z.number().int().min(1).optional(),
  signal: abortSignalSchema.optional(),
  onLine: z.custom<(line: LogLine) => void>((value) => typeof value === "function", "must be a function").optional(),
});

/** One line of a container's output, as `onLine` receives it. */
export type LogLine = {
  /** The stream that wrote it. */
  readonly stream: "stdout" | "stderr";
  /** The text, without its newline. */
  readonly line: string;
  /** When the runtime received it, in ms since the epoch. */
  readonly time: number;
};

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
 *
 * Contract 1.1 adds, all optional:
 *
 * - `oomKilled`: `true` when the runtime killed the main process for
 *   exceeding its memory limit (capability `limits`).
 * - `expiresAt`: when the driver removes the container, ms since the epoch
 *   (capability `expiry`).
 * - `idempotencyKey`: the key the container was created with.
 * - `unenforced`: config paths the runtime accepted but does not enforce,
 *   such as `resources.disk` on a storage driver without quotas; a platform
 *   that needs them enforced refuses the container.
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
  oomKilled: z.boolean().optional(),
  expiresAt: z.number().finite().optional(),
  idempotencyKey: z.string().optional(),
  unenforced: z.array(z.string()).optional(),
});

/**
 * Schema of `healthCheck`'s result. `containers.stopped` counts every
 * container of the driver that is not running. `unenforced` (1.1, optional):
 * config paths the driver accepts but cannot enforce on this runtime.
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
  unenforced: z.array(z.string()).optional(),
});

/** What `cleanup()` could not remove: the object, and why. */
export const CleanupFailureSchema = z.object({
  kind: z.enum(["container", "volume", "network"]),
  id: z.string(),
  code: z.string(),
  message: z.string(),
});

/**
 * Schema of what `cleanup()` resolves with: how many containers, volumes and
 * networks of the namespace it removed, and each object it could not remove
 * (it goes on past a failure and reports it here). `failures` is optional
 * only so that a driver written against 1.0 with a `cleanup()` of its own
 * (the shape the implementation guide showed) still type-checks; absent means
 * none.
 */
export const CleanupReportSchema = z.object({
  containers: z.number().int().min(0),
  volumes: z.number().int().min(0),
  networks: z.number().int().min(0),
  failures: z.array(CleanupFailureSchema).optional(),
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
/** What `cleanup()` could not remove; see {@link CleanupFailureSchema}. */
export type CleanupFailure = z.infer<typeof CleanupFailureSchema>;
/** What `cleanup()` resolves with; see {@link CleanupReportSchema}. */
export type CleanupReport = z.infer<typeof CleanupReportSchema>;
/** A volume as a driver reports it; see {@link VolumeSchema}. */
export type Volume = z.infer<typeof VolumeSchema>;
/** A network as a driver reports it; see {@link NetworkSchema}. */
export type Network = z.infer<typeof NetworkSchema>;
