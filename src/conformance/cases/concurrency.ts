/**
 * Concurrency and cleanup: parallel calls give consistent results, and what
 * a caller removes is gone.
 *
 * @module
 */
import { type DriverErrorName, errorNameOfCode, isDriverError } from "../../errors.js";
import { CONTAINER_TRANSITIONS, type LifecycleOperation, statusesAfter } from "../../lifecycle.js";
import type { ContainerDriver } from "../../contract/driver.js";
import { CONTAINER_STATUSES, type ContainerStatus } from "../../contract/schemas.js";
import { CONFORMANCE_RUN_LABEL, check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

/** A container that no longer exists, as an outcome of a sequence of operations. */
const GONE = "gone";

/**
 * Every status (or `gone`) that some order of `operations`, each applied
 * exactly once, can leave a container in that starts in `from`: the outcomes
 * a set of concurrent calls may legally settle on.
 *
 * @example
 * ```ts
 * reachableOutcomes("running", ["stop", "start"]); // Set { "running", "stopped" }
 * ```
 */
export function reachableOutcomes(
  from: ContainerStatus,
  operations: readonly LifecycleOperation[],
): Set<ContainerStatus | typeof GONE> {
  const outcomes = new Set<ContainerStatus | typeof GONE>();
  const visit = (status: ContainerStatus | typeof GONE, remaining: readonly LifecycleOperation[]) => {
    // Operations on a removed id reject with ContainerNotFoundError and change nothing.
    if (status === GONE || remaining.length === 0) {
      outcomes.add(status);
      return;
    }
    remaining.forEach((operation, index) => {
      const rest = [...remaining.slice(0, index), ...remaining.slice(index + 1)];
      for (const next of statusesAfter(operation, status) ?? [GONE]) visit(next, rest);
    });
  };
  visit(from, operations);
  return outcomes;
}

/** The errors the table allows `operation` to reject with, from any status. */
function tableErrors(operation: LifecycleOperation): Set<DriverErrorName> {
  const errors = new Set<DriverErrorName>();
  for (const status of CONTAINER_STATUSES) {
    const transition = CONTAINER_TRANSITIONS[operation][status];
    if (transition.kind === "reject") errors.add(transition.error);
  }
  return errors;
}

const OPERATE: Readonly<Record<LifecycleOperation, (driver: ContainerDriver, id: string) => Promise<void>>> = {
  start: (driver, id) => driver.startContainer(id),
  stop: (driver, id) => driver.stopContainer(id),
  remove: (driver, id) => driver.removeContainer(id),
};

async function checkConcurrentOperations(
  context: CaseContext,
  operations: readonly LifecycleOperation[],
): Promise<void> {
  const { id } = await context.createRunningContainer();
  const outcomes = await Promise.allSettled(operations.map((operation) => OPERATE[operation](context.driver, id)));
  const mayRemove = operations.includes("remove");
  outcomes.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") return;
    const operation = operations[index] as LifecycleOperation;
    const allowed = tableErrors(operation);
    // Once a concurrent remove has won, the id is unknown to the others.
    if (mayRemove) allowed.add("ContainerNotFoundError");
    const error: unknown = outcome.reason;
    const name = isDriverError(error) ? errorNameOfCode(error.code) : undefined;
    check(
      name !== undefined && allowed.has(name),
      `concurrent ${operation} #${index + 1} rejected with ${name ?? String(error)}; the table allows ${[...allowed].join(", ") || "no error"}`,
    );
  });
  const after = await context.driver.getContainer(id);
  const final = after === null ? GONE : after.status;
  const legal = reachableOutcomes("running", operations);
  check(
    legal.has(final),
    `after concurrent ${operations.join(", ")} on a running container it ended ${final}; the table allows ${[...legal].join(", ")}`,
  );
}

/** How many containers the parallel-create case creates at once. */
export const PARALLEL_CREATES = 8;

export const CONCURRENCY_CASES: readonly ConformanceCase[] = [
  {
    id: "concurrency.create.distinct-ids",
    tier: "core",
    clause: "C-CONCURRENCY",
    checks: `${PARALLEL_CREATES} parallel createContainer calls resolve ${PARALLEL_CREATES} distinct ids, all listed`,
    run: async (context) => {
      const created = await Promise.all(Array.from({ length: PARALLEL_CREATES }, () => context.createContainer()));
      const ids = new Set(created.map((container) => container.id));
      check(ids.size === PARALLEL_CREATES, `${PARALLEL_CREATES} creates gave ${ids.size} distinct ids`);
      const listed = new Set((await context.ownContainers()).map((container) => container.id));
      for (const id of ids) check(listed.has(id), `container ${id} is not listed`);
    },
  },
  {
    id: "concurrency.lifecycle.same-id",
    tier: "core",
    clause: "C-CONCURRENCY",
    checks:
      "parallel start, stop, start, stop, stop, start on one running container settle in a status the transition table allows, rejecting only with the table's errors",
    run: (context) => checkConcurrentOperations(context, ["start", "stop", "start", "stop", "stop", "start"]),
  },
  {
    id: "concurrency.remove.same-id",
    tier: "core",
    clause: "C-CONCURRENCY",
    checks:
      "parallel remove, stop, remove, start, remove on one running container leave it gone; the others resolve or reject with ContainerNotFoundError or the table's errors",
    run: (context) => checkConcurrentOperations(context, ["remove", "stop", "remove", "start", "remove"]),
  },
];

export const CLEANUP_CASES: readonly ConformanceCase[] = [
  {
    id: "cleanup.case.nothing-left",
    tier: "core",
    clause: "C-CLEANUP",
    checks:
      "after removing the containers, networks and volumes it created (a running one with a volume and a network among them), nothing labelled by the run is listed and every id is unknown",
    run: async (context) => {
      const volume = await context.createVolume();
      const network = await context.createNetwork();
      const busy = await context.createRunningContainer({
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
        network: network.name,
      });
      const idle = await context.createContainer();
      await context.removeTracked();
      const left = await context.ownContainers();
      check(
        left.length === 0,
        `after removing everything, the run still lists ${left.map((container) => container.id).join(", ")}`,
      );
      for (const id of [busy.id, idle.id]) {
        check((await context.driver.getContainer(id)) === null, `container ${id} is still there`);
      }
      await context.expectError(
        () => context.driver.removeVolume(volume.id),
        "VolumeNotFoundError",
        "the removed volume",
      );
      await context.expectError(
        () => context.driver.removeNetwork(network.id),
        "NetworkNotFoundError",
        "the removed network",
      );
    },
  },
  {
    id: "cleanup.run.nothing-left",
    tier: "core",
    clause: "C-CLEANUP",
    // It looks at the whole run: it must come after every other case and run alone.
    exclusive: true,
    checks: `after every other case, a fresh driver lists no container labelled ${CONFORMANCE_RUN_LABEL}=<run id> (meaningful on a shared engine)`,
    run: async (context) => {
      const left = await context.driver.listContainers({ label: { [CONFORMANCE_RUN_LABEL]: context.runId } });
      check(
        left.length === 0,
        `the run left ${left.length} container(s): ${left.map((container) => container.id).join(", ")}`,
      );
    },
  },
];
