/**
 * The nodes of the swarm and their own engines.
 *
 * Swarm's API has no exec, no file copy and no way to stop one task's
 * container with a grace period chosen per call; each node's own Engine API
 * has all of them. The driver is given a socket per node (keyed by node ID or
 * host name) and reaches a task's container through the engine of the node
 * that runs it. Node-local facts the cluster API does not report (whether the
 * node's dockerd has a default bridge) are read from each node's engine once
 * and decide where a container may be placed.
 *
 * @module
 */
import Docker from "dockerode";
import { ConfigurationError, type ErrorMappingContext, KeyedMutex } from "../../../src/index.js";
import type { EngineCalls, EngineScope } from "../../docker-driver/src/engine-call.js";
import type { ManagerPool } from "./managers.js";
import { listNodes, type SwarmNode } from "./swarm-api.js";

/** What a node's own engine says about how it runs containers. */
export type NodeFacts = {
  /**
   * The node's dockerd has a default bridge (`docker0`). A task without
   * networks is then attached to it; without one (`"bridge": "none"` in its
   * daemon.json) such a task has loopback only, which is what network `none`
   * means. Swarm 20.10 has no other way to give a task no network (moby#44403).
   */
  readonly defaultBridge: boolean;
};

/** A node the driver can reach: its swarm identity and its engine. */
export type ReachableNode = {
  readonly id: string;
  readonly hostname: string;
  readonly socketPath: string;
  readonly docker: Docker;
};

/** A node's state as the managers report it: `ready`, `down`, `disconnected`, `unknown`. */
export type NodeState = {
  readonly id: string;
  readonly hostname: string;
  readonly state: string;
  readonly active: boolean;
};

/** How old a node list may be when a read uses it, in ms: node states change on the scale of heartbeats (5 s). */
export const NODE_LIST_MAX_AGE_MS = 1_000;

/** The node states in which a node's tasks are lost to the driver (its engine and agent are gone). */
const LOST_NODE_STATES: ReadonlySet<string> = new Set(["down", "disconnected"]);

/** Whether a node in this state has lost its tasks: `unknown` is not lost (every node shows it right after a leader change). */
export function isLostNodeState(state: string | undefined): boolean {
  return state !== undefined && LOST_NODE_STATES.has(state);
}

/**
 * The swarm's nodes, their engines and their facts.
 *
 * @example
 * ```ts
 * const nodes = new NodeEngines({ "swarm-node1": "/run/swarm/node1/docker.sock" }, managers, calls, scope);
 * const node = await nodes.node(task.NodeID, context);
 * await node.docker.getContainer(containerId).stop({ t: 10 });
 * ```
 */
export class NodeEngines {
  /** The sockets as given: node ID or host name → socket path. */
  readonly sockets: Readonly<Record<string, string>>;
  /** The engine-call policy every call to a manager or a node goes through. */
  readonly calls: EngineCalls;
  readonly #managers: ManagerPool;
  readonly #base: Omit<EngineScope, "docker">;
  /** Node ID → the node, once resolved; re-resolved when a node ID is not in it. */
  #resolved = new Map<string, ReachableNode>();
  readonly #engines = new Map<string, Docker>();
  readonly #facts = new Map<string, Promise<NodeFacts>>();
  readonly #resolving = new KeyedMutex<string>();
  #list: { readonly at: number; readonly nodes: Promise<SwarmNode[]> } | undefined;

  constructor(
    sockets: Readonly<Record<string, string>>,
    managers: ManagerPool,
    calls: EngineCalls,
    base: Omit<EngineScope, "docker">,
  ) {
    this.sockets = Object.freeze({ ...sockets });
    this.#managers = managers;
    this.calls = calls;
    this.#base = base;
  }

