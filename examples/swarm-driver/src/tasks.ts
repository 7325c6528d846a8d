/**
 * Waiting on a service's tasks and acting on their containers on their
 * nodes: what the container methods do around the managers' calls (a start
 * waits until the new task runs, a stop stops the task's container on its
 * node and waits until the managers see it end, a removal clears the removed
 * service's containers from their nodes), and the one fact only a node knows
 * about an ended task (whether it was killed for memory).
 *
 * @module
 */
import type Docker from "dockerode";
import {
  ContainerNotFoundError,
  ContainerStartError,
  type ErrorMappingContext,
  MAX_TIMER_DELAY_MS,
} from "../../../src/index.js";
import { type EngineScope, ignoreNotModified, statusCodeOf } from "../../docker-driver/src/engine-call.js";
import type { NodeEngines } from "./nodes.js";
import {
  containerIdOf,
  hasEnded,
  KILLED_EXIT_CODE,
  ranBeforeEnding,
  type ServiceView,
  sortTasks,
  statusOfService,
} from "./service-status.js";
import { commitContainer, listTasks, type SwarmTask } from "./swarm-api.js";

/** What {@link TaskControl} needs besides the managers' scope. */
export type TaskControlSettings = {
  readonly nodes: NodeEngines;
  /** How long a start waits for the task to run, in ms. */
  readonly startTimeoutMs: number;
  /** Interval between two reads of a task's state while waiting, in ms. */
  readonly pollIntervalMs: number;
};

/** What a commit of a task's file system made: the image, and the node that has it. */
export type CommittedTask = { readonly image: string; readonly nodeId: string };

/** The label Swarm puts on a task's container (and a commit carries into the image): the service's ID. */
export const SWARM_SERVICE_LABEL = "com.docker.swarm.service.id";

/**
 * Remove the images on one engine that match every label filter; resolves
 * how many it removed. An image with a child (the next commit of the same
 * container) is refused (409) until the child is gone, so it goes round
 * again while a round removes something; what is already gone is skipped.
 *
 * @example
 * ```ts
 * await removeCommittedImages(node.docker, ["com.docker.swarm.service.id=abc"], 30_000);
 * ```
 */
export async function removeCommittedImages(docker: Docker, labels: string[], timeoutMs: number): Promise<number> {
  const signal = AbortSignal.timeout(timeoutMs);
  let removed = 0;
  for (;;) {
    const images = await docker.listImages({
      all: true,
      filters: { label: labels },
      abortSignal: signal,
    } as Docker.ListImagesOptions);
    let round = 0;
    for (const image of images) {
      try {
        await docker.getImage(image.Id).remove({ force: true, abortSignal: signal } as Docker.ImageRemoveOptions);
        round += 1;
      } catch (error) {
        const status = statusCodeOf(error);
        if (status !== 404 && status !== 409) throw error;
      }
    }
    removed += round;
    if (round === 0 || round === images.length) return removed;
  }
}

/** How many ended containers' OOM answers a client remembers. */
const REMEMBERED_OOM_ANSWERS = 1_024;
/** The longest grace period a stop gets, in seconds (23 days), as the Docker driver caps it. */
const MAX_GRACE_SECONDS = 2_000_000;

/**
 * The tasks of the driver's services, waited on and reached on their nodes.
 *
 * @example
 * ```ts
 * const tasks = new TaskControl(scope, { nodes, startTimeoutMs: 60_000, pollIntervalMs: 100 });
 * await tasks.waitStarted(serviceId, new Set(previousTaskIds), context);
 * ```
 */
export class TaskControl {
  readonly #scope: EngineScope;
  readonly #settings: TaskControlSettings;
  /** Container ID → killed for memory, for ended containers (which do not change). */
  readonly #oomKills = new Map<string, boolean>();

  constructor(scope: EngineScope, settings: TaskControlSettings) {
    this.#scope = scope;
    this.#settings = settings;
  }

