/**
 * Volumes and networks of a mock driver: creation, removal, and the lookup
 * `createContainer` does for what a container attaches to. Each volume and
 * network records the ids of the containers using it (kept by
 * `store.ts` as containers come and go), so removing one that is in use
 * fails without scanning the containers.
 *
 * @module
 */
import {
  type ContainerConfig,
  type DriverErrorOptions,
  type Network,
  type NetworkConfig,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  parseNetworkConfig,
  parseVolumeConfig,
  type Volume,
  type VolumeConfig,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../src/index.js";
import { checkId, delay, failureContext, injectFault } from "./operation.js";
import type { EngineState } from "./state.js";
import type { NetworkRecord, VolumeRecord } from "./store.js";

/** Shared by every container without volume mounts; never written to (a container's volumes are fixed at creation). */
const NO_VOLUMES: VolumeRecord[] = [];

/** What a new container attaches to: its network (`undefined` for `"none"`) and its named volumes. */
export type Attachments = { readonly network: NetworkRecord | undefined; readonly volumes: readonly VolumeRecord[] };

/**
 * The network and named volumes a container config refers to, looked up by
 * name: `NetworkNotFoundError` or `VolumeNotFoundError` (network first) when
 * one does not exist. Bind mounts (an absolute source without `type`, or
 * `type: "bind"`) need nothing from the driver. Changes nothing: the caller
 * registers the container as a user when it inserts it.
 *
 * @example
 * ```ts
 * const { network, volumes } = findAttachments(state, parsed, "createContainer");
 * ```
 */
export function findAttachments(state: EngineState, config: ContainerConfig, operation: string): Attachments {
  const network = config.network === "none" ? undefined : state.networks.byName.get(config.network);
  if (config.network !== "none" && network === undefined) {
    throw new NetworkNotFoundError(config.network, {
      context: failureContext(state, operation, "notFound", config.network),
    });
  }
  const volumes: VolumeRecord[] = config.volumes.length === 0 ? NO_VOLUMES : [];
  for (const mount of config.volumes) {
    const isVolume = mount.type === "volume" || (mount.type === undefined && !mount.source.startsWith("/"));
    if (!isVolume) continue;
    const volume = state.volumes.byName.get(mount.source);
    if (volume === undefined) {
      throw new VolumeNotFoundError(mount.source, {
        context: failureContext(state, operation, "notFound", mount.source),
      });
    }
    volumes.push(volume);
  }
  return { network, volumes };
}

/**
 * What every named create does before it makes anything: the operation's
 * time, its injected fault, and a taken name refused with the kind's
 * creation error (the profile's wording).
 */
async function admitNewName(
  state: EngineState,
  operation: "createVolume" | "createNetwork",
  name: string,
  byName: ReadonlyMap<string, unknown>,
  CreationError: new (name: string, reason: string, options: DriverErrorOptions) => Error,
): Promise<void> {
  await delay(state);
  injectFault(state, operation, name);
  if (byName.has(name)) {
    throw new CreationError(name, state.profile.describe("duplicate", name).reason, {
      context: failureContext(state, operation, "duplicate", name),
    });
  }
}

/**
 * `createVolume`: a taken name is a `VolumeCreationError`. Returns a copy,
 * so the caller cannot change the stored volume.
 *
 * @example
 * ```ts
 * const volume = await createVolume(state, { name: "workspace" });
 * ```
 */
export async function createVolume(state: EngineState, config: VolumeConfig): Promise<Volume> {
  const parsed = parseVolumeConfig(config);
  await admitNewName(state, "createVolume", parsed.name, state.volumes.byName, VolumeCreationError);
  const volume: Volume = Object.freeze({
    id: state.profile.makeId("volume", ++state.sequences.volume, state.random),
    name: parsed.name,
    driver: parsed.driver ?? state.profile.defaultVolumeDriver,
    mountpoint: state.profile.mountpoint(parsed.name),
    createdAt: state.clock.now(),
    labels: Object.freeze({ ...parsed.labels }),
  });
  const record: VolumeRecord = {
    volume,
    users: new Set(),
    capacity: state.profile.fileSystem.layerBytes,
    tree: undefined,
  };
  state.volumes.byId.set(volume.id, record);
  state.volumes.byName.set(volume.name, record);
  return { ...volume, labels: { ...volume.labels } };
}

/** What differs between removing a volume and removing a network; the rules are the same. */
type RemovalKind<R> = {
  readonly kind: "volume" | "network";
  readonly operation: "removeVolume" | "removeNetwork";
  readonly registry: (state: EngineState) => { readonly byId: Map<string, R>; readonly byName: Map<string, R> };
  readonly resource: (record: R) => { readonly id: string; readonly name: string };
  readonly users: (record: R) => ReadonlySet<string>;
  readonly notFound: new (id: string, options: DriverErrorOptions) => Error;
  readonly inUse: new (id: string, reason: string, options: DriverErrorOptions) => Error;
};

const VOLUME_REMOVAL: RemovalKind<VolumeRecord> = {
  kind: "volume",
  operation: "removeVolume",
  registry: (state) => state.volumes,
  resource: (record) => record.volume,
  users: (record) => record.users,
  notFound: VolumeNotFoundError,
  inUse: VolumeRemoveError,
};

const NETWORK_REMOVAL: RemovalKind<NetworkRecord> = {
  kind: "network",
  operation: "removeNetwork",
  registry: (state) => state.networks,
  resource: (record) => record.network,
  users: (record) => record.users,
  notFound: NetworkNotFoundError,
  inUse: NetworkRemoveError,
};

/** Remove a named resource by id or by name: unknown → its NotFound error; used by a container → its remove error. */
async function removeNamed<R>(state: EngineState, id: string, removal: RemovalKind<R>): Promise<void> {
  const { operation } = removal;
  checkId(id, removal.kind);
  await delay(state);
  injectFault(state, operation, id);
  const registry = removal.registry(state);
  const record = registry.byId.get(id) ?? registry.byName.get(id);
  if (record === undefined) {
    throw new removal.notFound(id, { context: failureContext(state, operation, "notFound", id) });
  }
  const resource = removal.resource(record);
  const users = [...removal.users(record)];
  if (users.length > 0) {
    const list = users.join(", ");
    throw new removal.inUse(resource.id, state.profile.describe("inUse", resource.name, list).reason, {
      context: { ...failureContext(state, operation, "inUse", resource.name, list), containerIds: users },
    });
  }
  registry.byId.delete(resource.id);
  registry.byName.delete(resource.name);
}

/**
 * `removeVolume`, by id or by name: unknown → `VolumeNotFoundError`; used by
 * a container that is not removed → `VolumeRemoveError` listing the users.
 *
 * @example
 * ```ts
 * await removeVolume(state, "workspace");
 * ```
 */
export function removeVolume(state: EngineState, id: string): Promise<void> {
  return removeNamed(state, id, VOLUME_REMOVAL);
}

/**
 * `createNetwork`: a taken name is a `NetworkCreationError`. Returns a copy.
 *
 * @example
 * ```ts
 * const network = await createNetwork(state, { name: "agents" });
 * ```
 */
export async function createNetwork(state: EngineState, config: NetworkConfig): Promise<Network> {
  const parsed = parseNetworkConfig(config);
  await admitNewName(state, "createNetwork", parsed.name, state.networks.byName, NetworkCreationError);
  const network: Network = Object.freeze({
    id: state.profile.makeId("network", ++state.sequences.network, state.random),
    name: parsed.name,
    driver: parsed.driver ?? state.profile.defaultNetworkDriver,
    createdAt: state.clock.now(),
    labels: Object.freeze({ ...parsed.labels }),
  });
  const record: NetworkRecord = { network, users: new Set() };
  state.networks.byId.set(network.id, record);
  state.networks.byName.set(network.name, record);
  return { ...network, labels: { ...network.labels } };
}

/**
 * `removeNetwork`, by id or by name: unknown → `NetworkNotFoundError`; used
 * by a container that is not removed → `NetworkRemoveError` listing the users.
 *
 * @example
 * ```ts
 * await removeNetwork(state, network.id);
 * ```
 */
export function removeNetwork(state: EngineState, id: string): Promise<void> {
  return removeNamed(state, id, NETWORK_REMOVAL);
}
