/**
 * A `ContainerConfig` as a Swarm service, and back: pure functions, so the
 * mapping of every field can be read and tested without a cluster.
 *
 * One container is one replicated service with at most one replica and
 * restart condition `none`: Swarm runs its task once and never replaces it on
 * its own, so the task's end is the container's end, with its exit code.
 *
 * @module
 */
import {
  type ContainerConfig,
  mountTypeOf,
  NO_NETWORK,
  RESERVED_LABEL_PREFIX,
  type ResourceLimits,
} from "../../../src/index.js";
import { OWNER_LABELS, ownerLabels } from "../../docker-driver/src/labels.js";
import { BYTES_PER_MB, NANO_CPUS_PER_CORE } from "../../docker-driver/src/mapping.js";
import type { ServiceSpec } from "./swarm-api.js";

/** Labels the Swarm driver writes besides the Docker driver's ownership labels. */
export const SWARM_LABELS = Object.freeze({
  /**
   * `true` on a service whose task `stopContainer` stopped: Swarm reports a
   * stopped and a finished task alike, so the service keeps the difference.
   * Service labels change without touching the task, and the start that runs
   * a new task clears the marker in the same update.
   */
  stopped: `${RESERVED_LABEL_PREFIX}stopped`,
  /**
   * The config paths the service accepted and the swarm does not enforce,
   * comma-separated (`resources.disk`, and `security.noNewPrivileges` where
   * the nodes do not set it): the instance's `unenforced`.
   */
  unenforced: `${RESERVED_LABEL_PREFIX}unenforced`,
  /**
   * The image the container was created with, once a restart runs its task
   * from the previous task's committed file system (tasks.ts): the instance
   * keeps showing the image the caller gave.
   */
  image: `${RESERVED_LABEL_PREFIX}image`,
  /**
   * `true` on a service whose running task's container `pauseContainer`
   * froze on its node (Swarm has no pause and reports the task `running`);
   * removed by resume, stop and start.
   */
  paused: `${RESERVED_LABEL_PREFIX}paused`,
});

/** Nanoseconds in a millisecond: Swarm's durations are nanoseconds. */
const NANOS_PER_MS = 1_000_000;

/** The characters of a Swarm service name: a DNS label component, 63 at most. */
const SERVICE_NAME_SAFE = /[^A-Za-z0-9]+/g;

/**
 * The name of a new service: `oa-<session id as a DNS label, 30 at most>-<random>`.
 * Swarm wants names that are DNS label components (letters, digits, inner
 * `-`/`_`, at most 63 characters), so a session id's dots and length are
 * folded; the labels keep the session id exactly.
 *
 * @example
 * ```ts
 * serviceName("s.1", "0a1b2c3d4e5f"); // "oa-s-1-0a1b2c3d4e5f"
 * ```
 */
export function serviceName(sessionId: string, random: string): string {
  const session = sessionId
    .replace(SERVICE_NAME_SAFE, "-")
    .slice(0, 30)
    .replace(/^-+|-+$/g, "");
  return session === "" ? `oa-${random}` : `oa-${session}-${random}`;
}

/** What {@link toServiceSpec} needs besides the config. */
export type ServiceSpecContext = {
  /** The driver's name, for the ownership labels. */
  readonly driver: string;
  /** The driver instance's namespace, for the ownership labels. */
  readonly namespace: string;
  /** The service's name. */
  readonly name: string;
  /** Size of the writable tmpfs at /tmp of a read-only container, in MB. */
  readonly tmpfsSizeMb: number;
  /** Run an init process as PID 1. */
  readonly init: boolean;
  /** Swarm's own grace period when it stops the task (removal, scaling down), in ms. */
  readonly stopGraceMs: number;
  /** The network's ID for a config whose network is not `none`. */
  readonly networkId: string | undefined;
  /** Placement constraints (`node.id==…`, `node.id!=…`), decided from volumes and node facts. */
  readonly constraints: readonly string[];
  /** The config paths the swarm will not enforce for this container. */
  readonly unenforced: readonly string[];
};

/**
 * The service spec for a validated config, created with 0 replicas (the
 * contract's `created`: defined, nothing scheduled). Every field of the
 * config has its effect here:
 *
 * | config | service |
 * | --- | --- |
 * | `image` | `ContainerSpec.Image`, as given: never resolved, never pulled (docs/SCALE.md) |
 * | `command` | `ContainerSpec.Args` (the image's entrypoint stays, as `Cmd` does on Docker) |
 * | `env` | `ContainerSpec.Env` as `NAME=value` |
 * | `labels` | service `Labels`, plus the ownership labels (also on the container spec, for the nodes' views) |
 * | `resources.cpu` | `Resources.Limits.NanoCPUs` |
 * | `resources.memory` | `Resources.Limits.MemoryBytes` (Swarm sets no swap limit: swap, where a node has it, may add as much again) |
 * | `resources.pids` | `Resources.Limits.Pids` (API 1.41) |
 * | `resources.disk` | a label only: a service cannot limit its container's disk (reported in `unenforced`) |
 * | `security.readOnly` | `ContainerSpec.ReadOnly`, and a tmpfs mount at `/tmp` |
 * | `security.noNewPrivileges` | `ContainerSpec.Privileges.NoNewPrivileges`, which a 20.10 manager drops: it holds when the nodes' dockerd sets it for every container (the driver's `nodeNoNewPrivileges`), else it is in `unenforced` |
 * | `security.user` | `ContainerSpec.User` |
 * | `security.capabilities` | `ContainerSpec.CapabilityDrop` / `CapabilityAdd` (API 1.41) |
 * | `volumes` | `ContainerSpec.Mounts`; a named volume pins the service to the volume's node |
 * | `network` | `TaskTemplate.Networks` (an overlay), or none and placement on nodes without a default bridge |
 *
 * And what every service gets: restart condition `none`, endpoint mode
 * `dnsrr` (no virtual IP: no IPVS needed, and a container has no VIP in the
 * contract), updates that stop the old task first and never pause on a
 * failed task (a start after an exit is an update).
 *
 * @example
 * ```ts
 * const spec = toServiceSpec(config, {
 *   driver: "swarm", namespace: "default", name: "oa-s1-0a1b2c3d4e5f", tmpfsSizeMb: 64, init: true,
 *   stopGraceMs: 2_000, networkId: undefined, constraints: ["node.id!=abc"], unenforced: ["resources.disk"],
 * });
 * ```
 */