  /**
   * Whether the ended task's container was killed for memory: Swarm reports
   * the exit code (137) but not why, the node's engine does. Asked only for
   * a task that ended with 137, once per container (an ended container does
   * not change); `undefined` when the node cannot be asked.
   */
  async oomKilled(view: ServiceView): Promise<boolean | undefined> {
    const { task, exitCode, lost } = statusOfService(view);
    const containerId = task === undefined ? undefined : containerIdOf(task);
    if (exitCode !== KILLED_EXIT_CODE || containerId === undefined || lost || task?.NodeID === undefined)
      return undefined;
    const known = this.#oomKills.get(containerId);
    if (known !== undefined) return known;
    try {
      const context = { operation: "getContainer", containerId: view.service.ID };
      const node = await this.#settings.nodes.node(task.NodeID, context);
      const info = await this.#scope.calls.call(context, (signal) =>
        node.docker.getContainer(containerId).inspect({ abortSignal: signal }),
      );
      const oomKilled = info.State.OOMKilled === true;
      // Bounded: the oldest answer is forgotten first, and merely asked again.
      if (this.#oomKills.size >= REMEMBERED_OOM_ANSWERS)
        this.#oomKills.delete(this.#oomKills.keys().next().value ?? "");
      this.#oomKills.set(containerId, oomKilled);
      return oomKilled;
    } catch {
      // The node or the container is gone: the exit code is all that is known.
      return undefined;
    }
  }

  /** The service's tasks, oldest first. */
  async tasks(id: string, context: ErrorMappingContext): Promise<SwarmTask[]> {
    const tasks = await this.#scope.calls.call(context, (signal) =>
      listTasks(this.#scope.docker, { service: [id] }, signal),
    );
    return sortTasks(tasks);
  }

  /** Wait for a task not in `prior` to run (or to have run and ended); `ContainerStartError` otherwise. */
  async waitStarted(id: string, prior: ReadonlySet<string>, context: ErrorMappingContext): Promise<void> {
    const { clock } = this.#scope;
    const { startTimeoutMs, pollIntervalMs } = this.#settings;
    const deadline = clock.now() + startTimeoutMs;
    for (;;) {
      const task = (await this.tasks(id, context)).filter((candidate) => !prior.has(candidate.ID)).at(-1);
      if (task?.Status.State === "running") return;
      if (task !== undefined && hasEnded(task)) {
        if (ranBeforeEnding(task)) return;
        throw new ContainerStartError(id, `its task was ${task.Status.State} before it ran: ${describe(task)}`, {
          context,
        });
      }
      if (clock.now() >= deadline) {
        throw new ContainerStartError(
          id,
          `its task is not running after ${startTimeoutMs} ms (${task === undefined ? "not created yet" : describe(task)}); ` +
            "Swarm keeps trying: start it again to wait again, or remove it",
          { context },
        );
      }
      await clock.sleep(pollIntervalMs);
    }
  }

  /** Wait until the managers report the task ended (or gone), within the call timeout. */
  async waitEnded(id: string, taskId: string, context: ErrorMappingContext): Promise<void> {
    const { clock, calls } = this.#scope;
    const deadline = clock.now() + calls.timeoutMs;
    for (;;) {
      const task = (await this.tasks(id, context)).find((candidate) => candidate.ID === taskId);
      if (task === undefined || hasEnded(task) || clock.now() >= deadline) return;
      await clock.sleep(this.#settings.pollIntervalMs);
    }
  }

  async stopContainer(
    task: SwarmTask,
    containerId: string,
    graceMs: number,
    context: ErrorMappingContext,
  ): Promise<void> {
    const { calls } = this.#scope;
    const node = await this.#settings.nodes.node(task.NodeID ?? "", context);
    const seconds = Math.min(Math.ceil(graceMs / 1000), MAX_GRACE_SECONDS);
    const deadline = seconds * 1000 + calls.timeoutMs;
    await calls.call(
      context,
      async (signal) => {
        try {
          await ignoreNotModified(node.docker.getContainer(containerId).stop({ t: seconds, abortSignal: signal }));
        } catch (error) {
          // Already removed by its node: stopped as far as anyone can tell.
          if (statusCodeOf(error) !== 404) throw error;
        }
      },
      { timeoutMs: deadline <= MAX_TIMER_DELAY_MS ? deadline : Number.POSITIVE_INFINITY },
    );
  }

  /**
   * Freeze (`pause`) or thaw (`unpause`) the task's container with its
   * node's engine (the cgroup freezer, as the Docker driver's pause). `false`
   * when the engine refuses because the container is not in the state for it
   * (409: it ended, or is already so); the caller reads the status again.
   */
  async freeze(
    task: SwarmTask,
    containerId: string,
    action: "pause" | "unpause",
    context: ErrorMappingContext,
  ): Promise<boolean> {
    const node = await this.#settings.nodes.node(task.NodeID ?? "", context);
    const container = node.docker.getContainer(containerId);
    return this.#scope.calls.call(context, (signal) =>
      (action === "pause" ? container.pause({ abortSignal: signal }) : container.unpause({ abortSignal: signal })).then(
        () => true,
        (error: unknown) => {
          if (statusCodeOf(error) === 409) return false;
          throw error;
        },
      ),
    );
  }

