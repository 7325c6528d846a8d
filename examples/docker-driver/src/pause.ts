/**
 * `pauseContainer` and `resumeContainer` over the engine's pause (the cgroup
 * freezer): the processes stop being scheduled and keep their memory, open
 * files and sockets; resume thaws them where they were. What each does in
 * each status is the `pause` and `resume` rows of the package's transition
 * table; the engine is asked only for a move.
 *
 * @module
 */
import { ContainerStateError, type ContainerStatus, transitionFor } from "../../../src/index.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { statusFromEngine } from "./mapping.js";

/** The two operations, by the name the transition table gives them. */
export type FreezeOperation = "pause" | "resume";

const METHODS: Readonly<Record<FreezeOperation, "pauseContainer" | "resumeContainer">> = {
  pause: "pauseContainer",
  resume: "resumeContainer",
};

/**
 * Pause or resume container `id`, whose contract status is `status` (read
 * under the container's lock): a no-op where the table says so,
 * `ContainerStateError` (not retryable) where it refuses, else the engine's
 * pause or unpause. An engine that refuses because the status changed
 * meanwhile (the command ended on its own) is a `ContainerStateError` too,
 * with the status it now has.
 *
 * @example
 * ```ts
 * await freezeOrThaw(scope, "pause", id, "running"); // the engine's pause
 * await freezeOrThaw(scope, "pause", id, "paused"); // no-op
 * ```
 */
export async function freezeOrThaw(
  scope: EngineScope,
  operation: FreezeOperation,
  id: string,
  status: ContainerStatus,
): Promise<void> {
  const method = METHODS[operation];
  const transition = transitionFor(operation, status);
  if (transition.kind === "noop") return;
  if (transition.kind !== "move") throw new ContainerStateError(id, status, method);
  const context = { operation: method, containerId: id };
  const container = scope.docker.getContainer(id);
  const refused = await scope.calls.call(context, (signal) => {
    const request =
      operation === "pause" ? container.pause({ abortSignal: signal }) : container.unpause({ abortSignal: signal });
    return request.then(
      () => false,
      (error: unknown) => {
        // 409: "is not running" / "is not paused": it changed status after our read.
        if (statusCodeOf(error) === 409) return true;
        throw error;
      },
    );
  });
  if (!refused) return;
  const info = await scope.calls.call(context, (signal) => container.inspect({ abortSignal: signal }));
  const now = statusFromEngine(info.State.Status, info.Name);
  if (transitionFor(operation, now).kind === "noop") return;
  throw new ContainerStateError(id, now, method);
}
