/**
 * A mock container's life: create, start, stop, remove, pause, resume. What
 * each call does to a container in a given status comes from the package's
 * transition table (`transitionFor`); this module only carries the table's
 * cells out, so the mock cannot disagree with the contract.
 *
 * How it stays correct under concurrency: each operation waits its
 * operation time first and then takes effect under the container's lock
 * (the runtime's `ContainerLifecycle`), so calls on one container take
 * effect in the order they were made, also across drivers sharing a
 * runtime. A container is inserted only once its creation has passed every
 * check, so a listing never shows one that is half created; a create with
 * an idempotency key finds or makes its container in one synchronous step.
 *
 * @module
 */
import {
  type ContainerConfig,
  type ContainerInstance,
  ContainerStartError,
  ContainerStateError,
  type ContainerStatus,
  type ContainerTransition,
  type DriverError,
  type DriverMethod,
  parseContainerConfig,
  parseStopOptions,
  ResourceLimitError,
  type ResourceLimits,
  type StopOptions,
  type TransitionRejection,
  transitionFor,
} from "../../src/index.js";
import { trackExpiry, untrackExpiry } from "./expiry-index.js";
import { findKeyed, fingerprintOf } from "./idempotency.js";
import { endRunning, killEverything, logEvent, predictSimulated, startMain, stopMain } from "./main-process.js";
import { checkId, delay, failureContext, injectFault, requireContainer } from "./operation.js";
import { findAttachments } from "./resources.js";
import type { EngineState } from "./state.js";
import { type ContainerRecord, toInstance } from "./store.js";

export { DEFAULT_STOP_TIMEOUT_MS, MOCK_EXIT_CODES } from "./main-process.js";

/** The operations of the table this module carries out, with the method each is. */
type TableOperation = "start" | "stop" | "remove" | "pause" | "resume";

/**
 * The error for each rejection the transition table can name, in the
 * profile's words. Keyed by the table's own type, so a new kind of rejection
 * fails to compile here until the mock knows how to throw it.
 */
const REJECTIONS: {
  readonly [Name in TransitionRejection]: (
    state: EngineState,
    record: ContainerRecord,
    operation: string,
  ) => DriverError;
} = {
  ContainerStartError: (state, record, operation) =>
    new ContainerStartError(record.id, state.profile.describe("cannotStart", record.id, record.status).reason, {
      context: failureContext(state, operation, "cannotStart", record.id, record.status),
    }),
  ContainerStateError: (state, record, operation) =>
    new ContainerStateError(record.id, record.status, operation, {
      context: failureContext(state, operation, "wrongState", record.id, record.status),
    }),
};

/**
 * The table's cell for `operation` on `record`, thrown as the profile words
 * it when it refuses.
 *
 * @example
 * ```ts
 * checkCell(state, record, "exec", "execInContainer"); // ContainerStateError unless running
 * ```
 */
export function checkCell(
  state: EngineState,
  record: ContainerRecord,
  operation: TableOperation | "exec",
  method: string,
): Exclude<ContainerTransition, { kind: "reject" }> {
  const transition = transitionFor(operation, record.status);
  if (transition.kind === "reject") throw REJECTIONS[transition.error](state, record, method);
  return transition;
}

const RESOURCE_ORDER = ["cpu", "memory", "disk", "pids"] as const satisfies readonly (keyof ResourceLimits)[];

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

/** The config as the container keeps it: its `stdin` as bytes of its own, so the caller may reuse its buffer. */
function keptConfig(parsed: ContainerConfig): ContainerConfig {
  if (parsed.stdin === undefined) return parsed;
  const bytes = typeof parsed.stdin === "string" ? new TextEncoder().encode(parsed.stdin) : parsed.stdin.slice();
  return { ...parsed, stdin: bytes };
}

/**
 * `createContainer`: validates, checks limits, waits, then in one step finds
 * the container of its idempotency key or checks the network and volumes
 * exist and inserts a new one in status `created`. A rejected call leaves
 * nothing behind.
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
  const fingerprint = parsed.idempotencyKey === undefined ? undefined : fingerprintOf(parsed);
  await delay(state);
  injectFault(state, operation, parsed.sessionId);
  const existing = findKeyed(state, parsed.idempotencyKey, fingerprint, operation);
  if (existing !== undefined) return toInstance(existing);
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
    expiresAt: parsed.ttlMs === undefined ? undefined : now + parsed.ttlMs,
    idempotencyKey: parsed.idempotencyKey,
    labels: parsed.labels,
    cpu: parsed.resources.cpu,
    memory: parsed.resources.memory,
    disk: parsed.resources.disk,
    pids: parsed.resources.pids,
    command: Object.freeze(parsed.command ?? []),
    volumes,
    network,
    fingerprint,
    config: keptConfig(parsed),
    fileSystem: state.profile.fileSystem,
    logs: undefined,
    machine: undefined,
    main: undefined,
    simulated: predictSimulated(state.runtime, parsed),
    stopping: false,
  };
  state.containers.insert(record);
  if (record.idempotencyKey !== undefined) state.runtime.keys.set(record.idempotencyKey, record);
  if (record.expiresAt !== undefined) trackExpiry(state, record);
  return toInstance(record);
}

/**
 * Run one table operation on container `id`: check the id, wait, give fault
 * injection its chance, then under the container's lock carry out the cell.
 */