  /**
   * The managers' view of every node, at most {@link NODE_LIST_MAX_AGE_MS}
   * old: every read of a container needs the nodes' states, and they change
   * on the scale of heartbeats (seconds), so one list serves the reads of a
   * second. Concurrent reads share one call; a failed call is not kept.
   */
  async list(context: ErrorMappingContext): Promise<SwarmNode[]> {
    const { clock } = this.#base;
    const cached = this.#list;
    if (cached !== undefined && clock.now() - cached.at <= NODE_LIST_MAX_AGE_MS) return cached.nodes;
    const at = clock.now();
    const nodes = this.calls.call(context, (signal) => listNodes(this.#managers.docker, signal));
    this.#list = { at, nodes };
    nodes.catch(() => {
      if (this.#list?.nodes === nodes) this.#list = undefined;
    });
    return nodes;
  }

  /** Every node's state by node ID, at most {@link NODE_LIST_MAX_AGE_MS} old. */
  async states(context: ErrorMappingContext): Promise<Map<string, NodeState>> {
    const nodes = await this.list(context);
    return new Map(nodes.map((node) => [node.ID, toState(node)]));
  }

  /** The nodes the driver has a socket for, by node ID (resolved against the swarm's node list once). */
  async reachable(context: ErrorMappingContext): Promise<Map<string, ReachableNode>> {
    if (this.#resolved.size === 0) await this.#resolve(context);
    return this.#resolved;
  }

  /** The socket of a node already resolved; `undefined` for one the driver does not know (yet). */
  knownSocket(nodeId: string): string | undefined {
    return this.#resolved.get(nodeId)?.socketPath;
  }

  /**
   * The node with this ID. A node the driver has no socket for (one that
   * joined after the driver was configured) is a `ConfigurationError`: the
   * driver cannot reach its containers.
   */
  async node(nodeId: string, context: ErrorMappingContext): Promise<ReachableNode> {
    let node = (await this.reachable(context)).get(nodeId);
    if (node === undefined) {
      await this.#resolve(context);
      node = this.#resolved.get(nodeId);
    }
    if (node === undefined) {
      throw new ConfigurationError(
        `Swarm node ${nodeId} runs a task of this driver, but the driver has no engine socket for it: ` +
          "add it (by node ID or host name) to the driver's `nodes` option",
        { issues: [{ path: "nodes", message: `no socket for node ${nodeId}` }], context: { ...context } },
      );
    }
    return node;
  }

  /** An engine scope on the node's own engine, for the resource clients that work per engine (volumes). */
  scopeOf(node: ReachableNode): EngineScope {
    return { ...this.#base, docker: node.docker };
  }

  /** What the node's engine says about how it runs containers; read once per node. */
  async facts(node: ReachableNode, context: ErrorMappingContext): Promise<NodeFacts> {
    let pending = this.#facts.get(node.id);
    if (pending === undefined) {
      pending = this.#readFacts(node, context);
      this.#facts.set(node.id, pending);
      // A failure is not remembered: the node may have been down.
      pending.catch(() => this.#facts.delete(node.id));
    }
    return pending;
  }

  async #readFacts(node: ReachableNode, context: ErrorMappingContext): Promise<NodeFacts> {
    const networks = await this.calls.call(context, (signal) =>
      node.docker.listNetworks({
        filters: { name: ["bridge"], driver: ["bridge"] },
        abortSignal: signal,
      } as Docker.NetworkListOptions),
    );
    return { defaultBridge: networks.some((network) => network.Name === "bridge") };
  }

  async #resolve(context: ErrorMappingContext): Promise<void> {
    await this.#resolving.runExclusive("nodes", async () => {
      const nodes = await this.calls.call(context, (signal) => listNodes(this.#managers.docker, signal));
      const resolved = new Map<string, ReachableNode>();
      for (const node of nodes) {
        const hostname = node.Description?.Hostname ?? "";
        const socketPath = this.sockets[node.ID] ?? (hostname === "" ? undefined : this.sockets[hostname]);
        if (socketPath === undefined) continue;
        resolved.set(node.ID, { id: node.ID, hostname, socketPath, docker: this.#engine(socketPath) });
      }
      this.#resolved = resolved;
    });
  }

  #engine(socketPath: string): Docker {
    let docker = this.#engines.get(socketPath);
    if (docker === undefined) {
      docker = new Docker({ socketPath });
      this.#engines.set(socketPath, docker);
    }
    return docker;
  }
}

function toState(node: SwarmNode): NodeState {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? "",
    state: node.Status?.State ?? "unknown",
    active: node.Spec?.Availability === undefined || node.Spec.Availability === "active",
  };
}
