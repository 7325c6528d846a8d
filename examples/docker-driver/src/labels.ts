/**
 * Ownership of engine objects. The engine is shared: other tools, other
 * drivers and other instances of this driver create containers, volumes and
 * networks on it. Every object this driver creates carries the labels below,
 * and every lookup checks them, so a driver only ever sees, changes and
 * cleans up its own objects, and a driver restarted with the same namespace
 * finds them again (the labels live in the engine, not in memory).
 *
 * @module
 */
import { isReservedLabelKey, RESERVED_LABEL_PREFIX, RESOURCE_NAME_PATTERN } from "../../../src/index.js";

// Every label key the driver sets starts with the contract's reserved prefix;
// user labels with it are refused, so a config cannot forge another
// namespace's ownership.
const prefix = RESERVED_LABEL_PREFIX;

/** The label keys the driver writes on every object it creates. */
export const OWNER_LABELS = Object.freeze({
  /** The driver's name (`docker`): which implementation made the object. */
  driver: `${prefix}driver`,
  /** The driver instance's namespace: which deployment owns the object. */
  namespace: `${prefix}namespace`,
  /** The container's `sessionId` (containers only). */
  session: `${prefix}session-id`,
  /** The requested disk limit in MB (containers only); the engine keeps no field for it when unenforced. */
  diskMb: `${prefix}disk-mb`,
  /** `enforced` or `unenforced`: whether the engine applies the disk limit (containers only). */
  diskLimit: `${prefix}disk-limit`,
  /** What a volume the driver made for a container is for (`tmp`: the `/tmp` of a read-only container). */
  role: `${prefix}role`,
});

/**
 * Suffix appended to a container's engine name when `stopContainer` stopped
 * it. The engine reports both a stopped and a finished container as
 * `exited`; the name is the one mutable, persistent field the engine keeps for
 * us, so a driver restarted later still tells the two apart.
 */
export const STOPPED_NAME_SUFFIX = ".stopped";

/** Whether `namespace` is usable in labels and container names. */
export function isValidNamespace(namespace: string): boolean {
  return RESOURCE_NAME_PATTERN.test(namespace) && namespace.length <= 64;
}

/** The labels that mark an object as owned by `driver` in `namespace`. */
export function ownerLabels(driver: string, namespace: string): Record<string, string> {
  return { [OWNER_LABELS.driver]: driver, [OWNER_LABELS.namespace]: namespace };
}

/** The engine's label filter (`key=value` strings) selecting the objects of `driver` in `namespace`. */
export function ownerLabelFilter(driver: string, namespace: string): string[] {
  return [`${OWNER_LABELS.driver}=${driver}`, `${OWNER_LABELS.namespace}=${namespace}`];
}

/**
 * The most characters (URL-encoded, as they travel in the request line) of
 * user labels the driver asks the engine to filter on. The engine refuses
 * request headers over 1 MiB with 431; a valid filter may hold 256 labels of
 * up to 64 KiB each, several times that once encoded. Labels beyond the
 * budget are matched by the driver, after the engine's narrower answer.
 */
export const ENGINE_LABEL_FILTER_BUDGET = 16_384;

/**
 * The `key=value` filters of `wanted` that the engine can match, within
 * {@link ENGINE_LABEL_FILTER_BUDGET}: not keys containing `=` (the engine
 * splits at the first one, so it would read another label). The caller
 * matches every wanted label itself as well, so a label left out here only
 * makes the engine's answer wider, never wrong.
 *
 * @example
 * ```ts
 * engineLabelFilters({ team: "core", "a=b": "c" }); // ["team=core"]
 * ```
 */
export function engineLabelFilters(wanted: Readonly<Record<string, string>>): string[] {
  const filters: string[] = [];
  let length = 0;
  for (const [key, value] of Object.entries(wanted)) {
    if (key.includes("=")) continue;
    const filter = `${key}=${value}`;
    const encoded = encodeURIComponent(JSON.stringify(filter)).length;
    if (length + encoded > ENGINE_LABEL_FILTER_BUDGET) continue;
    length += encoded;
    filters.push(filter);
  }
  return filters;
}

/** Whether engine labels say the object belongs to `driver` in `namespace`. */
export function isOwnedBy(
  labels: Readonly<Record<string, string>> | null | undefined,
  driver: string,
  namespace: string,
): boolean {
  return labels?.[OWNER_LABELS.driver] === driver && labels[OWNER_LABELS.namespace] === namespace;
}

/** The user's labels: engine labels without the driver's reserved ones. */
export function userLabels(labels: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isReservedLabelKey(key)) result[key] = value;
  }
  return result;
}

/** The label keys of `labels` that use the reserved prefix. */
export function reservedKeysIn(labels: Readonly<Record<string, string>> | undefined): string[] {
  return Object.keys(labels ?? {}).filter(isReservedLabelKey);
}

/**
 * The engine name of a new container: `oa-<namespace>-<sessionId>-<random>`.
 * Readable in `docker ps`, unique thanks to the random part, and valid for
 * the engine because namespace and session id are restricted to `[A-Za-z0-9_.-]`.
 */
export function containerName(namespace: string, sessionId: string, random: string): string {
  return `oa-${namespace}-${sessionId}-${random}`;
}

/** The engine name without the leading `/` and without the stopped marker. */
export function baseName(engineName: string): string {
  const name = engineName.startsWith("/") ? engineName.slice(1) : engineName;
  return name.endsWith(STOPPED_NAME_SUFFIX) ? name.slice(0, -STOPPED_NAME_SUFFIX.length) : name;
}

/** Whether the engine name carries the stopped marker. */
export function hasStoppedMarker(engineName: string): boolean {
  return engineName.endsWith(STOPPED_NAME_SUFFIX);
}