  /**
   * The file system of the service's newest task, committed on its node as an
   * image, so the next task runs from it there (a start after a stop or an
   * exit keeps the container's files, as a restarted Docker container does;
   * volumes and tmpfs mounts are not part of it). `undefined` when the task
   * never had a container, or its node no longer has it (Swarm prunes only
   * tasks older than its history limit, never the newest). A node that cannot
   * be reached rejects: the start must not silently lose the files.
   */
  async commitFileSystem(view: ServiceView, context: ErrorMappingContext): Promise<CommittedTask | undefined> {
    const task = view.tasks.findLast((candidate) => containerIdOf(candidate) !== undefined && candidate.NodeID);
    const containerId = task === undefined ? undefined : containerIdOf(task);
    if (task?.NodeID === undefined || containerId === undefined) return undefined;
    const node = await this.#settings.nodes.node(task.NodeID, context);
    try {
      const image = await this.#scope.calls.call(context, (signal) =>
        commitContainer(node.docker, containerId, signal),
      );
      return { image, nodeId: node.id };
    } catch (error) {
      if (statusCodeOf(error) === 404 || error instanceof ContainerNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Remove the images earlier starts committed for a removed service
   * (`commitFileSystem`) from the nodes its tasks ran on. Best effort, as
   * {@link TaskControl.removeContainers}; `cleanup()` of a later run finds
   * what a node that was down kept, by the ownership labels the images carry.
   */
  async removeImages(view: ServiceView, context: ErrorMappingContext): Promise<void> {
    const nodeIds = new Set(view.tasks.flatMap((task) => (task.NodeID ? [task.NodeID] : [])));
    await Promise.all(
      [...nodeIds].map(async (nodeId) => {
        try {
          const node = await this.#settings.nodes.node(nodeId, context);
          await removeCommittedImages(
            node.docker,
            [`${SWARM_SERVICE_LABEL}=${view.service.ID}`],
            this.#scope.calls.timeoutMs,
          );
        } catch {
          // The node is down: its images stay until a cleanup finds them.
        }
      }),
    );
  }

  /**
   * Remove the containers of a removed service's tasks from their nodes, so
   * what they held (volumes, network endpoints) is free now rather than when
   * each node's agent gets to it. Best effort: a node that is down keeps its
   * container until it returns, and its agent removes it then.
   */
  async removeContainers(view: ServiceView, context: ErrorMappingContext): Promise<void> {
    await Promise.all(
      view.tasks.map(async (task) => {
        const containerId = containerIdOf(task);
        if (containerId === undefined || task.NodeID === undefined) return;
        try {
          const node = await this.#settings.nodes.node(task.NodeID, context);
          await node.docker
            .getContainer(containerId)
            .remove({ force: true, v: false, abortSignal: AbortSignal.timeout(this.#scope.calls.timeoutMs) });
        } catch {
          // Gone already, being removed by its node, or the node is down.
        }
      }),
    );
  }
}

function describe(task: SwarmTask): string {
  const { State, Err, Message } = task.Status;
  return Err !== undefined && Err !== ""
    ? `${State}: ${Err}`
    : `${State}${Message === undefined ? "" : ` (${Message})`}`;
}
