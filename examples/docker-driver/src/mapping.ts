/**
 * The two translations between the contract and the Docker Engine API: a
 * `ContainerConfig` into the engine's create request, and the engine's
 * inspect data into a `ContainerInstance`. Pure functions, so the mapping of
 * every field can be read and tested without an engine.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  type ContainerConfig,
  type ContainerInstance,
  type ContainerStatus,
  type ResourceLimits,
  stateForStatus,
  mountTypeOf,
} from "../../../src/index.js";
import { baseName, expiryOf, hasStoppedMarker, OWNER_LABELS, ownerLabels, userLabels } from "./labels.js";
import { stdinCreateFields } from "./stdin.js";

/** The config path a container lists in `unenforced` when the engine cannot apply its disk limit. */
export const UNENFORCED_DISK = "resources.disk";

/** Bytes in one MB as the contract means it (the engine's `m` unit, 2^20). */
export const BYTES_PER_MB = 1024 * 1024;

/** The engine counts CPU in billionths of a core (`NanoCpus`). */
export const NANO_CPUS_PER_CORE = 1_000_000_000;

/**
 * The smallest memory limit the engine accepts, in MB. Below it the engine
 * refuses the create; the driver refuses first, with a `ConfigurationError`
 * that names the field.
 */
export const ENGINE_MIN_MEMORY_MB = 6;

/** A `ContainerInstance` with what the Docker driver adds. */
export type DockerContainerInstance = ContainerInstance & {
  /** The container's name on the engine (with the stopped marker when stopped). */
  readonly engineName: string;
  /** Whether the engine applies the disk limit (see the driver's `diskLimit` option). */
  readonly diskLimitEnforced: boolean;
};

/** How the disk limit of a container is applied; decided once per engine by the driver. */
export type DiskLimitPlan =
  /** The engine's storage driver applies `StorageOpt.size`. */
  | { readonly enforced: true }
  /** The storage driver cannot; the limit is recorded in a label and not applied. */
  | { readonly enforced: false };

/**
 * How the engine stores a container's output: a log driver and its options,
 * the engine's `HostConfig.LogConfig`. See `DockerDriverOptions.logConfig`.
 */
export type ContainerLogConfig = {
  /** The engine's log driver, such as `json-file` or `local`; one the engine can read back (not `none`). */
  readonly type: string;
  /** The driver's options, such as `{ "max-size": "10m", "max-file": "3" }`. */
  readonly options: Readonly<Record<string, string>>;
};

/** What {@link toCreateOptions} needs besides the config. */
export type CreateContext = {
  /** The driver's name, for the ownership labels. */
  readonly driver: string;
  /** The driver instance's namespace, for the ownership labels. */
  readonly namespace: string;
  /** The engine name of the new container. */
  readonly name: string;
  /** Whether the disk limit is applied by the engine. */
  readonly disk: DiskLimitPlan;
  /** Size of the writable tmpfs at /tmp of a read-only container, in MB. */
  readonly tmpfsSizeMb: number;
  /** Run the engine's init as PID 1 (signals reach the command, zombies are reaped). */
  readonly init: boolean;
  /** Where the output goes and how much of it the engine keeps; `undefined` leaves it to the engine's own default. */
  readonly logConfig: ContainerLogConfig | undefined;
  /** When the container expires (from the config's `ttlMs`), ms since the epoch. Default: never. */
  readonly expiresAt?: number;
  /** The config's idempotency key and the fingerprint of the config (see idempotency.ts). Default: none. */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
};

/**
 * The engine's create request for a validated config. Every field of the
 * config has its effect here:
 *
 * | config | engine |
 * | --- | --- |
 * | `command` | `Cmd` (empty or absent: the image's default) |
 * | `env` | `Env` as `NAME=value` |
 * | `labels` | `Labels`, plus the ownership labels |
 * | `resources.cpu` | `HostConfig.NanoCpus` (0: no limit, as the engine defines it) |
 * | `resources.memory` | `HostConfig.Memory` in bytes, `MemorySwap` equal to it so swap cannot extend the limit |
 * | `resources.pids` | `HostConfig.PidsLimit` |
 * | `resources.disk` | `HostConfig.StorageOpt.size` when enforced; a label otherwise |
 * | `security.readOnly` | `HostConfig.ReadonlyRootfs`, and a writable tmpfs at `/tmp` (see {@link tmpVolumeMount}) |
 * | `security.noNewPrivileges` | `HostConfig.SecurityOpt: ["no-new-privileges:true"]` |
 * | `security.user` | `User` |
 * | `security.capabilities` | `HostConfig.CapDrop` / `CapAdd` |
 * | `volumes` | `HostConfig.Mounts` (type `volume`: an engine volume by name; `bind`: a host path) |
 * | `network` | `HostConfig.NetworkMode` (`none`, or the engine network of that name) |
 * | `stdin` | `OpenStdin` and `StdinOnce`, and the bytes in a label (see stdin.ts) |
 * | (driver) `logConfig` | `HostConfig.LogConfig`: by default `json-file` rotated at 10 MB, 3 files |
 * | `ttlMs` | label `org.openagent.expires-at` (`context.expiresAt`, the time it was computed for) |
 * | `idempotencyKey` | labels `org.openagent.idempotency-key` and `org.openagent.config-fingerprint`; the name |
 *
 * @example
 * ```ts
 * const body = toCreateOptions(parseContainerConfig(config), {
 *   driver: "docker", namespace: "default", name: "oa-default-s1-0a1b2c3d",
 *   disk: { enforced: false }, tmpfsSizeMb: 64, init: true, logConfig: DOCKER_DRIVER_DEFAULTS.logConfig,
 * });
 * await docker.createContainer(body);
 * ```
 */
