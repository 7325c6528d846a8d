/**
 * Creating a container, the part with the most ways to fail: the named
 * volumes are reserved (so none is removed under the create) and checked,
 * the network is checked, the disk limit is planned (and downgraded when the
 * engine refuses it and the mode allows), and a create that fails, times out
 * or loses its answer leaves no container behind.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  type ContainerConfig,
  type ErrorMappingContext,
  mayHaveTakenEffect,
  NetworkNotFoundError,
  toDriverError,
  VolumeNotFoundError,
  NO_NETWORK,
  mountTypeOf,
} from "../../../src/index.js";
import type { DiskPlanInfo, DiskPlanner } from "./disk-plan.js";
import type { EngineScope } from "./engine-call.js";
import { containerName } from "./labels.js";
import { type ContainerLogConfig, type DockerContainerInstance, toCreateOptions, toInstance } from "./mapping.js";
import type { NetworkClient } from "./networks.js";
import type { VolumeClient } from "./volumes.js";

/** What a create needs besides the engine scope. */
export type ContainerCreateSettings = {
  /** The engine socket, for the instance's `endpoint`. */
  readonly socketPath: string;
  /** Size of the writable tmpfs at /tmp of a read-only container, in MB. */
  readonly tmpfsSizeMb: number;
  /** Run the engine's init as PID 1. */
  readonly init: boolean;
  /** How the engine stores the container's output; `undefined`: the engine's default. */
  readonly logConfig: ContainerLogConfig | undefined;
  /** The volumes a create mounts must exist and stay while it runs. */
  readonly volumes: Pick<VolumeClient, "findOwned" | "reserve">;
  /** The network a create names must exist. */
  readonly networks: Pick<NetworkClient, "findOwned">;
  /** How the disk limit is applied. */
  readonly disk: DiskPlanner;
};

/**
 * Create a container in status `created` from a config that passed the
 * driver's pre-flight and limits: checks the network and volumes it names
 * (the NotFound errors; another namespace's are unknown here, as to every
 * other method) and the disk limit (`DiskLimitUnsupportedError` in
 * `"enforce"` mode), then creates and inspects it.
 *
 * @example
 * ```ts
 * const instance = await createOwnedContainer(scope, settings, config);
 * ```
 */
export async function createOwnedContainer(
  scope: EngineScope,
  settings: ContainerCreateSettings,
  config: ContainerConfig,
): Promise<DockerContainerInstance> {
  const volumeNames = config.volumes.filter((mount) => mountTypeOf(mount) === "volume").map((mount) => mount.source);
  // Counted before the volumes are checked, so a removal cannot slip in between the check and the
  // engine's create (the engine would then make a new, unlabelled volume of that name).
  const release = await settings.volumes.reserve(volumeNames);
  try {
    await checkReferences(settings, config);
    return await createChecked(scope, settings, config);
  } finally {
    release();
  }
}

/**
 * The network and named volumes must exist before anything is created; the engine would make missing volumes
 * silently. Only this namespace's count: another's are unknown here, as to every other method.
 */
async function checkReferences(settings: ContainerCreateSettings, config: ContainerConfig): Promise<void> {
  const context = { operation: "createContainer" };
  if (config.network !== NO_NETWORK && (await settings.networks.findOwned(config.network, context)) === null) {
    throw new NetworkNotFoundError(config.network, { context });
  }
  for (const mount of config.volumes) {
    if (mountTypeOf(mount) !== "volume") continue;
    if ((await settings.volumes.findOwned(mount.source, context)) === null) {
      throw new VolumeNotFoundError(mount.source, { context });
    }
  }
}

async function createChecked(
  scope: EngineScope,
  settings: ContainerCreateSettings,
  config: ContainerConfig,
): Promise<DockerContainerInstance> {
  const planner = settings.disk;
  const disk = await planner.plan();
  const name = containerName(scope.namespace, config.sessionId, randomBytes(4).toString("hex"));
  const context: ErrorMappingContext = { operation: "createContainer" };
  let id: string;
  try {
    id = await createEngineContainer(scope, settings, config, name, disk);
  } catch (error) {
    const fallback = planner.afterRefusal(disk, error);
    if (fallback === undefined) throw error;
    id = await createEngineContainer(scope, settings, config, name, fallback);
  }
  try {
    const info = await scope.calls.call(context, (signal) =>
      scope.docker.getContainer(id).inspect({ abortSignal: signal }),
    );
    return toInstance(info, settings.socketPath);
  } catch (error) {
    await forceRemoveQuietly(scope, id);
    throw toDriverError(error, context);
  }
}

async function createEngineContainer(
  scope: EngineScope,
  settings: ContainerCreateSettings,
  config: ContainerConfig,
  name: string,
  disk: DiskPlanInfo,
): Promise<string> {
  const body = toCreateOptions(config, {
    driver: scope.driver,
    namespace: scope.namespace,
    name,
    disk,
    tmpfsSizeMb: settings.tmpfsSizeMb,
    init: settings.init,
    logConfig: settings.logConfig,
  });
  try {
    const container = await scope.calls.call(
      { operation: "createContainer" },
      (signal) => scope.docker.createContainer({ ...body, abortSignal: signal }),
      { onlyIfNotSent: true },
    );
    return container.id;
  } catch (error) {
    // The engine may have created it before the answer was lost; it must not outlive the failure.
    if (mayHaveTakenEffect(error)) await forceRemoveQuietly(scope, name);
    throw error;
  }
}

async function forceRemoveQuietly(scope: EngineScope, idOrName: string): Promise<void> {
  try {
    await scope.docker.getContainer(idOrName).remove({ force: true, v: true });
  } catch {
    // Nothing to remove, or the engine is gone: nothing more can be done here.
  }
}
