/**
 * Networks: engine networks with the ownership labels, found by id or exact
 * name, and refused for removal while a container is attached.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  type ErrorMappingContext,
  KeyedMutex,
  mayHaveTakenEffect,
  type Network,
  type NetworkConfig,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  parseNetworkConfig,
  RESOURCE_NAME_PATTERN,
} from "../../../src/index.js";
import type { EngineScope, NetworkInspect, NetworkWithSignal } from "./engine-call.js";
import { baseName, isOwnedBy, ownerLabelFilter, ownerLabels, userLabels } from "./labels.js";
import { engineTimeOr } from "./mapping.js";
import { refuseReservedLabels, requireString } from "./preflight.js";

/** The engine's network driver when the config names none. */
const DEFAULT_NETWORK_DRIVER = "bridge";

/**
 * The contract's network methods over the engine, for one driver and
 * namespace. Operations on one id or name run one at a time.
 *
 * A variant engine overrides {@link NetworkClient.attachedNames} (who uses
 * a network: containers here, services on Swarm) and keeps the rest.
 *
 * @example
 * ```ts
 * const networks = new NetworkClient(scope);
 * const network = await networks.create({ name: "agents-s1" });
 * await networks.remove(network.id);
 * ```
 */
export class NetworkClient {
  /** The engine and the owner this client works for. */
  protected readonly scope: EngineScope;
  /** Per network id or name, as the caller gave it. */
  readonly #locks = new KeyedMutex<string>();

  constructor(scope: EngineScope) {
    this.scope = scope;
  }

  /** Create an engine network (default driver `bridge`) with the ownership labels. */
  async create(input: NetworkConfig): Promise<Network> {
    const config = parseNetworkConfig(input);
    refuseReservedLabels(config.labels, "labels");
    const { calls, docker } = this.scope;
    const context = { operation: "createNetwork", networkName: config.name };
    return this.#locks.runExclusive(config.name, async () => {
      if ((await this.find(config.name, context)) !== null) {
        throw new NetworkCreationError(config.name, "a network with this name already exists on the engine");
      }
      const request = this.createRequest(config);
      let id: string;
      try {
        const created = await calls.call(
          context,
          (signal) => docker.createNetwork({ ...request, abortSignal: signal }),
          { onlyIfNotSent: true },
        );
        id = created.id;
      } catch (error) {
        if (mayHaveTakenEffect(error)) await this.#removeQuietly(config.name);
        throw error;
      }
      let info: NetworkInspect | null;
      try {
        info = await this.find(id, context);
      } catch (error) {
        // Created (the engine gave it this id), but the call rejects: it must not outlive the failure.
        try {
          await docker.getNetwork(id).remove();
        } catch {
          // Nothing more can be done here; cleanup() finds it by its labels.
        }
        throw error;
      }
      return {
        id,
        name: config.name,
        driver: info?.Driver ?? request.Driver ?? DEFAULT_NETWORK_DRIVER,
        createdAt: engineTimeOr(info?.Created, this.scope.clock.now()),
        labels: userLabels(info?.Labels ?? config.labels),
      };
    });
  }

  /**
   * The engine's create request for a validated config: the config's name,
   * driver (default `bridge`), labels with the ownership labels, and options.
   * A variant engine overrides it (Swarm: `overlay`, attachable).
   */
  protected createRequest(config: NetworkConfig): Docker.NetworkCreateOptions {
    return {
      Name: config.name,
      Driver: config.driver ?? DEFAULT_NETWORK_DRIVER,
      CheckDuplicate: true,
      Labels: { ...config.labels, ...ownerLabels(this.scope.driver, this.scope.namespace) },
      Options: { ...config.options },
    };
  }

  /**
   * Remove a network of this namespace, by id or name. One that a container
   * (in any status, not yet removed) is attached to is a `NetworkRemoveError`:
   * the engine itself would remove it from under a stopped container, which
   * could then never start again.
   */
  async remove(id: string): Promise<void> {
    requireString(id, "Network id");
    const context = { operation: "removeNetwork", networkId: id };
    await this.#locks.runExclusive(id, async () => {
      const info = await this.findOwned(id, context);
      if (info === null) throw new NetworkNotFoundError(id, { context });
      const users = await this.attachedNames(info, context);
      if (users.length > 0) {
        throw new NetworkRemoveError(id, `in use by container(s) ${users.join(", ")}; remove them first`, { context });
      }
      await this.scope.calls.call(context, (signal) =>
        this.scope.docker.getNetwork(info.Id).remove({ abortSignal: signal }),
      );
    });
  }

  /** The network whose id or exact name is `idOrName`, whoever owns it (the engine also matches id prefixes, which the contract does not). */
  async find(idOrName: string, context: ErrorMappingContext): Promise<NetworkInspect | null> {
    // Names and engine ids both match the pattern; anything else (a `..` or `//` path) would reach the
    // engine's URL, and the engine's redirect for it crashes the HTTP client.
    if (!RESOURCE_NAME_PATTERN.test(idOrName)) return null;
    try {
      const info = (await this.scope.calls.call({ ...context, networkName: idOrName }, (signal) =>
        (this.scope.docker.getNetwork(idOrName) as unknown as NetworkWithSignal).inspect({ abortSignal: signal }),
      )) as NetworkInspect;
      return info.Id === idOrName || info.Name === idOrName ? info : null;
    } catch (error) {
      if (error instanceof NetworkNotFoundError) return null;
      throw error;
    }
  }

  /** As {@link NetworkClient.find}, but `null` unless this driver and namespace own the network. */
  async findOwned(idOrName: string, context: ErrorMappingContext): Promise<NetworkInspect | null> {
    const info = await this.find(idOrName, context);
    return info !== null && isOwnedBy(info.Labels, this.scope.driver, this.scope.namespace) ? info : null;
  }

  /** The ids of this namespace's networks, for `cleanup()`. */
  async listOwned(context: ErrorMappingContext): Promise<string[]> {
    const { calls, docker, driver, namespace } = this.scope;
    const networks = await calls.call(context, (signal) =>
      docker.listNetworks({ filters: { label: ownerLabelFilter(driver, namespace) }, abortSignal: signal }),
    );
    return networks.map((network) => network.Id);
  }

  /** Remove a network `listOwned` returned, with no further checks (`cleanup()` removed the containers first). */
  async removeOwned(id: string, context: ErrorMappingContext): Promise<void> {
    await this.scope.calls.call(context, (signal) => this.scope.docker.getNetwork(id).remove({ abortSignal: signal }));
  }

  /**
   * The names of the containers, of any owner and in any status, attached to
   * the network. The engine's network filter misses containers that were
   * created but never started (they join the network at start), so their
   * network mode counts too.
   */
  protected async attachedNames(info: NetworkInspect, context: ErrorMappingContext): Promise<string[]> {
    const containers = await this.scope.calls.call(context, (signal) =>
      this.scope.docker.listContainers({ all: true, abortSignal: signal }),
    );
    return containers
      .filter(
        (container) =>
          container.HostConfig.NetworkMode === info.Name ||
          container.HostConfig.NetworkMode === info.Id ||
          Object.values(container.NetworkSettings?.Networks ?? {}).some((network) => network.NetworkID === info.Id),
      )
      .map((user) => baseName(user.Names[0] ?? user.Id, user.Labels));
  }

  async #removeQuietly(name: string): Promise<void> {
    try {
      const info = await this.findOwned(name, { operation: "createNetwork", networkName: name });
      if (info !== null) await this.scope.docker.getNetwork(info.Id).remove();
    } catch {
      // Nothing to remove, or the engine is gone: nothing more can be done here.
    }
  }
}
