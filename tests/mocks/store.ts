/**
 * The mock engine's container records and the indexes over them: by id, by
 * session, by label pair, and the count of running containers. A pure data
 * structure: no timing, no errors, no profile. Every other module reads and
 * changes containers through it, so the indexes cannot drift from the
 * records.
 *
 * Why the indexes: no operation scans all containers except a
 * `listContainers` whose filter names no session and no label, so a driver
 * holding 100k containers answers a session or label query as fast as one
 * holding 1k.
 *
 * @module
 */
import {
  type ContainerInstance,
  type ContainerStatus,
  type Network,
  stateForStatus,
  type Volume,
} from "../../src/index.js";

/** One line of a container's log, written at `time` (ms, by the driver's clock). */
export type LogLine = { readonly time: number; readonly text: string };

/** A volume and the ids of the containers that mount it (a volume in use cannot be removed). */
export type VolumeRecord = { readonly volume: Readonly<Volume>; readonly users: Set<string> };

/** A network and the ids of the containers attached to it (a network in use cannot be removed). */
export type NetworkRecord = { readonly network: Readonly<Network>; readonly users: Set<string> };

/**
 * Everything the engine knows about one container. Only `status`,
 * `startedAt`, `exitCode`, `logs` and `followers` change after creation;
 * `status` changes only through {@link ContainerStore.setStatus}, which keeps
 * the running count exact.
 */
export type ContainerRecord = {
  readonly id: string;
  readonly name: string;
  readonly sessionId: string;
  readonly image: string;
  readonly endpoint: string;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  // Resources are kept as fields of the record rather than a nested object:
  // listing reads them for every container, and one object less to visit
  // keeps that cost flat as the number of containers grows.
  readonly cpu: number;
  readonly memory: number;
  readonly disk: number;
  readonly pids: number;
  readonly command: readonly string[];
  readonly volumes: readonly VolumeRecord[];
  readonly network: NetworkRecord | undefined;
  status: ContainerStatus;
  startedAt: number | undefined;
  exitCode: number | undefined;
  readonly logs: LogLine[];
  /** Callers of `getContainerLogs({ follow: true })` waiting for the container to stop running. */
  followers: (() => void)[] | undefined;
};

/**
 * An index entry: the one container with this key, or a set once there are
 * several. Most keys (a session, a label such as a request id) belong to one
 * container, and a set for each would double the memory of a large driver.
 */
export type IndexEntry = ContainerRecord | Set<ContainerRecord>;

/** The containers of an index entry and how many, so a caller can pick the smallest entry without copying. */
export type IndexContents = { readonly records: Iterable<ContainerRecord>; readonly size: number };

/**
 * The containers of an entry, and how many.
 *
 * @example
 * ```ts
 * const entry = store.sessionEntry("s-1");
 * const { records, size } = entry === undefined ? { records: [], size: 0 } : entryContents(entry);
 * ```
 */
export function entryContents(entry: IndexEntry): IndexContents {
  return entry instanceof Set ? { records: entry, size: entry.size } : { records: [entry], size: 1 };
}

/**
 * One index key for a label pair. Label keys and values cannot contain NUL
 * (the schema refuses it), so NUL separates them without ambiguity.
 */
function labelIndexKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function addToIndex(index: Map<string, IndexEntry>, key: string, record: ContainerRecord): void {
  const entry = index.get(key);
  if (entry === undefined) index.set(key, record);
  else if (entry instanceof Set) entry.add(record);
  else index.set(key, new Set([entry, record]));
}

function removeFromIndex(index: Map<string, IndexEntry>, key: string, record: ContainerRecord): void {
  const entry = index.get(key);
  if (entry === record || (entry instanceof Set && entry.delete(record) && entry.size === 0)) index.delete(key);
}

/**
 * The containers of one mock driver. Insertion order is creation order,
 * which is the order `listContainers` reports.
 *
 * @example
 * ```ts
 * const store = new ContainerStore();
 * store.insert(record);
 * store.sessionEntry(record.sessionId); // record
 * store.remove(record);
 * ```
 */
export class ContainerStore {
  readonly #containers = new Map<string, ContainerRecord>();
  readonly #bySession = new Map<string, IndexEntry>();
  /** `labelIndexKey(key, value)` → containers, so a label filter reads only matching containers. */
  readonly #byLabel = new Map<string, IndexEntry>();
  #running = 0;

