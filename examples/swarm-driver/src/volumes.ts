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
  ConfigurationError,
  type ErrorMappingContext,
  NetworkError,
  parseVolumeConfig,
  type Volume,
  type VolumeConfig,
  VolumeCreationError,
  VolumeNotFoundError,
} from "../../../src/index.js";
import type { VolumeInspect } from "../../docker-driver/src/engine-call.js";
import { userLabels } from "../../docker-driver/src/labels.js";
import { requireString } from "../../docker-driver/src/preflight.js";
import { type ReleaseVolumes, VolumeClient } from "../../docker-driver/src/volumes.js";
import { isLostNodeState, type NodeEngines, type ReachableNode } from "./nodes.js";

/** Who mounts a volume on a node: the names of the services (of any owner) whose tasks would mount it there. */
export type VolumeUsers = (nodeId: string, name: string, context: ErrorMappingContext) => Promise<string[]>;

/** The engine's `GET /system/df`: the fields the driver reads (dockerode declares it loosely). */
type DiskUsage = {
  df(options: { abortSignal: AbortSignal }): Promise<{
    Volumes?: { Name: string; UsageData?: { Size?: number; RefCount?: number } }[];
  }>;
};

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

  /**
   * Bring the named volumes of one container onto one node and return it. A
   * container can mount volumes of one node only, and a volume is placed when
   * it is created, before anyone knows which volumes will be mounted
   * together; so a volume that holds nothing and that no service mounts is
   * moved (removed on its node, created again on the chosen one, with its
   * labels and driver). The chosen node is the one whose volumes cannot move
   * (in use, or holding data), else the one that holds the most of them.
   * When volumes that cannot move live on two nodes: `ConfigurationError`
   * (path `volumes`).
   */
  async colocate(located: readonly LocatedVolume[], context: ErrorMappingContext): Promise<ReachableNode | undefined> {
    const nodes = new Map(located.map((volume) => [volume.node.id, volume.node]));
    if (nodes.size <= 1) return located[0]?.node;
    const movable = await Promise.all(
      located.map(
        async (volume) =>
          (await this.#users(volume.node.id, volume.info.Name, context)).length === 0 &&
          (await this.#isEmpty(volume, context)),
      ),
    );
    const fixed = new Set(located.filter((_, index) => movable[index] !== true).map((volume) => volume.node.id));
    if (fixed.size > 1) {
      throw this.#apart(located, context, "volumes that are in use or hold data live on different nodes");
    }
    const count = (id: string) => located.filter((volume) => volume.node.id === id).length;
    const target =
      fixed.size === 1
        ? nodes.get([...fixed][0] ?? "")
        : [...nodes.values()].sort((a, b) => count(b.id) - count(a.id) || a.id.localeCompare(b.id))[0];
    if (target === undefined) return undefined;
    for (const volume of located) {
      if (volume.node.id === target.id) continue;
      await this.#client(volume.node).remove(volume.info.Name);
      await this.#client(target).create({
        name: volume.info.Name,
        driver: volume.info.Driver,
        labels: userLabels(volume.info.Labels),
      });
    }
    return target;
  }

  /** Whether the node's engine says no container references the volume and it holds no bytes. */
  async #isEmpty(volume: LocatedVolume, context: ErrorMappingContext): Promise<boolean> {
    const usage = await this.#nodes.calls.call(context, (signal) =>
      (volume.node.docker as unknown as DiskUsage).df({ abortSignal: signal }),
    );
    const entry = (usage.Volumes ?? []).find((candidate) => candidate.Name === volume.info.Name);
    return entry?.UsageData?.RefCount === 0 && entry.UsageData.Size === 0;
  }

  #apart(located: readonly LocatedVolume[], context: ErrorMappingContext, why: string): ConfigurationError {
    const where = located.map((volume) => `${volume.info.Name} on ${volume.node.hostname || volume.node.id}`);
    return new ConfigurationError(
      `The volumes of one container must live on one node, and these cannot be brought together (${why}): ${where.join(", ")}`,
      { issues: [{ path: "volumes", message: why }], context: { ...context } },
    );
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
