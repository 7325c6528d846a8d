/**
 * A mock container's life: create, start, stop, remove. What each call does
 * to a container in a given status comes from the package's transition table
 * (`transitionFor`); this module only carries the table's entries out, so
 * the mock cannot disagree with the contract.
 *
 * How it stays correct under concurrency: each operation waits its operation
 * time first and then takes effect in one synchronous step, so no other call
 * ever sees half of it. Start, stop and remove also hold a per-id lock
 * (`state.locks`), so they take effect in the order they were called. A
 * container is inserted only once its creation has passed every check, so a
 * listing never shows one that is half created.
 *
 * @module
 */
import {
  type ContainerConfig,
  type ContainerInstance,
  ContainerStartError,
  type ContainerStatus,
  type DriverError,
  type DriverMethod,
  type ErrorContext,
  parseContainerConfig,
  parseStopOptions,
  ResourceLimitError,
  type ResourceLimits,
  type StopOptions,
  stateForStatus,
  type Transition,
  transitionFor,
} from "../../src/index.js";
import { checkId, delay, failureContext, injectFault, requireContainer } from "./operation.js";
import { findAttachments } from "./resources.js";
import type { EngineState } from "./state.js";
import { type ContainerRecord, toInstance } from "./store.js";

/**
 * The exit code a stopped container carries. The mocks run no process; these
 * are the codes a shell reports for a process ended by SIGTERM (128 + 15) and
 * by SIGKILL (128 + 9), which is what a real runtime shows after a stop.
 */
export const MOCK_EXIT_CODES = Object.freeze({ stopped: 143, killed: 137 });

/** The grace period of `stopContainer` when the caller gives none, in ms (the contract's default). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * The error for each rejection the transition table can name. Keyed by the
 * table's own type, so a new kind of rejection in the table fails to compile
 * here until the mock knows how to throw it.
 */
const REJECTIONS: {
  readonly [Name in Extract<Transition, { kind: "reject" }>["error"]]: (
    containerId: string,
    reason: string,
    context: ErrorContext,
  ) => DriverError;
} = {
  ContainerStartError: (containerId, reason, context) => new ContainerStartError(containerId, reason, { context }),
};

const RESOURCE_ORDER = ["cpu", "memory", "disk", "pids"] as const satisfies readonly (keyof ResourceLimits)[];