async function operate(
  state: EngineState,
  id: string,
  operation: TableOperation,
  method: DriverMethod | "pauseContainer" | "resumeContainer",
  stop: StopOptions = {},
): Promise<void> {
  checkId(id, "container");
  return state.locks.runExclusive(id, async () => {
    await delay(state);
    injectFault(state, method, id);
    const record = requireContainer(state, id, method);
    await applyTransition(state, record, checkCell(state, record, operation, method), stop);
  });
}

/**
 * `startContainer`: the table's `start` cell (→ running, no-op, or `ContainerStartError`).
 *
 * @example
 * ```ts
 * await startContainer(state, container.id);
 * ```
 */
export function startContainer(state: EngineState, id: string): Promise<void> {
  return operate(state, id, "start", "startContainer");
}

/**
 * `stopContainer`: the table's `stop` cell. The main command gets SIGTERM,
 * and SIGKILL once the grace period is over (a simulated one obeys SIGTERM
 * at once, so the grace period is not waited).
 *
 * @example
 * ```ts
 * await stopContainer(state, container.id, { force: true }); // exit code 137
 * ```
 */
export async function stopContainer(state: EngineState, id: string, options?: StopOptions): Promise<void> {
  checkId(id, "container");
  return operate(state, id, "stop", "stopContainer", parseStopOptions(options));
}

/**
 * `removeContainer`: the table's `remove` cell (stopped first if running or paused, then gone).
 *
 * @example
 * ```ts
 * await removeContainer(state, container.id);
 * ```
 */
export function removeContainer(state: EngineState, id: string): Promise<void> {
  return operate(state, id, "remove", "removeContainer");
}

/**
 * `pauseContainer` and `resumeContainer`: the table's `pause` and `resume`
 * cells; a paused container's processes stop where they are.
 *
 * @example
 * ```ts
 * await pauseOrResume(state, id, "pause");
 * ```
 */
export function pauseOrResume(state: EngineState, id: string, operation: "pause" | "resume"): Promise<void> {
  return operate(state, id, operation, operation === "pause" ? "pauseContainer" : "resumeContainer");
}

/**
 * Carry out an allowed cell of the transition table.
 *
 * @param stop - how a stop happens (grace period, force); only read when the cell stops the container.
 */
async function applyTransition(
  state: EngineState,
  record: ContainerRecord,
  transition: Exclude<ContainerTransition, { kind: "reject" }>,
  stop: StopOptions,
): Promise<void> {
  switch (transition.kind) {
    case "noop":
      return;
    case "move":
      await moveTo(state, record, transition.to, stop);
      return;
    case "delete":
      if (record.status === "running" || record.status === "paused") {
        if (record.simulated && record.main === undefined) await moveTo(state, record, "stopped", {});
        else killEverything(record);
      }
      removeNow(state, record);
      return;
  }
}

/** Move a container to `status` through what a runtime does on the way. */
async function moveTo(
  state: EngineState,
  record: ContainerRecord,
  status: ContainerStatus,
  stop: StopOptions,
): Promise<void> {
  const from = record.status;
  if (status === "running" && from === "paused") {
    record.machine?.thaw();
    logEvent(state, record, "resumed");
  } else if (status === "running") {
    startMain(state, record);
  } else if (status === "paused") {
    record.machine?.freeze();
    logEvent(state, record, "paused");
  } else if (status === "stopped") {
    await stopMain(state, record, stop);
    endRunning(state, record, "stopped");
    return;
  }
  state.containers.setStatus(record, status);
}

/**
 * Remove a container at once: kill what runs in it, forget it, end its
 * logs' follows, free its idempotency key and expiry. Expiry and `cleanup`
 * use it too (under the container's lock).
 *
 * @example
 * ```ts
 * removeNow(state, record);
 * ```
 */
export function removeNow(state: EngineState, record: ContainerRecord): void {
  killEverything(record);
  state.containers.remove(record);
  record.logs?.end();
  if (record.idempotencyKey !== undefined && state.runtime.keys.get(record.idempotencyKey) === record) {
    state.runtime.keys.delete(record.idempotencyKey);
  }
  if (record.expiresAt !== undefined) untrackExpiry(state, record);
}