export function toCreateOptions(config: ContainerConfig, context: CreateContext): Docker.ContainerCreateOptions {
  const { resources, security } = config;
  const stdin = stdinCreateFields(config.stdin);
  const memoryBytes = Math.round(resources.memory * BYTES_PER_MB);
  const hostConfig: Docker.HostConfig = {
    NanoCpus: Math.round(resources.cpu * NANO_CPUS_PER_CORE),
    Memory: memoryBytes,
    MemorySwap: memoryBytes,
    PidsLimit: resources.pids,
    ReadonlyRootfs: security.readOnly,
    SecurityOpt: security.noNewPrivileges ? ["no-new-privileges:true"] : [],
    CapDrop: [...security.capabilities.drop],
    CapAdd: [...security.capabilities.add],
    Mounts: config.volumes.map((mount) => ({
      Type: mountTypeOf(mount),
      Source: mount.source,
      Target: mount.target,
      ReadOnly: mount.readOnly === true,
    })),
    NetworkMode: config.network,
    Init: context.init,
  };
  if (context.logConfig !== undefined) {
    // Without rotation a container can fill the host's disk with output, and a read of its log has no end.
    hostConfig.LogConfig = { Type: context.logConfig.type, Config: { ...context.logConfig.options } };
  }
  if (security.readOnly) {
    // Programs expect a writable /tmp; a size-capped tmpfs gives them one
    // without making the image's file system writable. It is memory, so it
    // counts against the container's memory limit.
    hostConfig.Mounts?.push(tmpVolumeMount(context));
  }
  if (context.disk.enforced) {
    hostConfig.StorageOpt = { size: String(Math.ceil(resources.disk * BYTES_PER_MB)) };
  }
  const options: Docker.ContainerCreateOptions = {
    name: context.name,
    Image: config.image,
    Env: Object.entries(config.env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...config.labels,
      ...ownerLabels(context.driver, context.namespace),
      [OWNER_LABELS.session]: config.sessionId,
      [OWNER_LABELS.diskMb]: String(resources.disk),
      [OWNER_LABELS.diskLimit]: context.disk.enforced ? "enforced" : "unenforced",
      ...stdin.labels,
      [OWNER_LABELS.name]: context.name,
      ...(context.expiresAt === undefined ? {} : { [OWNER_LABELS.expiresAt]: String(context.expiresAt) }),
      ...(context.idempotency === undefined
        ? {}
        : {
            [OWNER_LABELS.idempotencyKey]: context.idempotency.key,
            [OWNER_LABELS.configFingerprint]: context.idempotency.fingerprint,
          }),
    },
    User: security.user,
    Tty: false,
    OpenStdin: stdin.openStdin,
    StdinOnce: stdin.openStdin,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: hostConfig,
  };
  if (config.command !== undefined && config.command.length > 0) options.Cmd = [...config.command];
  return options;
}

/** Where a read-only container gets its writable scratch space. */
export const TMP_MOUNT_TARGET = "/tmp";

/**
 * The writable `/tmp` of a read-only container: a tmpfs (size-capped,
 * `nosuid`, `nodev`, sticky and world-writable like any `/tmp`), made as an
 * anonymous volume of the engine's `local` driver rather than as
 * `HostConfig.Tmpfs`. The engine's archive API, which `writeFile` and
 * `readFile` go through, reaches volumes but not a tmpfs mounted inside the
 * container: it would write beneath it, where the container never looks. The
 * volume carries the ownership labels, so a leftover is found, and goes with
 * the container (the driver removes containers with their anonymous volumes).
 *
 * @example
 * ```ts
 * tmpVolumeMount({ driver: "docker", namespace: "ns", tmpfsSizeMb: 64 }).Target; // "/tmp"
 * ```
 */
export function tmpVolumeMount(
  context: Pick<CreateContext, "driver" | "namespace" | "tmpfsSizeMb">,
): Docker.MountSettings {
  return {
    Type: "volume",
    // No source: an anonymous volume, made for this container alone.
    Source: "",
    Target: TMP_MOUNT_TARGET,
    ReadOnly: false,
    VolumeOptions: {
      NoCopy: true,
      Labels: { ...ownerLabels(context.driver, context.namespace), [OWNER_LABELS.role]: "tmp" },
      DriverConfig: {
        Name: "local",
        Options: { type: "tmpfs", device: "tmpfs", o: `size=${context.tmpfsSizeMb}m,nosuid,nodev,mode=1777` },
      },
    },
  };
}