/** Shell-style quoting for the command line written to the logs, so argv boundaries stay visible. */
function quoteArgument(argument: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** Refuses, before any waiting, a container that asks for more than the profile allows. */
function checkLimits(state: EngineState, resources: ResourceLimits, operation: DriverMethod): void {
  const limits = state.profile.limits;
  for (const resource of RESOURCE_ORDER) {
    if (resources[resource] > limits[resource]) {
      throw new ResourceLimitError(resource, limits[resource], resources[resource], {
        context: { driver: state.name, operation },
      });
    }
  }
}

/**
 * `createContainer`: validates, checks limits, waits, checks the network and
 * volumes exist, then inserts the container in status `created`. A rejected
 * call leaves nothing behind.
 *
 * @example
 * ```ts
 * const container = await createContainer(state, config);
 * ```
 */
export async function createContainer(state: EngineState, config: ContainerConfig): Promise<ContainerInstance> {
  const operation = "createContainer";
  const parsed = parseContainerConfig(config);
  checkLimits(state, parsed.resources, operation);
  await delay(state);
  injectFault(state, operation, parsed.sessionId);
  const { network, volumes } = findAttachments(state, parsed, operation);

  const sequence = ++state.sequences.container;
  const id = state.profile.makeId("container", sequence, state.random);
  const name = state.profile.containerName(parsed.sessionId, id, sequence);
  const now = state.clock.now();
  const record: ContainerRecord = {
    // What listing reads comes first, so it shares the record's first cache lines.
    id,
    name,
    sessionId: parsed.sessionId,
    image: parsed.image,
    status: "created",
    endpoint: state.profile.endpoint(id, sequence),
    createdAt: now,
    startedAt: undefined,
    exitCode: undefined,
    labels: parsed.labels,
    cpu: parsed.resources.cpu,
    memory: parsed.resources.memory,
    disk: parsed.resources.disk,
    pids: parsed.resources.pids,
    command: Object.freeze(parsed.command ?? []),
    volumes,
    network,
    logs: [{ time: now, text: `created: ${name} from image ${parsed.image} for session ${parsed.sessionId}` }],
    followers: undefined,
  };
  state.containers.insert(record);
  return toInstance(record);
}

/**
 * `startContainer`: the table's `start` entry (→ running, no-op, or `ContainerStartError`), under the id's lock.
 *
 * @example
 * ```ts
 * await startContainer(state, container.id);
 * ```
 */
export async function startContainer(state: EngineState, id: string): Promise<void> {
  const operation = "startContainer";
  checkId(id, "container");
  return state.locks.runExclusive(id, async () => {
    await delay(state);
    injectFault(state, operation, id);
    const record = requireContainer(state, id, operation);
    applyTransition(state, record, transitionFor("start", record.status), operation);
  });
}

/**
 * `stopContainer`: the table's `stop` entry, under the id's lock. The mock's
 * process obeys SIGTERM at once, so the grace period is not waited.
 *
 * @example
 * ```ts
 * await stopContainer(state, container.id, { force: true }); // exit code 137
 * ```
 */
export async function stopContainer(state: EngineState, id: string, options?: StopOptions): Promise<void> {
  const operation = "stopContainer";
  checkId(id, "container");
  const parsed = parseStopOptions(options);
  return state.locks.runExclusive(id, async () => {
    await delay(state);
    injectFault(state, operation, id);
    const record = requireContainer(state, id, operation);
    applyTransition(state, record, transitionFor("stop", record.status), operation, parsed);
  });
}

/**
 * `removeContainer`: the table's `remove` entry (stopped first if running or paused, then gone), under the id's lock.
 *
 * @example
 * ```ts
 * await removeContainer(state, container.id);
 * ```
 */
export async function removeContainer(state: EngineState, id: string): Promise<void> {
  const operation = "removeContainer";
  checkId(id, "container");
  return state.locks.runExclusive(id, async () => {
    await delay(state);
    injectFault(state, operation, id);
    const record = requireContainer(state, id, operation);
    applyTransition(state, record, transitionFor("remove", record.status), operation);
  });
}

/**
 * Carries out one entry of the transition table. Exported so that a later
 * operation (pause, resume) is its table row plus a call of this.
 *
 * @param stop - how a stop happens (grace period, force); only read when the entry stops the container.
 * @example
 * ```ts
 * applyTransition(state, record, transitionFor("start", record.status), "startContainer");
 * ```
 */
export function applyTransition(
  state: EngineState,
  record: ContainerRecord,
  transition: Transition,
  operation: string,
  stop: StopOptions = {},
): void {
  switch (transition.kind) {
    case "noop":
      return;
    case "reject":
      throw REJECTIONS[transition.error](
        record.id,
        state.profile.describe("cannotStart", record.id, record.status).reason,
        failureContext(state, operation, "cannotStart", record.id, record.status),
      );
    case "move":
      moveTo(state, record, transition.to, stop);
      return;
    case "delete": {
      // "Gone, stopped first if it was running": the stop entry of the table says how.
      const stopFirst = transitionFor("stop", record.status);
      if (stopFirst.kind === "move") moveTo(state, record, stopFirst.to, {});
      state.containers.remove(record);
      wakeFollowers(record);
      return;
    }
  }
}

/** Moves a container to `status`, writing what a runtime would log on the way (start line, stop signal, exit code). */
function moveTo(state: EngineState, record: ContainerRecord, status: ContainerStatus, stop: StopOptions): void {
  const now = state.clock.now();
  if (status === "running") {
    record.startedAt = now;
    record.exitCode = undefined;
    const commandLine =
      record.command.length === 0
        ? `(default command of ${record.image})`
        : record.command.map(quoteArgument).join(" ");
    record.logs.push({ time: now, text: `started: ${commandLine}` });
  } else if (status === "stopped") {
    const force = stop.force === true;
    record.exitCode = force ? MOCK_EXIT_CODES.killed : MOCK_EXIT_CODES.stopped;
    record.logs.push({
      time: now,
      text: force
        ? "stopping: SIGKILL (force)"
        : `stopping: SIGTERM, grace period ${stop.timeout ?? DEFAULT_STOP_TIMEOUT_MS} ms`,
    });
    record.logs.push({ time: now, text: `stopped: exit code ${record.exitCode}` });
  }
  changeStatus(state, record, status);
}

/**
 * Sets a container's status; when it no longer runs, releases the callers
 * following its logs. Every status change (driver calls and runtime events)
 * goes through here, so no follower waits forever.
 *
 * @example
 * ```ts
 * record.exitCode = 1;
 * changeStatus(state, record, "exited");
 * ```
 */
export function changeStatus(state: EngineState, record: ContainerRecord, status: ContainerStatus): void {
  state.containers.setStatus(record, status);
  if (stateForStatus(status, record.exitCode) !== "running") wakeFollowers(record);
}

/**
 * Resolves once the container no longer runs or is removed: what
 * `getContainerLogs({ follow: true })` waits for.
 *
 * @example
 * ```ts
 * if (stateForStatus(record.status, record.exitCode) === "running") await untilNotRunning(record);
 * ```
 */
export function untilNotRunning(record: ContainerRecord): Promise<void> {
  return new Promise<void>((resolve) => {
    record.followers ??= [];
    record.followers.push(resolve);
  });
}

function wakeFollowers(record: ContainerRecord): void {
  const followers = record.followers;
  if (followers === undefined) return;
  record.followers = undefined;
  for (const resolve of followers) resolve();
}
