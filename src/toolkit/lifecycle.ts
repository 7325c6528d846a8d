/**
 * The transition table as a driver uses it: one lock per container id, the
 * table's verdict for the operation, and the contract error a refusing cell
 * names, so that a driver never re-states the lifecycle.
 *
 * @module
 */
import { ContainerNotFoundError, ContainerStartError, ContainerStateError, UnexpectedError } from "../errors.js";
import type { DriverError } from "../errors.js";
import type { ContainerStatus } from "../contract/schemas.js";
import {
  type ContainerOperation,
  type ContainerTransition,
  type TransitionRejection,
  transitionFor,
} from "../lifecycle.js";
import { KeyedMutex, type RunExclusiveOptions } from "../resilience/keyed-mutex.js";

/** A cell of the table that lets the operation go ahead: `move`, `noop` or `delete`. */
export type AllowedTransition = Exclude<ContainerTransition, { readonly kind: "reject" }>;

/** The `ContainerDriver` method of each operation of the table, as errors name it. */
export const OPERATION_METHODS: Readonly<Record<ContainerOperation, string>> = Object.freeze({
  start: "startContainer",
  stop: "stopContainer",
  remove: "removeContainer",
  pause: "pauseContainer",
  resume: "resumeContainer",
  exec: "execInContainer",
});

/**
 * The error a refusing cell of the table names, built for one container:
 * `ContainerStartError` (retryable in the contract, though the status will
 * not change by itself) or `ContainerStateError` (not retryable).
 *
 * @example
 * ```ts
 * throw transitionError("ContainerStateError", "c-1", "exited", "pause");
 * // ContainerStateError: Container 'c-1' is exited: pauseContainer is not possible in that status.
 * ```
 */
export function transitionError(
  rejection: TransitionRejection,
  containerId: string,
  status: ContainerStatus,
  operation: ContainerOperation,
): DriverError {
  const context = { operation: OPERATION_METHODS[operation], containerId };
  return rejection === "ContainerStartError"
    ? new ContainerStartError(containerId, `its status is '${status}'; remove it and create a new one`, { context })
    : new ContainerStateError(containerId, status, OPERATION_METHODS[operation], { context });
}

/**
 * What `operation` does to a container in `status`, as the table says;
 * throws the cell's error ({@link transitionError}) when it refuses.
 *
 * @example
 * ```ts
 * const transition = checkTransition("start", id, status); // throws ContainerStartError for a dead one
 * if (transition.kind === "noop") return;
 * ```
 */
export function checkTransition(
  operation: ContainerOperation,
  containerId: string,
  status: ContainerStatus,
): AllowedTransition {
  const transition = transitionFor(operation, status);
  if (transition.kind === "reject") throw transitionError(transition.error, containerId, status, operation);
  return transition;
}

/** What {@link ContainerLifecycle.apply} needs from the driver: how to read a status and carry out a cell. */
export type TransitionSteps = {
  /** The container's status now, or `null` when there is no such container (`ContainerNotFoundError`). */
  readonly status: () => ContainerStatus | null | Promise<ContainerStatus | null>;
  /** Carry out a `move` cell (start, stop, pause, resume): bring the container from `from` to `to`. */
  readonly move?: (to: ContainerStatus, from: ContainerStatus) => unknown;
  /** Carry out a `delete` cell (remove): stop the container if it runs, and remove it. */
  readonly remove?: (from: ContainerStatus) => unknown;
};

/** Options of {@link ContainerLifecycle}. */
export type ContainerLifecycleOptions = {
  /** The per-id locks, to share them with other work on the same containers. Default: a new `KeyedMutex`. */
  readonly locks?: KeyedMutex<string>;
};

/**
 * Applies the transition table to a driver's containers: each operation
 * reads the status, looks up the cell and carries it out under the
 * container's lock, so a stop and a remove of one container never
 * interleave while different containers proceed in parallel.
 *
 * @example
 * ```ts
 * const lifecycle = new ContainerLifecycle();
 * async function startContainer(id: string): Promise<void> {
 *   await lifecycle.apply(id, "start", {
 *     status: () => processes.get(id)?.status ?? null,
 *     move: () => processes.get(id)?.spawn(),
 *   });
 * }
 * ```
 */
export class ContainerLifecycle {
  /** The per-id locks every operation runs under. */
  readonly locks: KeyedMutex<string>;

  constructor(options: ContainerLifecycleOptions = {}) {
    this.locks = options.locks ?? new KeyedMutex<string>();
  }

  /**
   * Run `operation` on container `id` under its lock: read the status
   * (`ContainerNotFoundError` when `null`), throw the cell's error when it
   * refuses, do nothing for `noop`, call `move` or `remove` otherwise.
   * Resolves with the cell applied. For `exec`, `noop` means "may run":
   * run the command after `apply` resolves, outside the lock.
   *
   * @example
   * ```ts
   * await lifecycle.apply(id, "exec", { status: () => statusOf(id) }); // ContainerStateError unless running
   * ```
   */
  apply(
    id: string,
    operation: ContainerOperation,
    steps: TransitionSteps,
    options: RunExclusiveOptions = {},
  ): Promise<AllowedTransition> {
    return this.locks.runExclusive(
      id,
      async () => {
        const status = await steps.status();
        if (status === null) {
          throw new ContainerNotFoundError(id, { context: { operation: OPERATION_METHODS[operation] } });
        }
        const transition = checkTransition(operation, id, status);
        if (transition.kind === "move") await requireStep(steps.move, operation, "move")(transition.to, status);
        else if (transition.kind === "delete") await requireStep(steps.remove, operation, "remove")(status);
        return transition;
      },
      options,
    );
  }

  /**
   * Run other work under container `id`'s lock (a driver's own operation
   * that must not interleave with the table's).
   *
   * @example
   * ```ts
   * await lifecycle.runExclusive(id, () => markExited(id, code));
   * ```
   */
  runExclusive<T>(id: string, fn: () => T | Promise<T>, options: RunExclusiveOptions = {}): Promise<T> {
    return this.locks.runExclusive(id, fn, options);
  }
}

function requireStep<T>(step: T | undefined, operation: ContainerOperation, name: string): T {
  if (step === undefined) {
    throw new UnexpectedError(`the driver gave no ${name} step for ${OPERATION_METHODS[operation]}`);
  }
  return step;
}
