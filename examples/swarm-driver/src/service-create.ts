/**
 * Creating a container as a service: the named volumes are found (all on one
 * node, which the container is pinned to) and reserved on that node, the
 * network is checked, the placement is decided, and a create that fails,
 * times out or loses its answer leaves no service behind.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  ConfigurationError,
  type ContainerConfig,
  mayHaveTakenEffect,
  mountTypeOf,
  NetworkNotFoundError,
  NO_NETWORK,
  VolumeNotFoundError,
} from "../../../src/index.js";
import { type EngineScope, statusCodeOf } from "../../docker-driver/src/engine-call.js";
import { OWNER_LABELS } from "../../docker-driver/src/labels.js";
import type { ReleaseVolumes } from "../../docker-driver/src/volumes.js";
import type { NodeEngines, ReachableNode } from "./nodes.js";
import type { SwarmNetworkClient } from "./networks.js";
import { placementFor } from "./placement.js";
import { serviceName, toServiceSpec } from "./service-spec.js";
import { createService, listServices, removeService } from "./swarm-api.js";
import type { LocatedVolume, SwarmVolumeClient } from "./volumes.js";

/** What a create needs besides the managers' scope. */
export type ServiceCreateSettings = {
  readonly nodes: NodeEngines;
  readonly volumes: SwarmVolumeClient;
  readonly networks: SwarmNetworkClient;
  /** Size of the writable tmpfs at /tmp of a read-only container, in MB. */
  readonly tmpfsSizeMb: number;
  /** Run an init process as PID 1. */
  readonly init: boolean;
  /** Swarm's own grace period when it stops a task (removal), in ms. */
  readonly removeTimeoutMs: number;
  /** The nodes' dockerd sets no-new-privileges on every container (the driver's option of that name). */
  readonly nodeNoNewPrivileges: boolean;
};

const context = { operation: "createContainer" } as const;

/**
 * Create the service of a container in status `created` (0 replicas) from a
 * config that passed the driver's pre-flight and limits; resolves the
 * service's ID. The NotFound errors for a missing network (checked first) or
 * volume; a `ConfigurationError` when the volumes live on different nodes or
 * no node can honour the config.
 *
 * @example
 * ```ts
 * const id = await createOwnedService(scope, settings, config);
 * ```
 */
export async function createOwnedService(
  scope: EngineScope,
  settings: ServiceCreateSettings,
  config: ContainerConfig,
): Promise<string> {
  // Only a keyed create resolves `undefined` (its name taken): an unkeyed one has a random name.
  return (await createServiceOf(scope, settings, config, undefined)) as string;
}

/**
 * The name and labels of a create that carries an idempotency key
 * (service-keys.ts): the manager refuses a second service of that name, so
 * such a create resolves `undefined` when the name is taken, and one whose
 * answer was lost is left for the retry to adopt rather than removed.
 */
export type KeyedName = { readonly name: string; readonly labels: Readonly<Record<string, string>> };

/**
 * As {@link createOwnedService}; with `keyed`, `undefined` when a service
 * already has the name.
 *
 * @example
 * ```ts
 * const id = await createKeyedService(scope, settings, config, { name: "oa-key-…", labels });
 * ```
 */
export async function createKeyedService(
  scope: EngineScope,
  settings: ServiceCreateSettings,
  config: ContainerConfig,
  keyed: KeyedName,
): Promise<string | undefined> {
  return createServiceOf(scope, settings, config, keyed);
}

