/**
 * One case per cell of `CONTAINER_TRANSITIONS`, generated from the table:
 * put a container in the cell's status, apply the operation, and compare the
 * outcome with the cell. `created`, `running` and `stopped` come from
 * interface calls; `paused` from `pauseContainer` (pause capability);
 * `exited` from a command that ends (execution capability); any status can
 * come from a hook in `ConformanceOptions.arrange`. A cell whose status
 * nothing can produce is reported as skipped, with the reason.
 *
 * @module
 */
import {
  CONTAINER_TRANSITIONS,
  LIFECYCLE_OPERATIONS,
  type LifecycleOperation,
  stateForStatus,
} from "../../lifecycle.js";
import type { ContainerDriver } from "../../contract/driver.js";
import { CONTAINER_STATUSES, type ContainerInstance, type ContainerStatus } from "../../contract/schemas.js";
import type { ContractClauseId } from "../clauses.js";
import { check } from "../context.js";
import type {
  CaseContext,
  ConformanceCase,
  ConformanceDriverInfo,
  HookedStatus,
  ResolvedConformanceOptions,
} from "../types.js";

/** The reason reported for the cells whose status no sequence of interface calls produces. */
export const UNREACHABLE_STATUS_REASON = "cannot be reached through the ContainerDriver interface";

/**
 * The command of a container that ends on its own, successfully, after a
 * second: the cell waits for `exited` rather than for the second, and a
 * restarted container is usually still seen running (see `checkCell`).
 */
export const BRIEF_COMMAND: readonly string[] = Object.freeze(["sh", "-c", "sleep 1"]);

/** Statuses the interface alone produces, for every driver. */
const INTERFACE_ARRANGERS: Readonly<
  Partial<Record<ContainerStatus, (context: CaseContext) => Promise<ContainerInstance>>>
> = {
  created: (context) => context.createContainer(),
  running: (context) => context.createRunningContainer(),
  stopped: async (context) => {
    const container = await context.createRunningContainer();
    await context.driver.stopContainer(container.id);
    return container;
  },
};

function isHookedStatus(status: ContainerStatus): status is HookedStatus {
  return status === "paused" || status === "dead" || status === "removing" || status === "exited";
}

/**
 * Why a cell starting from `status` cannot run for this driver and these
 * options, or `undefined` when it can: `paused` needs the `pause`
 * capability (`pauseContainer`) or a hook; `exited` needs the `execution`
 * capability (a command that ends) or a hook; the other statuses outside
 * the interface need a hook.
 *
 * @example
 * ```ts
 * unreachableReason("paused", resolveConformanceOptions({}), describeDriver(driver));
 * // "status paused cannot be reached through the ContainerDriver interface (give options.arrange.paused ...)"
 * ```
 */
export function unreachableReason(
  status: ContainerStatus,
  options: ResolvedConformanceOptions,
  driver: ConformanceDriverInfo,
): string | undefined {
  if (INTERFACE_ARRANGERS[status] !== undefined) return undefined;
  if (status === "paused" && driver.capabilities.includes("pause")) return undefined;
  if (isHookedStatus(status) && options.arrange[status] !== undefined) return undefined;
  if (status === "exited" && driver.capabilities.includes("execution")) return undefined;
  const capability = status === "exited" ? "execution" : status === "paused" ? "pause" : undefined;
  const hint = capability === undefined ? "give" : `declare the ${capability} capability or give`;
  return `status ${status} ${UNREACHABLE_STATUS_REASON} (${hint} options.arrange.${status} to check it)`;
}

/**
 * Bring a fresh container into `status`, failing the case when the driver
 * lands elsewhere. A driver that declares `pause` reaches `paused` through
 * `pauseContainer` (its hook, if any, is not needed).
 */
export async function arrangeStatus(context: CaseContext, status: ContainerStatus): Promise<ContainerInstance> {
  const throughInterface = INTERFACE_ARRANGERS[status];
  const pause = context.driver.pauseContainer;
  let container: ContainerInstance;
  if (throughInterface !== undefined) {
    container = await throughInterface(context);
  } else if (status === "paused" && context.driver.capabilities?.includes("pause") === true && pause !== undefined) {
    container = await context.createRunningContainer();
    await pause.call(context.driver, container.id);
  } else {
    const hook = isHookedStatus(status) ? context.options.arrange[status] : undefined;
    if (hook !== undefined) {
      container = await context.createRunningContainer();
      await hook(context.unwrappedDriver, container.id);
    } else if (status === "exited") {
      container = await context.createRunningContainer({ command: [...BRIEF_COMMAND] });
      await context.waitFor(
        () => context.statusOf(container.id),
        (current) => current === "exited",
        `container ${container.id} exits on its own`,
      );
    } else {
      throw new Error(`status ${status} ${UNREACHABLE_STATUS_REASON}`);
    }
  }
  const reached = await context.statusOf(container.id);
  check(
    reached === status,
    `could not bring container ${container.id} into status ${status}: it is ${reached} after the arranging calls`,
  );
  return container;
}

