/**
 * `driver.simulate`: runtime events that happen to a container without a
 * driver call (its process exits, it is paused, it dies). Each goes through
 * the same status change as a driver call, so counts and log followers stay
 * right.
 *
 * @module
 */
import { ConfigurationError, stateForStatus } from "../../src/index.js";
import { endRunning, killEverything, logEvent } from "./main-process.js";
import { requireContainer } from "./operation.js";
import type { EngineState } from "./state.js";

/**
 * Runtime events that happen to a container without a driver call: its
 * process exits, the runtime pauses it, or it breaks. The contract has no
 * method for them, but platform code has to cope with containers in these
 * statuses; these let a test put a container there. Each applies at once
 * (no operation time) and returns whether it applied.
 */
export type MockRuntimeEvents = {
  /**
   * The main process ends with `exitCode`: a running or paused container
   * becomes `exited` (state `terminated` for 0, `error` otherwise); whatever
   * runs in it is killed.
   * Returns `false` (and changes nothing) when the container is not running.
   * Throws `ContainerNotFoundError` for an unknown id.
   *
   * @example
   * ```ts
   * driver.simulate.exit(container.id, 1); // status "exited", state "error"
   * ```
   */
  exit(id: string, exitCode: number): boolean;
  /**
   * A running container becomes `paused` (its processes freeze, as with
   * `pauseContainer`, but at once and without the lock). Returns `false`
   * when it is not running.
   *
   * @example
   * ```ts
   * driver.simulate.pause(container.id); // status "paused"
   * ```
   */
  pause(id: string): boolean;
  /**
   * The runtime began removing the container and did not finish (a removal
   * stuck on a busy mount): status `removing`, whatever ran in it is gone;
   * only another removal helps. Returns `false` when it is already removing.
   *
   * @example
   * ```ts
   * driver.simulate.removing(container.id); // status "removing"
   * ```
   */
  removing(id: string): boolean;
  /**
   * The container becomes `dead` (the runtime lost it; whatever ran in it is
   * gone); only removal helps. Returns `false` when already dead.
   *
   * @example
   * ```ts
   * driver.simulate.die(container.id, "out of memory"); // status "dead"
   * ```
   */
  die(id: string, reason?: string): boolean;
};

function simulateExit(state: EngineState, id: string, exitCode: number): boolean {
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
    throw new ConfigurationError(`Exit code must be an integer from 0 to 255, got ${String(exitCode)}.`, {
      issues: [{ path: "exitCode", message: "must be an integer from 0 to 255" }],
    });
  }
  const record = requireContainer(state, id, "simulate.exit");
  if (stateForStatus(record.status) !== "running") return false;
  killEverything(record);
  record.exitCode = exitCode;
  logEvent(state, record, `exited: exit code ${exitCode}`);
  endRunning(state, record, "exited");
  return true;
}

function simulatePause(state: EngineState, id: string): boolean {
  const record = requireContainer(state, id, "simulate.pause");
  if (record.status !== "running") return false;
  record.machine?.freeze();
  logEvent(state, record, "paused");
  state.containers.setStatus(record, "paused");
  return true;
}

function simulateRemoving(state: EngineState, id: string): boolean {
  const record = requireContainer(state, id, "simulate.removing");
  if (record.status === "removing") return false;
  killEverything(record);
  logEvent(state, record, "removing");
  endRunning(state, record, "removing");
  return true;
}

function simulateDeath(state: EngineState, id: string, reason = "the runtime lost the container"): boolean {
  const record = requireContainer(state, id, "simulate.die");
  if (record.status === "dead") return false;
  killEverything(record);
  logEvent(state, record, `dead: ${reason}`);
  endRunning(state, record, "dead");
  return true;
}

/**
 * The `simulate` object of one driver, bound to its state. Plain functions,
 * not methods, so a test can pass `driver.simulate.exit` around detached.
 *
 * @example
 * ```ts
 * const simulate = createRuntimeEvents(state);
 * simulate.exit(id, 0);
 * ```
 */
export function createRuntimeEvents(state: EngineState): MockRuntimeEvents {
  return {
    exit: (id, exitCode) => simulateExit(state, id, exitCode),
    pause: (id) => simulatePause(state, id),
    removing: (id) => simulateRemoving(state, id),
    die: (id, reason) => simulateDeath(state, id, reason),
  };
}
