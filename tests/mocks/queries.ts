/**
 * What a mock driver answers without changing anything: one container, a
 * filtered list, a container's logs, the driver's health, a container's
 * health.
 *
 * How listing stays fast: a filter naming a session or a label reads only
 * the smallest matching index entry (`store.ts`), so its cost follows the
 * number of matches, not the number of containers.
 *
 * @module
 */
import {
  type ContainerFilter,
  type ContainerInstance,
  type DriverHealth,
  getErrorMessage,
  type LogOptions,
  parseContainerFilter,
  parseLogOptions,
  stateForStatus,
} from "../../src/index.js";
import { untilNotRunning } from "./lifecycle.js";
import { checkId, delay, injectFault, requireContainer } from "./operation.js";
import type { EngineState } from "./state.js";
import { type ContainerRecord, type ContainerStore, entryContents, toInstance } from "./store.js";

/**
 * `getContainer`: the container as it is now, or `null` for an unknown id (never throws for one).
 *
 * @example
 * ```ts
 * await getContainer(state, "no-such-id"); // null
 * ```
 */
export async function getContainer(state: EngineState, id: string): Promise<ContainerInstance | null> {
  const operation = "getContainer";
  checkId(id, "container");
  await delay(state);
  injectFault(state, operation, id);
  const record = state.containers.get(id);
  return record === undefined ? null : toInstance(record);
}

/** Marks a list plan that came from the session index (a label key cannot be a symbol). */
const SESSION: unique symbol = Symbol("session index");

/** Which containers `listContainers` visits, and which filter field chose them (already satisfied). */
type ListPlan = {
  readonly records: Iterable<ContainerRecord>;
  readonly size: number;
  readonly via: string | typeof SESSION | undefined;
};

const NOTHING: ListPlan = Object.freeze({ records: [], size: 0, via: undefined });

/**
 * Where to look: the smallest index entry the filter names (one label
 * pair's or the session's containers), else all containers. Records from an
 * index entry already satisfy the field that chose it, so `matches` skips
 * that field: at 100k containers, re-reading it costs a cache miss per
 * container.
 */
function candidates(store: ContainerStore, filter: ContainerFilter): ListPlan {
  // A literal, not a spread of an object from the store: this runs on every
  // call, and a spread costs small listings several per cent.
  let plan: ListPlan = { records: store.values(), size: store.size, via: undefined };
  if (filter.sessionId !== undefined) {
    const entry = store.sessionEntry(filter.sessionId);
    if (entry === undefined) return NOTHING;
    plan = { ...entryContents(entry), via: SESSION };
  }
  if (filter.label !== undefined) {
    for (const key in filter.label) {
      const entry = store.labelEntry(key, filter.label[key] as string);
      if (entry === undefined) return NOTHING;
      const contents = entryContents(entry);
      if (contents.size < plan.size) plan = { ...contents, via: key };
    }
  }
  return plan;
}

function matches(record: ContainerRecord, filter: ContainerFilter, via: string | typeof SESSION | undefined): boolean {
  if (filter.sessionId !== undefined && via !== SESSION && record.sessionId !== filter.sessionId) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.state !== undefined && stateForStatus(record.status, record.exitCode) !== filter.state) return false;
  if (filter.label !== undefined) {
    for (const key in filter.label) {
      if (key === via) continue;
      if (!Object.hasOwn(record.labels, key) || record.labels[key] !== filter.label[key]) return false;
    }
  }
  return true;
}

/**
 * `listContainers`: containers matching every given filter field, in
 * creation order; the filter is validated first (`ConfigurationError`).
 *
 * @example
 * ```ts
 * await listContainers(state, { label: { "request-id": "r-7" } });
 * ```
 */
export async function listContainers(state: EngineState, filter?: ContainerFilter): Promise<ContainerInstance[]> {
  const operation = "listContainers";
  const parsed = parseContainerFilter(filter);
  await delay(state);
  injectFault(state, operation, "containers");
  const result: ContainerInstance[] = [];
  const { records, via } = candidates(state.containers, parsed);
  for (const record of records) {
    if (matches(record, parsed, via)) result.push(toInstance(record));
  }
  return result;
}

/**
 * `getContainerLogs`: one line per event, each ending in a newline. `since`,
 * then `tail`, select lines; `timestamps` prefixes each with its ISO-8601
 * time; `follow` first waits until the container no longer runs.
 *
 * @example
 * ```ts
 * await getContainerLogs(state, container.id, { tail: 1 });
 * ```
 */
export async function getContainerLogs(state: EngineState, id: string, options?: LogOptions): Promise<string> {
  const operation = "getContainerLogs";
  checkId(id, "container");
  const parsed = parseLogOptions(options);
  await delay(state);
  injectFault(state, operation, id);
  const record = requireContainer(state, id, operation);
  if (parsed.follow === true && stateForStatus(record.status, record.exitCode) === "running") {
    await untilNotRunning(record);
  }
  let lines = record.logs;
  if (parsed.since !== undefined) {
    const since = parsed.since;
    lines = lines.filter((line) => line.time >= since);
  }
  if (parsed.tail !== undefined) lines = parsed.tail === 0 ? [] : lines.slice(-parsed.tail);
  let output = "";
  for (const line of lines) {
    output += parsed.timestamps === true ? `${new Date(line.time).toISOString()} ${line.text}\n` : `${line.text}\n`;
  }
  return output;
}

/**
 * `healthCheck`: never rejects. Healthy: exact counts from the store.
 * Unreachable (an injected fault, a failing clock): `unhealthy` with counts 0,
 * since a driver that cannot reach its runtime cannot count.
 *
 * @example
 * ```ts
 * (await healthCheck(state)).containers.running;
 * ```
 */
export async function healthCheck(state: EngineState): Promise<DriverHealth> {
  const operation = "healthCheck";
  try {
    await delay(state);
    injectFault(state, operation, "runtime");
    const total = state.containers.size;
    const running = state.containers.running;
    return {
      status: "healthy",
      version: state.version,
      uptime: Math.max(0, state.clock.now() - state.startedAt),
      containers: { total, running, stopped: total - running },
    };
  } catch (error) {
    let uptime = 0;
    try {
      uptime = Math.max(0, state.clock.now() - state.startedAt);
    } catch {
      // A clock that fails is one more thing that is wrong; the report must still arrive.
    }
    return {
      status: "unhealthy",
      version: state.version,
      uptime,
      containers: { total: 0, running: 0, stopped: 0 },
      error: getErrorMessage(error),
    };
  }
}

/**
 * `isContainerHealthy`: `true` when the status is `running`; `ContainerNotFoundError` for an unknown id.
 *
 * @example
 * ```ts
 * await isContainerHealthy(state, container.id);
 * ```
 */
export async function isContainerHealthy(state: EngineState, id: string): Promise<boolean> {
  const operation = "isContainerHealthy";
  checkId(id, "container");
  await delay(state);
  injectFault(state, operation, id);
  return requireContainer(state, id, operation).status === "running";
}