const OPERATIONS: Readonly<Record<LifecycleOperation, (driver: ContainerDriver, id: string) => Promise<void>>> = {
  start: (driver, id) => driver.startContainer(id),
  stop: (driver, id) => driver.stopContainer(id),
  remove: (driver, id) => driver.removeContainer(id),
};

const CLAUSES: Readonly<Record<LifecycleOperation, ContractClauseId>> = {
  start: "C-LIFECYCLE-START",
  stop: "C-LIFECYCLE-STOP",
  remove: "C-LIFECYCLE-REMOVE",
};

function describeCell(operation: LifecycleOperation, status: ContainerStatus): string {
  const transition = CONTAINER_TRANSITIONS[operation][status];
  switch (transition.kind) {
    case "move":
      return `${operation} on a ${status} container moves it to ${transition.to}`;
    case "noop":
      return `${operation} on a ${status} container resolves and changes nothing`;
    case "reject":
      return `${operation} on a ${status} container rejects with ${transition.error} and changes nothing`;
    case "delete":
      return `${operation} on a ${status} container removes it: getContainer resolves null and no list shows it`;
  }
}

async function checkCell(context: CaseContext, operation: LifecycleOperation, status: ContainerStatus): Promise<void> {
  const transition = CONTAINER_TRANSITIONS[operation][status];
  const { id } = await arrangeStatus(context, status);
  const operate = () => OPERATIONS[operation](context.driver, id);
  switch (transition.kind) {
    case "move": {
      // A container that ended through BRIEF_COMMAND runs it again when started, and may have ended
      // again by the time it is read on a slow machine: then a later startedAt shows it was started.
      const endsOnItsOwn = status === "exited" && context.options.arrange.exited === undefined;
      const before = endsOnItsOwn ? await context.driver.getContainer(id) : null;
      await operate();
      const after = await context.driver.getContainer(id);
      check(after !== null, `container ${id} is gone after ${operation}`);
      const restartedAndEnded =
        endsOnItsOwn &&
        after.status === "exited" &&
        after.startedAt !== undefined &&
        after.startedAt > (before?.startedAt ?? Number.POSITIVE_INFINITY);
      check(
        after.status === transition.to || restartedAndEnded,
        `${operation} on a ${status} container should move it to ${transition.to}; it is ${after.status}`,
      );
      const state = stateForStatus(after.status, after.exitCode);
      check(after.state === state, `status ${after.status} means state ${state}; the driver says ${after.state}`);
      return;
    }
    case "noop": {
      await operate();
      const after = await context.statusOf(id);
      check(after === status, `${operation} on a ${status} container should change nothing; it is ${after}`);
      return;
    }
    case "reject": {
      await context.expectError(operate, transition.error, `${operation} on a ${status} container`);
      const after = await context.statusOf(id);
      check(after === status, `a rejected ${operation} should change nothing; the container is ${after}`);
      return;
    }
    case "delete": {
      await operate();
      const after = await context.driver.getContainer(id);
      check(after === null, `getContainer after ${operation} should resolve null; it shows ${after?.status}`);
      const listed = await context.ownContainers();
      check(!listed.some((container) => container.id === id), `listContainers still shows ${id} after ${operation}`);
      return;
    }
  }
}

/** Every cell of the transition table, as cases. */
export const LIFECYCLE_CASES: readonly ConformanceCase[] = LIFECYCLE_OPERATIONS.flatMap((operation) =>
  CONTAINER_STATUSES.map(
    (status): ConformanceCase => ({
      id: `lifecycle.${operation}.from-${status}`,
      tier: "core",
      clause: CLAUSES[operation],
      checks: describeCell(operation, status),
      skipUnless: (options, driver) => unreachableReason(status, options, driver),
      run: (context) => checkCell(context, operation, status),
    }),
  ),
);