/**
 * The contract's status for the engine's state. The engine has no
 * `stopped`: a container stopped by the driver carries the stopped marker in
 * its name (see `STOPPED_NAME_SUFFIX`), anything else that ended is `exited`.
 * `restarting` counts as `running`: the engine is bringing the process back.
 *
 * @example
 * ```ts
 * statusFromEngine("exited", "/oa-default-s1-0a1b2c3d.stopped"); // "stopped"
 * statusFromEngine("exited", "/oa-default-s1-0a1b2c3d"); // "exited"
 * ```
 */
export function statusFromEngine(engineStatus: string, engineName: string): ContainerStatus {
  switch (engineStatus) {
    case "created":
      return "created";
    case "running":
    case "restarting":
      return "running";
    case "paused":
      return "paused";
    case "removing":
      return "removing";
    case "dead":
      return "dead";
    case "exited":
      return hasStoppedMarker(engineName) ? "stopped" : "exited";
    default:
      // An engine newer than this driver: report it as ended with an error
      // rather than guessing that it runs.
      return "dead";
  }
}

/**
 * An engine time stamp in ms since the epoch, or `fallback` when the engine
 * gave none or one that does not parse.
 *
 * @example
 * ```ts
 * engineTimeOr(info.CreatedAt, clock.now());
 * ```
 */
export function engineTimeOr(value: string | undefined, fallback: number): number {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(time) ? fallback : time;
}

function engineTime(value: string | undefined): number | undefined {
  if (value === undefined || value.startsWith("0001-01-01")) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** The resource limits as the engine applies them (disk from the label, since the engine may keep none). */
export function resourcesFromEngine(info: Docker.ContainerInspectInfo): ResourceLimits {
  const host = info.HostConfig;
  const diskLabel = Number(info.Config.Labels?.[OWNER_LABELS.diskMb]);
  const storageSize = Number(host.StorageOpt?.size);
  return {
    cpu: (host.NanoCpus ?? 0) / NANO_CPUS_PER_CORE,
    memory: (host.Memory ?? 0) / BYTES_PER_MB,
    disk: Number.isFinite(diskLabel) ? diskLabel : Number.isFinite(storageSize) ? storageSize / BYTES_PER_MB : 0,
    pids: host.PidsLimit ?? 0,
  };
}

/**
 * The contract's view of an inspected container. `oomKilled: true` when the
 * container has ended and the engine says the kernel killed one of its
 * processes for memory in its last run (`State.OOMKilled`); absent otherwise,
 * so `oomKilled` set means "killed for memory" and absent means "not".
 *
 * @example
 * ```ts
 * const instance = toInstance(await docker.getContainer(id).inspect(), "unix:///var/run/docker.sock");
 * ```
 */
export function toInstance(info: Docker.ContainerInspectInfo, socketPath: string): DockerContainerInstance {
  const labels = info.Config.Labels ?? {};
  const status = statusFromEngine(info.State.Status, info.Name);
  const ended = status === "exited" || status === "stopped" || status === "dead";
  const exitCode = ended ? info.State.ExitCode : undefined;
  const instance: ContainerInstance & { engineName: string; diskLimitEnforced: boolean } = {
    id: info.Id,
    name: baseName(info.Name, labels),
    sessionId: labels[OWNER_LABELS.session] ?? "",
    image: info.Config.Image,
    status,
    state: stateForStatus(status, exitCode),
    endpoint: containerEndpoint(socketPath, info.Id),
    createdAt: engineTime(info.Created) ?? 0,
    labels: userLabels(labels),
    resources: resourcesFromEngine(info),
    engineName: info.Name.replace(/^\//, ""),
    diskLimitEnforced: labels[OWNER_LABELS.diskLimit] === "enforced",
  };
  const startedAt = engineTime(info.State.StartedAt);
  if (startedAt !== undefined) instance.startedAt = startedAt;
  if (exitCode !== undefined) instance.exitCode = exitCode;
  // The engine's verdict, not a guess from 137 (a `kill -9` or an `exit 137` read the same): set when the
  // kernel killed a process of the container for memory during its last run, also one inside a shell that then
  // exited 0; left out otherwise. The engine clears it when the container starts again.
  if (ended && info.State.OOMKilled === true) instance.oomKilled = true;
  // The contract's way to say a limit was accepted but is not applied (see the driver's diskLimit option).
  if (labels[OWNER_LABELS.diskLimit] === "unenforced") instance.unenforced = [UNENFORCED_DISK];
  const expiresAt = expiryOf(info.Name, labels);
  if (expiresAt !== undefined) instance.expiresAt = expiresAt;
  const idempotencyKey = labels[OWNER_LABELS.idempotencyKey];
  if (idempotencyKey !== undefined) instance.idempotencyKey = idempotencyKey;
  return instance;
}

/** Where the container is reached through the engine: its path on the engine's socket. */
export function containerEndpoint(socketPath: string, id: string): string {
  return `unix://${socketPath}:/containers/${id}`;
}
