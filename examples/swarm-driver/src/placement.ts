/**
 * Where a container may run: the placement constraints of its service. Swarm
 * places a task on any node that fits unless told otherwise; the driver tells
 * it, because some of the contract's promises hold only on some nodes:
 *
 * - a named volume lives on one node: the container runs there
 *   (`node.id==<volume's node>`);
 * - the driver reaches a task only through the engine of a node it has a
 *   socket for: nodes without one are excluded;
 * - network `none` holds only on a node whose dockerd has no default bridge:
 *   Swarm 20.10 cannot express it in a service (nodes.ts). Nodes that have
 *   one are excluded.
 *
 * A config that no node can honour is a `ConfigurationError` naming why each
 * candidate was excluded, before anything is created.
 *
 * @module
 */
import { ConfigurationError, type ContainerConfig, type ErrorMappingContext, NO_NETWORK } from "../../../src/index.js";
import type { NodeEngines, NodeFacts, ReachableNode } from "./nodes.js";

/** Why a node cannot run the container, or `undefined` when it can. */
export function nodeMismatch(config: ContainerConfig, facts: NodeFacts): string | undefined {
  if (config.network === NO_NETWORK && facts.defaultBridge) {
    return 'its dockerd has a default bridge, so a task there would not be without a network (set "bridge": "none" in its daemon.json)';
  }
  return undefined;
}

/**
 * The placement constraints for `config`: pinned to `pinned` (the node of its
 * volumes) when given, else every node the driver reaches that fits; nodes
 * the swarm has and the driver cannot reach are excluded.
 *
 * @example
 * ```ts
 * const constraints = await placementFor(config, undefined, nodes, context); // ["node.id!=…"]
 * ```
 */
export async function placementFor(
  config: ContainerConfig,
  pinned: ReachableNode | undefined,
  nodes: NodeEngines,
  context: ErrorMappingContext,
): Promise<string[]> {
  const [all, reachable] = await Promise.all([nodes.list(context), nodes.reachable(context)]);
  const candidates = pinned === undefined ? [...reachable.values()] : [pinned];
  const verdicts = await Promise.all(
    candidates.map(async (node) => {
      try {
        return { node, why: nodeMismatch(config, await nodes.facts(node, context)) };
      } catch {
        // A node whose engine does not answer cannot be checked; a task placed there later could break a promise.
        return { node, why: "its engine does not answer, so its dockerd's settings cannot be checked" };
      }
    }),
  );
  const fitting = new Set(verdicts.filter((verdict) => verdict.why === undefined).map((verdict) => verdict.node.id));
  if (fitting.size === 0) {
    const reasons = verdicts.map((verdict) => `${verdict.node.hostname || verdict.node.id}: ${verdict.why}`);
    throw new ConfigurationError(
      `No node of the swarm can run this container as configured${pinned === undefined ? "" : " on the node that holds its volumes"}: ${reasons.join("; ")}`,
      {
        issues: [
          { path: pinned === undefined ? "" : "volumes", message: reasons.join("; ") || "no node is reachable" },
        ],
        context: { ...context },
      },
    );
  }
  if (pinned !== undefined) return [`node.id==${pinned.id}`];
  return all.filter((node) => !fitting.has(node.ID)).map((node) => `node.id!=${node.ID}`);
}