export function toServiceSpec(config: ContainerConfig, context: ServiceSpecContext): ServiceSpec {
  const { resources, security } = config;
  const owner = {
    ...ownerLabels(context.driver, context.namespace),
    [OWNER_LABELS.session]: config.sessionId,
  };
  const update = { Parallelism: 1, FailureAction: "continue", Order: "stop-first", Delay: 0 } as const;
  return {
    Name: context.name,
    Labels: {
      ...config.labels,
      ...owner,
      [OWNER_LABELS.diskMb]: String(resources.disk),
      [OWNER_LABELS.diskLimit]: "unenforced",
      [SWARM_LABELS.unenforced]: context.unenforced.join(","),
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: config.image,
        ...(config.command !== undefined && config.command.length > 0 ? { Args: [...config.command] } : {}),
        Env: Object.entries(config.env).map(([key, value]) => `${key}=${value}`),
        Labels: owner,
        User: security.user,
        ReadOnly: security.readOnly,
        Init: context.init,
        // Dropped by a 20.10 manager; honoured by newer ones. Placement makes it hold on 20.10.
        Privileges: { NoNewPrivileges: security.noNewPrivileges },
        CapabilityDrop: [...security.capabilities.drop],
        CapabilityAdd: [...security.capabilities.add],
        Mounts: [
          ...config.volumes.map((mount) => ({
            Type: mountTypeOf(mount),
            Source: mount.source,
            Target: mount.target,
            ReadOnly: mount.readOnly === true,
          })),
          // Programs expect a writable /tmp; a size-capped tmpfs gives one without a writable root.
          ...(security.readOnly
            ? [
                {
                  Type: "tmpfs" as const,
                  Target: "/tmp",
                  TmpfsOptions: { SizeBytes: context.tmpfsSizeMb * BYTES_PER_MB },
                },
              ]
            : []),
        ],
        StopGracePeriod: context.stopGraceMs * NANOS_PER_MS,
      },
      Resources: {
        Limits: {
          NanoCPUs: Math.round(resources.cpu * NANO_CPUS_PER_CORE),
          MemoryBytes: Math.round(resources.memory * BYTES_PER_MB),
          Pids: resources.pids,
        },
      },
      RestartPolicy: { Condition: "none" },
      Placement: { Constraints: [...context.constraints] },
      ...(config.network === NO_NETWORK || context.networkId === undefined
        ? {}
        : { Networks: [{ Target: context.networkId }] }),
    },
    Mode: { Replicated: { Replicas: 0 } },
    UpdateConfig: update,
    RollbackConfig: update,
    EndpointSpec: { Mode: "dnsrr" },
  };
}

/** The resource limits a service applies (disk from the label: a service keeps no field for it). */
export function resourcesFromSpec(spec: ServiceSpec): ResourceLimits {
  const limits = spec.TaskTemplate.Resources?.Limits;
  const disk = Number(spec.Labels?.[OWNER_LABELS.diskMb]);
  return {
    cpu: (limits?.NanoCPUs ?? 0) / NANO_CPUS_PER_CORE,
    memory: (limits?.MemoryBytes ?? 0) / BYTES_PER_MB,
    disk: Number.isFinite(disk) ? disk : 0,
    pids: limits?.Pids ?? 0,
  };
}

/** The config paths the service's container accepted and the swarm does not enforce. */
export function unenforcedOf(spec: ServiceSpec): string[] {
  const recorded = spec.Labels?.[SWARM_LABELS.unenforced];
  return recorded === undefined ? ["resources.disk"] : recorded.split(",").filter((path) => path !== "");
}

/** The image the service was created with, as given (also after a restart ran it from a committed one). */
export function imageOfSpec(spec: ServiceSpec): string {
  return spec.Labels?.[SWARM_LABELS.image] ?? spec.TaskTemplate.ContainerSpec.Image;
}

/** When the container expires (ms since the epoch), from its label; `undefined` when it does not. */
export function expiresAtOf(spec: ServiceSpec): number | undefined {
  const value = spec.Labels?.[OWNER_LABELS.expiresAt];
  const parsed = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** The number of replicas the service asks for (0 or 1 for the driver's services). */
export function replicasOf(spec: ServiceSpec): number {
  return spec.Mode?.Replicated?.Replicas ?? 0;
}
