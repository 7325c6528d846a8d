/**
 * Creating a container, the part with the most ways to fail: the named
 * volumes are reserved (so none is removed under the create) and checked,
 * the network is checked, the disk limit is planned (and downgraded when the
 * engine refuses it and the mode allows), the expiry and the idempotency key
 * go into labels, a keyed create returns the key's container (see
 * idempotency.ts), and a create that fails, times out or loses its answer
 * leaves no container behind (see orphans.ts).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  type ContainerConfig,
  ContainerCreationError,
  type ErrorMappingContext,
  mayHaveTakenEffect,
  NetworkNotFoundError,
  VolumeNotFoundError,
  NO_NETWORK,
  mountTypeOf,
} from "../../../src/index.js";
import type { DiskPlanner } from "./disk-plan.js";
import { type EngineScope, engineMessage, statusCodeOf } from "./engine-call.js";
import type { ExpirySweeper } from "./expiry.js";
import { configFingerprint, createWithKey } from "./idempotency.js";
import { containerName } from "./labels.js";
import {
  type ContainerLogConfig,
  type CreateContext,
  type DockerContainerInstance,
  toCreateOptions,
  toInstance,
} from "./mapping.js";
import type { NetworkClient } from "./networks.js";
import type { UnknownCreates } from "./orphans.js";
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
  /** Told of each new container's expiry, so it sweeps in time. */
  readonly expiry: Pick<ExpirySweeper, "expect">;
  /** Removes what a create whose answer was lost may have made. */
  readonly unknownCreates: Pick<UnknownCreates, "reconcile">;
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
  const expiresAt = config.ttlMs === undefined ? undefined : scope.clock.now() + config.ttlMs;
  const key = config.idempotencyKey;
  const fingerprint = key === undefined ? undefined : configFingerprint(config);
  const labels = {
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(key === undefined || fingerprint === undefined ? {} : { idempotency: { key, fingerprint } }),
  };
  const create = async (name: string): Promise<string | undefined> => {
    try {
      return await createEngineContainer(scope, settings, config, { name, disk, ...labels });
    } catch (error) {
      const fallback = planner.afterRefusal(disk, error);
      if (fallback === undefined) throw error;
      return createEngineContainer(scope, settings, config, { name, disk: fallback, ...labels });
    }
  };
  const created = (instance: DockerContainerInstance) => {
    if (instance.expiresAt !== undefined) settings.expiry.expect(instance.expiresAt);
    return instance;
  };
  if (key !== undefined && fingerprint !== undefined) {
    // A keyed container is never removed on a failed inspect: a racing create with the key may have returned it.
    const steps = { create, instance: (id: string) => inspectCreated(scope, settings, id) };
    return created(await createWithKey(scope, { ...config, idempotencyKey: key }, fingerprint, steps));
  }
  const name = containerName(scope.namespace, config.sessionId, randomBytes(4).toString("hex"));
  const id = await create(name);
  if (id === undefined) {
    throw new ContainerCreationError(`the engine already has a container named '${name}'`, { name });
  }
  try {
    return created(await inspectCreated(scope, settings, id));
  } catch (error) {
    // Made, but the caller hears of a failure: it must go, now or once the engine answers again.
    await settings.unknownCreates.reconcile(name);
    throw error;
  }
}

async function inspectCreated(
  scope: EngineScope,
  settings: ContainerCreateSettings,
  id: string,
): Promise<DockerContainerInstance> {
  const context: ErrorMappingContext = { operation: "createContainer", containerId: id };
  const info = await scope.calls.call(context, (signal) =>
    scope.docker.getContainer(id).inspect({ abortSignal: signal }),
  );
  return toInstance(info, settings.socketPath);
}

/** What one engine create needs besides the config: the name, the disk plan, the expiry and key labels. */
type EngineCreate = Pick<CreateContext, "name" | "disk" | "expiresAt" | "idempotency">;

/** The id of the new container, or `undefined` when the engine says its name is taken (409). */
async function createEngineContainer(
  scope: EngineScope,
  settings: ContainerCreateSettings,
  config: ContainerConfig,
  create: EngineCreate,
): Promise<string | undefined> {
  const body = toCreateOptions(config, {
    ...create,
    driver: scope.driver,
    namespace: scope.namespace,
    tmpfsSizeMb: settings.tmpfsSizeMb,
    init: settings.init,
    logConfig: settings.logConfig,
  });
  try {
    return await scope.calls.call(
      { operation: "createContainer" },
      (signal) =>
        scope.docker.createContainer({ ...body, abortSignal: signal }).then(
          (container) => container.id,
          (error: unknown) => {
            if (statusCodeOf(error) === 409 && /already in use/i.test(engineMessage(error))) return undefined;
            throw error;
          },
        ),
      { onlyIfNotSent: true },
    );
  } catch (error) {
    // The engine may have created it before the answer was lost; it must not outlive the failure. A keyed
    // create's container stays, for the retry to adopt (see idempotency.ts).
    if (mayHaveTakenEffect(error) && create.idempotency === undefined)
      await settings.unknownCreates.reconcile(create.name);
    throw error;
  }
}
