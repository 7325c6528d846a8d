/**
 * Volumes on a swarm. Swarm 20.10 has no cluster volumes: a volume lives on
 * one node's engine, and a task sees it only when it runs on that node. So a
 * volume is created on one node, chosen when it is created, and every
 * container that mounts it is pinned to that node (a placement constraint):
 * containers that share a volume run together. Its name is unique across the
 * cluster, so the name alone finds the node.
 *
 * Each node's volumes are handled by the Docker driver's `VolumeClient` on
 * that node's engine (ownership labels, the reservation that keeps a volume
 * while a container that mounts it is created); this file chooses the node
 * and adds what the engine cannot see: a service that mounts the volume but
 * has no task yet (created, not started) uses it too.
 *
 * @module
 */
import {
  type ErrorMappingContext,
  NetworkError,
  parseVolumeConfig,
  type Volume,
  type VolumeConfig,
  VolumeCreationError,
  VolumeNotFoundError,
} from "../../../src/index.js";
import type { VolumeInspect } from "../../docker-driver/src/engine-call.js";
import { requireString } from "../../docker-driver/src/preflight.js";
import { type ReleaseVolumes, VolumeClient } from "../../docker-driver/src/volumes.js";
import { isLostNodeState, type NodeEngines, type ReachableNode } from "./nodes.js";

/** Who mounts a volume on a node: the names of the services (of any owner) whose tasks would mount it there. */
export type VolumeUsers = (nodeId: string, name: string, context: ErrorMappingContext) => Promise<string[]>;

/** A `Volume` with the node it lives on. */
export type SwarmVolume = Volume & {
  /** The Swarm node ID of the node whose engine holds the volume. */
  readonly nodeId: string;
  /** That node's host name. */
  readonly node: string;
};

/** The Docker driver's volume client on one node's engine, told about services that mount its volumes. */
class NodeVolumeClient extends VolumeClient {
  readonly #node: ReachableNode;
  readonly #users: VolumeUsers;

  constructor(nodes: NodeEngines, node: ReachableNode, users: VolumeUsers) {
    super(nodes.scopeOf(node));
    this.#node = node;
    this.#users = users;
  }

  protected override usersOf(name: string, context: ErrorMappingContext): Promise<string[]> {
    return this.#users(this.#node.id, name, context);
  }
}

/** Where a volume of the namespace lives. */
export type LocatedVolume = { readonly node: ReachableNode; readonly info: VolumeInspect };

/**
 * The contract's volume methods over the nodes' engines.
 *
 * @example
 * ```ts
 * const volumes = new SwarmVolumeClient(nodes, usersOf);
 * const volume = await volumes.create({ name: "workspace-s1" }); // volume.node: where its containers will run
 * ```
 */
export class SwarmVolumeClient {
  readonly #nodes: NodeEngines;
  readonly #users: VolumeUsers;
  readonly #clients = new Map<string, NodeVolumeClient>();

  constructor(nodes: NodeEngines, users: VolumeUsers) {
    this.#nodes = nodes;
    this.#users = users;
  }

  /**
   * Create a volume on the node that holds the fewest of this namespace's
   * volumes, among the nodes that are ready and available. A name taken on
   * any node (by anyone) is a `VolumeCreationError`. Nodes the managers
   * report down are not asked (their volumes cannot be mounted anyway); any
   * other node that does not answer fails the create (retryable), since the
   * name could be taken there.
   */
  async create(input: VolumeConfig): Promise<SwarmVolume> {
    const config = parseVolumeConfig(input);
    const context = { operation: "createVolume", volumeName: config.name };
    const nodes = await this.#usableNodes(context);
    const usage = await Promise.all(
      nodes.map(async ({ node, usable }) => {
        const client = this.#client(node);
        const [taken, owned] = await Promise.all([client.inspect(config.name, context), client.listOwned(context)]);
        return { node, usable, taken: taken !== null, owned: owned.length };
      }),
    );
    if (usage.some((entry) => entry.taken)) {
      throw new VolumeCreationError(config.name, "a volume with this name already exists on a node of the swarm");
    }
    const candidates = usage
      .filter((entry) => entry.usable)
      .sort((a, b) => a.owned - b.owned || a.node.id.localeCompare(b.node.id));
    const chosen = candidates[0];
    if (chosen === undefined) {
      throw new NetworkError("No node of the swarm that the driver can reach is ready and active to hold a volume", {
        context,
      });
    }
    const volume = await this.#client(chosen.node).create(config);
    return { ...volume, nodeId: chosen.node.id, node: chosen.node.hostname };
  }

  /** Remove a volume of this namespace: refused while a service mounts it (`VolumeRemoveError`). */
  async remove(id: string): Promise<void> {
    requireString(id, "Volume id");
    const context = { operation: "removeVolume", volumeId: id };
    const located = await this.locate(id, context);
    if (located === null) throw new VolumeNotFoundError(id, { context });
    await this.#client(located.node).remove(id);
  }

  /**
   * The node that holds this namespace's volume of this name; `null` when no
   * node the driver reaches has one (another namespace's volume is unknown
   * here, as to every other method).
   */
  async locate(name: string, context: ErrorMappingContext): Promise<LocatedVolume | null> {
    const nodes = await this.#usableNodes(context);
    const found = await Promise.all(
      nodes.map(async ({ node }) => {
        const info = await this.#client(node).findOwned(name, context);
        return info === null ? null : { node, info };
      }),
    );
    return found.find((entry) => entry !== null) ?? null;
  }

  /** Count a create against each named volume on its node, as the Docker client does on its engine. */
  async reserve(node: ReachableNode, names: Iterable<string>): Promise<ReleaseVolumes> {
    return this.#client(node).reserve(names);
  }

  /** As the node's client's `findOwned`: the check a create repeats under the reservation. */
  async findOwnedOn(node: ReachableNode, name: string, context: ErrorMappingContext): Promise<VolumeInspect | null> {
    return this.#client(node).findOwned(name, context);
  }

  /** The names of this namespace's volumes on every node the driver reaches, for `cleanup()`. */
  async listOwned(context: ErrorMappingContext): Promise<string[]> {
    const nodes = await this.#usableNodes(context);
    const names = await Promise.all(nodes.map(({ node }) => this.#client(node).listOwned(context)));
    return names.flat();
  }

  /** Remove a volume `listOwned` returned, on its node. */
  async removeOwned(name: string, context: ErrorMappingContext): Promise<void> {
    const located = await this.locate(name, context);
    if (located === null) return;
    await this.#client(located.node).removeOwned(name, context);
  }

  /**
   * The reachable nodes the managers do not report lost, each with whether a
   * new volume may go there (ready and active).
   */
  async #usableNodes(context: ErrorMappingContext): Promise<{ node: ReachableNode; usable: boolean }[]> {
    const [reachable, states] = await Promise.all([this.#nodes.reachable(context), this.#nodes.states(context)]);
    const nodes: { node: ReachableNode; usable: boolean }[] = [];
    for (const node of reachable.values()) {
      const state = states.get(node.id);
      if (state === undefined || isLostNodeState(state.state)) continue;
      nodes.push({ node, usable: state.state === "ready" && state.active });
    }
    return nodes;
  }

  #client(node: ReachableNode): NodeVolumeClient {
    let client = this.#clients.get(node.id);
    if (client === undefined) {
      client = new NodeVolumeClient(this.#nodes, node, this.#users);
      this.#clients.set(node.id, client);
    }
    return client;
  }
}
