/**
 * The `pause` cases: capability `pause`: pauseContainer and resumeContainer,
 * the pause and resume rows of the transition table (one case per cell,
 * generated from the table), an unknown id, and what a pause does to the
 * processes: frozen while paused, and the same processes, with their memory,
 * after the resume.
 *
 * @module
 */
import { CONTAINER_TRANSITIONS, stateForStatus } from "../../lifecycle.js";
import type { ContainerDriver } from "../../contract/driver.js";
import { CONTAINER_STATUSES, type ContainerStatus } from "../../contract/schemas.js";
import { check, ConformanceCheckError } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { arrangeStatus, unreachableReason } from "./lifecycle.js";

/** The two operations of the pause capability, by their name in the transition table. */
const FREEZE_OPERATIONS = ["pause", "resume"] as const;
type FreezeOperation = (typeof FREEZE_OPERATIONS)[number];

const METHODS: Readonly<Record<FreezeOperation, "pauseContainer" | "resumeContainer">> = {
  pause: "pauseContainer",
  resume: "resumeContainer",
};

/** Call the operation's method; a driver without it fails the case (the checking wrapper says so). */
function operate(driver: ContainerDriver, operation: FreezeOperation, id: string): Promise<void> {
  const method = driver[METHODS[operation]];
  if (method === undefined) return Promise.reject(new ConformanceCheckError(`the driver has no ${METHODS[operation]}`));
  return method.call(driver, id);
}

function describeCell(operation: FreezeOperation, status: ContainerStatus): string {
  const transition = CONTAINER_TRANSITIONS[operation][status];
  const method = METHODS[operation];
  switch (transition.kind) {
    case "move":
      return `${method} on a ${status} container moves it to ${transition.to}`;
    case "noop":
      return `${method} on a ${status} container resolves and changes nothing`;
    case "reject":
      return `${method} on a ${status} container rejects with ${transition.error} (not retryable) and changes nothing`;
    case "delete":
      return `${method} on a ${status} container removes it`;
  }
}

async function checkCell(context: CaseContext, operation: FreezeOperation, status: ContainerStatus): Promise<void> {
  const transition = CONTAINER_TRANSITIONS[operation][status];
  const method = METHODS[operation];
  const { id } = await arrangeStatus(context, status);
  switch (transition.kind) {
    case "move": {
      await operate(context.driver, operation, id);
      const after = await context.driver.getContainer(id);
      check(after !== null, `container ${id} is gone after ${method}`);
      check(
        after.status === transition.to,
        `${method} on a ${status} container should move it to ${transition.to}; it is ${after.status}`,
      );
      const state = stateForStatus(after.status, after.exitCode);
      check(after.state === state, `status ${after.status} means state ${state}; the driver says ${after.state}`);
      return;
    }
    case "noop": {
      await operate(context.driver, operation, id);
      const after = await context.statusOf(id);
      check(after === status, `${method} on a ${status} container should change nothing; it is ${after}`);
      return;
    }
    case "reject": {
      await context.expectError(
        () => operate(context.driver, operation, id),
        transition.error,
        `${method} on a ${status} container`,
      );
      const after = await context.statusOf(id);
      check(after === status, `a rejected ${method} should change nothing; the container is ${after}`);
      return;
    }
    case "delete":
      throw new ConformanceCheckError(`the table has no delete for ${operation}`);
  }
}

/** Every cell of the pause and resume rows, as cases. */
const TRANSITION_CASES: readonly ConformanceCase[] = FREEZE_OPERATIONS.flatMap((operation) =>
  CONTAINER_STATUSES.map(
    (status): ConformanceCase => ({
      id: `pause.${operation}.from-${status}`,
      tier: "pause",
      clause: "C-PAUSE-TRANSITIONS",
      checks: describeCell(operation, status),
      skipUnless: (options, driver) => unreachableReason(status, options, driver),
      run: (context) => checkCell(context, operation, status),
    }),
  ),
);

