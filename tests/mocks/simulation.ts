/**
 * `driver.simulate`: runtime events that happen to a container without a
 * driver call (its process exits, it is paused, it dies). Each goes through
 * the same status change as a driver call, so counts and log followers stay
 * right.
 *
 * @module
 */
import { ConfigurationError, stateForStatus } from "../../src/index.js";
import { changeStatus } from "./lifecycle.js";
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
   * becomes `exited` (state `terminated` for 0, `error` otherwise).
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
   * A running container becomes `paused`. Returns `false` when it is not running.
   *
   * @example
   * ```ts
   * driver.simulate.pause(container.id); // status "paused"
   * ```
   */
  pause(id: string): boolean;
  /**
   * The container becomes `dead` (the runtime lost it); only removal helps. Returns `false` when already dead.
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
  record.exitCode = exitCode;
  record.logs.push({ time: state.clock.now(), text: `exited: exit code ${exitCode}` });
  changeStatus(state, record, "exited");
  return true;
}

function simulatePause(state: EngineState, id: string): boolean {
  const record = requireContainer(state, id, "simulate.pause");
  if (record.status !== "running") return false;
  record.logs.push({ time: state.clock.now(), text: "paused" });
  changeStatus(state, record, "paused");
  return true;
}

function simulateDeath(state: EngineState, id: string, reason = "the runtime lost the container"): boolean {
  const record = requireContainer(state, id, "simulate.die");
  if (record.status === "dead") return false;
  record.logs.push({ time: state.clock.now(), text: `dead: ${reason}` });
  changeStatus(state, record, "dead");
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
    die: (id, reason) => simulateDeath(state, id, reason),
  };
}
