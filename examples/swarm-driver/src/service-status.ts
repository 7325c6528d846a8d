/**
 * A service and its tasks as the contract's container: status, exit code,
 * start time and the instance. Pure functions over what the managers report,
 * so the mapping of every state can be read and tested without a cluster.
 *
 * | service and task | status |
 * | --- | --- |
 * | 0 replicas, never started | `created` |
 * | 0 replicas, stopped before its task ran, or scaled down by someone | `stopped` |
 * | 1 replica, task not yet running (pending … starting) | `running`: Swarm is bringing it up, as Docker reports `restarting` |
 * | task running | `running` |
 * | task running, the paused marker set (its container frozen on its node) | `paused` |
 * | task running or on its way, on a node the managers report down | `dead`: neither the driver nor Swarm can stop, reach or read it; only removal helps |
 * | task ended, the stopped marker set | `stopped` |
 * | task ended (complete, failed, shutdown, rejected, orphaned) | `exited`, with the task's exit code when its container ran |
 *
 * @module
 */
import { type ContainerInstance, type ContainerStatus, stateForStatus } from "../../../src/index.js";
import { OWNER_LABELS, userLabels } from "../../docker-driver/src/labels.js";
import { isLostNodeState, type NodeState } from "./nodes.js";
import { expiresAtOf, imageOfSpec, replicasOf, resourcesFromSpec, SWARM_LABELS, unenforcedOf } from "./service-spec.js";
import type { SwarmService, SwarmTask } from "./swarm-api.js";

/** Task states in which the task's container no longer runs, and never will again. */
export const ENDED_TASK_STATES: ReadonlySet<string> = new Set([
  "complete",
  "shutdown",
  "failed",
  "rejected",
  "remove",
  "orphaned",
]);

/** The exit code of a process the kernel killed with SIGKILL: what a memory limit's OOM kill leaves. */
export const KILLED_EXIT_CODE = 137;

/** Whether the task has ended for good. */
export function hasEnded(task: SwarmTask): boolean {
  return ENDED_TASK_STATES.has(task.Status.State);
}

/** Whether the task ended after its container ran (it started, then finished or failed), rather than before. */
export function ranBeforeEnding(task: SwarmTask): boolean {
  return task.Status.State === "complete" || (containerIdOf(task) !== undefined && task.Status.Message === "started");
}

/** The task's container ID on its node, once it has one. */
export function containerIdOf(task: SwarmTask): string | undefined {
  const id = task.Status.ContainerStatus?.ContainerID;
  return id === undefined || id === "" ? undefined : id;
}

/** The exit code of an ended task whose container ran; `undefined` otherwise (never started, or still running). */
export function exitCodeOf(task: SwarmTask): number | undefined {
  if (!hasEnded(task) || containerIdOf(task) === undefined) return undefined;
  const code = task.Status.ContainerStatus?.ExitCode;
  return typeof code === "number" ? code : undefined;
}