  /** How many containers exist. */
  get size(): number {
    return this.#containers.size;
  }

  /** How many containers have status `running` (what `healthCheck` reports without counting). */
  get running(): number {
    return this.#running;
  }

  /**
   * The container with this id, or `undefined`.
   *
   * @example
   * ```ts
   * store.get("no-such-id"); // undefined
   * ```
   */
  get(id: string): ContainerRecord | undefined {
    return this.#containers.get(id);
  }

  /**
   * Every container, in creation order.
   *
   * @example
   * ```ts
   * for (const record of store.values()) console.log(record.id);
   * ```
   */
  values(): IterableIterator<ContainerRecord> {
    return this.#containers.values();
  }

  /**
   * The containers of one session, or `undefined` when it has none.
   *
   * @example
   * ```ts
   * store.sessionEntry("s-1");
   * ```
   */
  sessionEntry(sessionId: string): IndexEntry | undefined {
    return this.#bySession.get(sessionId);
  }

  /**
   * The containers carrying the label `key=value`, or `undefined` when none does.
   *
   * @example
   * ```ts
   * store.labelEntry("request-id", "r-7");
   * ```
   */
  labelEntry(key: string, value: string): IndexEntry | undefined {
    return this.#byLabel.get(labelIndexKey(key, value));
  }

  /**
   * Adds a fully checked container to every index and to the users of its
   * volumes and network. Callers insert only once creation cannot fail any
   * more, so no reader ever sees a half-created container.
   *
   * @example
   * ```ts
   * store.insert(record);
   * ```
   */
  insert(record: ContainerRecord): void {
    this.#containers.set(record.id, record);
    addToIndex(this.#bySession, record.sessionId, record);
    for (const key in record.labels) {
      addToIndex(this.#byLabel, labelIndexKey(key, record.labels[key] as string), record);
    }
    for (const volume of record.volumes) volume.users.add(record.id);
    record.network?.users.add(record.id);
    if (record.status === "running") this.#running++;
  }

  /**
   * Removes a container from every index and frees its volumes and network.
   * Waking its log followers is the caller's job (see `lifecycle.ts`).
   *
   * @example
   * ```ts
   * store.remove(record);
   * ```
   */
  remove(record: ContainerRecord): void {
    if (record.status === "running") this.#running--;
    this.#containers.delete(record.id);
    removeFromIndex(this.#bySession, record.sessionId, record);
    for (const key in record.labels) {
      removeFromIndex(this.#byLabel, labelIndexKey(key, record.labels[key] as string), record);
    }
    for (const volume of record.volumes) volume.users.delete(record.id);
    record.network?.users.delete(record.id);
  }

  /**
   * Sets a container's status and keeps the running count exact. The one
   * place `status` is written, so the count never drifts.
   *
   * @example
   * ```ts
   * store.setStatus(record, "running");
   * ```
   */
  setStatus(record: ContainerRecord, status: ContainerStatus): void {
    const wasRunning = record.status === "running";
    record.status = status;
    if (wasRunning !== (status === "running")) this.#running += wasRunning ? -1 : 1;
  }
}

/**
 * A fresh copy: callers may change what they get without touching the driver's state.
 *
 * @example
 * ```ts
 * const instance = toInstance(record);
 * instance.labels.extra = "x"; // the record's labels are unchanged
 * ```
 */
export function toInstance(record: ContainerRecord): ContainerInstance {
  const instance: ContainerInstance = {
    id: record.id,
    name: record.name,
    sessionId: record.sessionId,
    image: record.image,
    status: record.status,
    state: stateForStatus(record.status, record.exitCode),
    endpoint: record.endpoint,
    createdAt: record.createdAt,
    // Object.assign and a literal, not spreads: this runs once per listed
    // container, and spreading a record is several times slower in V8.
    labels: Object.assign({}, record.labels),
    resources: { cpu: record.cpu, memory: record.memory, disk: record.disk, pids: record.pids },
  };
  if (record.startedAt !== undefined) instance.startedAt = record.startedAt;
  if (record.exitCode !== undefined) instance.exitCode = record.exitCode;
  return instance;
}