async function createServiceOf(
  scope: EngineScope,
  settings: ServiceCreateSettings,
  config: ContainerConfig,
  keyed: KeyedName | undefined,
): Promise<string | undefined> {
  const unenforced = unenforcedPaths(settings, config);
  const pinned = await nodeOfVolumes(settings, config);
  // Counted on the volumes' node before they are checked again, so a removal cannot slip in between.
  const names = volumeNames(config);
  const release: ReleaseVolumes =
    pinned === undefined ? () => undefined : await settings.volumes.reserve(pinned, names);
  try {
    let networkId: string | undefined;
    if (config.network !== NO_NETWORK) {
      const network = await settings.networks.findOwned(config.network, context);
      if (network === null) throw new NetworkNotFoundError(config.network, { context });
      networkId = network.Id;
    }
    for (const name of names) {
      if (pinned === undefined || (await settings.volumes.findOwnedOn(pinned, name, context)) === null) {
        throw new VolumeNotFoundError(name, { context });
      }
    }
    const constraints = await placementFor(config, pinned, settings.nodes, context);
    const base = toServiceSpec(config, {
      driver: scope.driver,
      namespace: scope.namespace,
      name: keyed?.name ?? serviceName(config.sessionId, randomBytes(6).toString("hex")),
      tmpfsSizeMb: settings.tmpfsSizeMb,
      init: settings.init,
      stopGraceMs: settings.removeTimeoutMs,
      networkId,
      constraints,
      unenforced,
    });
    const expiry =
      config.ttlMs === undefined ? {} : { [OWNER_LABELS.expiresAt]: String(scope.clock.now() + config.ttlMs) };
    const spec = { ...base, Labels: { ...base.Labels, ...expiry, ...keyed?.labels } };
    try {
      return await scope.calls.call(
        context,
        async (signal) => {
          try {
            return await createService(scope.docker, spec, signal);
          } catch (error) {
            // The name is the key's: another create holds it (service-keys.ts looks it up).
            if (keyed !== undefined && statusCodeOf(error) === 409) return undefined;
            throw error;
          }
        },
        { onlyIfNotSent: true },
      );
    } catch (error) {
      // The manager may have created it before the answer was lost; it must not outlive the failure,
      // unless it holds a key: then the caller's retry adopts it.
      if (keyed === undefined && mayHaveTakenEffect(error)) await removeByNameQuietly(scope, spec.Name);
      throw error;
    }
  } finally {
    release();
  }
}

/**
 * The config paths the swarm will not enforce: the disk limit always (a
 * service has no field for it), and no-new-privileges unless the nodes set it
 * for every container. A config asking for `noNewPrivileges: false` where
 * they do is a `ConfigurationError`: it would get it anyway, and a program
 * that needs setuid would fail.
 */
export function unenforcedPaths(
  settings: Pick<ServiceCreateSettings, "nodeNoNewPrivileges">,
  config: ContainerConfig,
): string[] {
  if (settings.nodeNoNewPrivileges && !config.security.noNewPrivileges) {
    throw new ConfigurationError(
      "security.noNewPrivileges false cannot be honoured: the swarm's nodes set no-new-privileges on every container",
      {
        issues: [{ path: "security.noNewPrivileges", message: "the nodes set no-new-privileges on every container" }],
        context: { ...context },
      },
    );
  }
  const nnpUnenforced = config.security.noNewPrivileges && !settings.nodeNoNewPrivileges;
  return ["resources.disk", ...(nnpUnenforced ? ["security.noNewPrivileges"] : [])];
}

function volumeNames(config: ContainerConfig): string[] {
  return [...new Set(config.volumes.filter((mount) => mountTypeOf(mount) === "volume").map((mount) => mount.source))];
}

/**
 * The node that holds the config's named volumes; `undefined` without any.
 * A missing network is reported before a missing volume, as the Docker
 * driver does; volumes on two nodes are brought together when they can be
 * (`SwarmVolumeClient.colocate`).
 */
async function nodeOfVolumes(
  settings: ServiceCreateSettings,
  config: ContainerConfig,
): Promise<ReachableNode | undefined> {
  const names = volumeNames(config);
  const located = await Promise.all(names.map((name) => settings.volumes.locate(name, context)));
  const found: LocatedVolume[] = [];
  for (const [index, volume] of located.entries()) {
    if (volume === null) {
      if (config.network !== NO_NETWORK && (await settings.networks.findOwned(config.network, context)) === null) {
        throw new NetworkNotFoundError(config.network, { context });
      }
      throw new VolumeNotFoundError(names[index] ?? "", { context });
    }
    found.push(volume);
  }
  return settings.volumes.colocate(found, context);
}

async function removeByNameQuietly(scope: EngineScope, name: string): Promise<void> {
  try {
    const signal = AbortSignal.timeout(scope.calls.timeoutMs);
    const found = await listServices(scope.docker, { name: [name] }, signal);
    for (const service of found) {
      if (service.Spec.Name === name) await removeService(scope.docker, service.ID, signal);
    }
  } catch {
    // The managers are gone: nothing more can be done here; cleanup() finds it by its labels.
  }
}