function time(value: string | undefined): number | undefined {
  if (value === undefined || value.startsWith("0001-01-01")) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The tasks oldest first: by creation, then by the store's version. */
export function sortTasks(tasks: readonly SwarmTask[]): SwarmTask[] {
  return [...tasks].sort(
    (a, b) => (time(a.CreatedAt) ?? 0) - (time(b.CreatedAt) ?? 0) || (a.Version?.Index ?? 0) - (b.Version?.Index ?? 0),
  );
}

/** What the managers said about one service: the service, its tasks (oldest first) and the nodes' states. */
export type ServiceView = {
  readonly service: SwarmService;
  readonly tasks: readonly SwarmTask[];
  readonly nodeStates: ReadonlyMap<string, NodeState>;
};

/** A service's contract status and the facts behind it. */
export type ServiceStatusView = {
  readonly status: ContainerStatus;
  /** The newest task, the one that is (or was last) the container's process. */
  readonly task: SwarmTask | undefined;
  readonly exitCode: number | undefined;
  /** When the running task's container started. */
  readonly startedAt: number | undefined;
  /** The task's node is down: the container is lost to the driver until the node returns. */
  readonly lost: boolean;
};

/**
 * The contract's status of a service, by the table in the module comment.
 *
 * @example
 * ```ts
 * statusOfService({ service, tasks: sortTasks(tasks), nodeStates }).status; // "running"
 * ```
 */
export function statusOfService(view: ServiceView): ServiceStatusView {
  const { service, tasks, nodeStates } = view;
  const task = tasks.at(-1);
  const stopped = service.Spec.Labels?.[SWARM_LABELS.stopped] === "true";
  const base = { task, exitCode: undefined, startedAt: undefined, lost: false };
  if (replicasOf(service.Spec) === 0) {
    return { ...base, status: stopped || task !== undefined ? "stopped" : "created" };
  }
  if (task === undefined) return { ...base, status: "running" };
  if (!hasEnded(task)) {
    const node = task.NodeID === undefined || task.NodeID === "" ? undefined : nodeStates.get(task.NodeID);
    if (isLostNodeState(node?.state)) return { ...base, status: "dead", lost: true };
    const startedAt = task.Status.State === "running" ? time(task.Status.Timestamp) : undefined;
    const paused = task.Status.State === "running" && service.Spec.Labels?.[SWARM_LABELS.paused] === "true";
    return { ...base, status: paused ? "paused" : "running", startedAt };
  }
  return { ...base, status: stopped ? "stopped" : "exited", exitCode: exitCodeOf(task) };
}

/** A `ContainerInstance` with what the Swarm driver adds. */
export type SwarmContainerInstance = ContainerInstance & {
  /** The service's name on the swarm. */
  readonly serviceName: string;
  /** The newest task's ID, once the container was started. */
  readonly taskId?: string;
  /** The newest task's state as Swarm reports it (`pending`, `running`, `failed`, ...). */
  readonly taskState?: string;
  /** Swarm's error for the newest task, such as `no suitable node` or `task: non-zero exit (3)`. */
  readonly taskError?: string;
  /** The Swarm node ID of the node that runs (or ran) the newest task. */
  readonly nodeId?: string;
  /** A service cannot limit its container's disk: the requested size is recorded, not applied. */
  readonly diskLimitEnforced: false;
};

/** What the instance's fields need besides the view. */
export type InstanceContext = {
  /** The socket of a node, to name the container's endpoint. */
  readonly socketOf: (nodeId: string) => string | undefined;
  /** Whether the ended task's container was killed for memory, as its node's engine says; `undefined` when unknown. */
  readonly oomKilled?: boolean | undefined;
};

/**
 * The contract's view of a service.
 *
 * @example
 * ```ts
 * const instance = toSwarmInstance(view, { socketOf: (nodeId) => sockets.get(nodeId) });
 * ```
 */
export function toSwarmInstance(view: ServiceView, context: InstanceContext): SwarmContainerInstance {
  const { service } = view;
  const labels = service.Spec.Labels ?? {};
  const { status, task, exitCode, startedAt } = statusOfService(view);
  const containerId = task === undefined ? undefined : containerIdOf(task);
  const socket = task?.NodeID === undefined || task.NodeID === "" ? undefined : context.socketOf(task.NodeID);
  const instance: SwarmContainerInstance &
    Partial<Record<"startedAt" | "exitCode" | "expiresAt", number> & Record<"idempotencyKey", string>> = {
    id: service.ID,
    name: service.Spec.Name,
    sessionId: labels[OWNER_LABELS.session] ?? "",
    image: imageOfSpec(service.Spec),
    status,
    state: stateForStatus(status, exitCode),
    endpoint:
      containerId !== undefined && socket !== undefined
        ? `unix://${socket}:/containers/${containerId}`
        : `swarm:/services/${service.ID}`,
    createdAt: time(service.CreatedAt) ?? 0,
    labels: userLabels(labels),
    resources: resourcesFromSpec(service.Spec),
    serviceName: service.Spec.Name,
    diskLimitEnforced: false,
    unenforced: unenforcedOf(service.Spec),
    ...(task === undefined
      ? {}
      : {
          taskId: task.ID,
          taskState: task.Status.State,
          ...(task.Status.Err === undefined || task.Status.Err === "" ? {} : { taskError: task.Status.Err }),
          ...(task.NodeID === undefined || task.NodeID === "" ? {} : { nodeId: task.NodeID }),
        }),
  };
  const key = labels[OWNER_LABELS.idempotencyKey];
  const expiresAt = expiresAtOf(service.Spec);
  if (key !== undefined) instance.idempotencyKey = key;
  if (expiresAt !== undefined) instance.expiresAt = expiresAt;
  if (startedAt !== undefined) instance.startedAt = startedAt;
  if (exitCode !== undefined) instance.exitCode = exitCode;
  return context.oomKilled === undefined ? instance : { ...instance, oomKilled: context.oomKilled };
}