/**
 * A command that counts in its own memory (a shell variable), one line per
 * tenth of a second: a restarted process would start again at 1, a frozen
 * one writes nothing.
 */
export const COUNTER_COMMAND: readonly string[] = Object.freeze([
  "sh",
  "-c",
  "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done",
]);

/** How long a paused counter is watched for output it must not write, in ms: ten of its lines. */
const FROZEN_WINDOW_MS = 1_000;
/** How long lines written just before the freeze may take to reach the logs, in ms. */
const LOG_SETTLE_MS = 300;

async function countedLines(context: CaseContext, id: string): Promise<string[]> {
  const text = await context.driver.getContainerLogs(id);
  return text.split("\n").filter((line) => line !== "");
}

/** A running counter that has written at least `lines` lines. */
async function runningCounter(context: CaseContext, lines: number): Promise<string> {
  const { id } = await context.createRunningContainer({ command: [...COUNTER_COMMAND] });
  await context.waitFor(
    () => countedLines(context, id),
    (written) => written.length >= lines,
    `the counter in container ${id} to write ${lines} lines`,
  );
  return id;
}

const needsExecution = (_options: unknown, driver: { readonly capabilities: readonly string[] }) =>
  driver.capabilities.includes("execution")
    ? undefined
    : "needs the execution capability: the check reads what a running command writes";

const PROCESS_CASES: readonly ConformanceCase[] = [
  {
    id: "pause.processes.frozen",
    tier: "pause",
    clause: "C-PAUSE-PROCESSES",
    checks: `a paused container's command writes nothing for ${FROZEN_WINDOW_MS} ms (a counter writes ten lines a second when it runs)`,
    skipUnless: needsExecution,
    async run(context) {
      const id = await runningCounter(context, 3);
      await operate(context.driver, "pause", id);
      await context.sleep(LOG_SETTLE_MS);
      const before = (await countedLines(context, id)).length;
      await context.sleep(FROZEN_WINDOW_MS);
      const after = (await countedLines(context, id)).length;
      check(
        after === before,
        `the paused container's command wrote ${after - before} more lines in ${FROZEN_WINDOW_MS} ms; a paused process must not run`,
      );
      await operate(context.driver, "resume", id);
    },
  },
  {
    id: "pause.processes.survive",
    tier: "pause",
    clause: "C-PAUSE-PROCESSES",
    checks:
      "after pause and resume, the same process goes on counting where it was (lines 1, 2, 3, … without a restart at 1): processes and their memory survive a pause",
    skipUnless: needsExecution,
    async run(context) {
      const id = await runningCounter(context, 3);
      await operate(context.driver, "pause", id);
      const paused = (await countedLines(context, id)).length;
      await operate(context.driver, "resume", id);
      const lines = await context.waitFor(
        () => countedLines(context, id),
        (written) => written.length >= paused + 3,
        `the resumed counter in container ${id} to write 3 more lines`,
      );
      const restartedAt = lines.findIndex((line, index) => line !== String(index + 1));
      check(
        restartedAt < 0,
        `line ${restartedAt + 1} after the resume is "${lines[restartedAt]}", expected "${restartedAt + 1}": ` +
          "the counter did not go on where it was, so the process (or its memory) did not survive the pause",
      );
    },
  },
];

const NOT_FOUND_CASE: ConformanceCase = {
  id: "pause.not-found",
  tier: "pause",
  clause: "C-PAUSE-TRANSITIONS",
  checks: "pauseContainer and resumeContainer of an unknown id reject with ContainerNotFoundError",
  async run(context) {
    const missing = context.uniqueName("missing");
    for (const operation of FREEZE_OPERATIONS) {
      await context.expectError(
        () => operate(context.driver, operation, missing),
        "ContainerNotFoundError",
        `${METHODS[operation]} of an unknown id`,
      );
    }
  },
};

/** Every case of this file, in run order. */
export const PAUSE_CASES: readonly ConformanceCase[] = [...TRANSITION_CASES, NOT_FOUND_CASE, ...PROCESS_CASES];
