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
  /**
   * The container's engine name as created (containers only), so the markers the driver appends to the name
   * later (moved expiry, stopped) are told apart from the name itself whatever the session id or key holds.
   */
  name: `${prefix}name`,
  /** When the container expires, ms since the epoch, as created from `ttlMs` (containers only); see {@link expiryOf}. */
  expiresAt: `${prefix}expires-at`,
  /** The config's `idempotencyKey` (containers only). */
  idempotencyKey: `${prefix}idempotency-key`,
  /** SHA-256 of the canonical config a keyed container was created from (containers only); see idempotency.ts. */
  configFingerprint: `${prefix}config-fingerprint`,
});

/**
 * Suffix appended to a container's engine name when `stopContainer` stopped
 * it. The engine reports both a stopped and a finished container as
 * `exited`; the name is the one mutable, persistent field the engine keeps for
 * us, so a driver restarted later still tells the two apart.
 */
export const STOPPED_NAME_SUFFIX = ".stopped";

/**
 * Marker of an expiry moved by `setContainerExpiry`, appended to the engine
 * name before the stopped marker: `.expires-<ms since the epoch>`, or
 * `.expires-never` for an expiry cleared. Labels cannot change after create;
 * the name can, is kept by the engine across restarts, and is in every list
 * summary, so a sweep reads every expiry from one list call.
 */
export const EXPIRY_NAME_MARKER = ".expires-";

/** The value of {@link EXPIRY_NAME_MARKER} that says the expiry was cleared. */
export const NO_EXPIRY = "never";

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

/**
 * The engine name of a container created with an idempotency key:
 * `oa-<namespace>-key-<key>`, the same for every create with the key, so the
 * engine itself refuses a second one (409) while the first holds the name.
 */
export function keyedContainerName(namespace: string, idempotencyKey: string): string {
  return `oa-${namespace}-key-${idempotencyKey}`;
}

/**
 * An engine name read into its parts:
 * `<base>[.expires-<ms>|.expires-never][.stopped]`.
 */
export type EngineNameParts = {
  /** The name as created, without markers: the instance's `name`. */
  readonly base: string;
  /** A moved expiry: ms since the epoch, `null` for cleared, `undefined` when not moved (the label holds). */
  readonly expiresAt: number | null | undefined;
  /** Whether `stopContainer` stopped it (see {@link STOPPED_NAME_SUFFIX}). */
  readonly stopped: boolean;
};

/** What follows the created name when the expiry was moved ({@link EXPIRY_NAME_MARKER}). */
const EXPIRY_SUFFIX = /^\.expires-(\d{1,16}|never)$/;
/** The same at the end of a name whose created name is not in a label. */
const LEGACY_EXPIRY_SUFFIX = /^(.+?)\.expires-(\d{1,16}|never)$/;

/**
 * Read an engine name (with or without the engine's leading `/`). With the
 * container's labels, the base is the `org.openagent.name` label and only
 * what follows it is read as markers, so no session id or key can pass for
 * one; without (a container of driver 1.0), the markers are read from the end.
 *
 * @example
 * ```ts
 * engineNameParts("/oa-ns-s1-0a1b2c3d.expires-1700000000000.stopped", { "org.openagent.name": "oa-ns-s1-0a1b2c3d" });
 * // { base: "oa-ns-s1-0a1b2c3d", expiresAt: 1700000000000, stopped: true }
 * ```
 */
export function engineNameParts(engineName: string, labels?: Readonly<Record<string, string>> | null): EngineNameParts {
  const name = engineName.startsWith("/") ? engineName.slice(1) : engineName;
  const stopped = name.endsWith(STOPPED_NAME_SUFFIX);
  const rest = stopped ? name.slice(0, -STOPPED_NAME_SUFFIX.length) : name;
  const created = labels?.[OWNER_LABELS.name];
  if (created !== undefined && rest.startsWith(created)) {
    if (rest.length === created.length) return { base: created, expiresAt: undefined, stopped };
    const marker = EXPIRY_SUFFIX.exec(rest.slice(created.length));
    // Anything else after the created name is a rename by someone else: the whole is the name.
    if (marker !== null) return { base: created, expiresAt: expiryValue(marker[1]), stopped };
    return { base: rest, expiresAt: undefined, stopped };
  }
  const legacy = LEGACY_EXPIRY_SUFFIX.exec(rest);
  if (created === undefined && legacy !== null) {
    return { base: legacy[1] ?? rest, expiresAt: expiryValue(legacy[2]), stopped };
  }
  return { base: rest, expiresAt: undefined, stopped };
}

function expiryValue(text: string | undefined): number | null {
  return text === undefined || text === NO_EXPIRY ? null : Number(text);
}

/**
 * The engine name for `parts`, the inverse of {@link engineNameParts}.
 *
 * @example
 * ```ts
 * formatEngineName({ base: "oa-ns-s1-0a1b2c3d", expiresAt: null, stopped: false }); // "oa-ns-s1-0a1b2c3d.expires-never"
 * ```
 */
export function formatEngineName(parts: EngineNameParts): string {
  const expiry =
    parts.expiresAt === undefined
      ? ""
      : `${EXPIRY_NAME_MARKER}${parts.expiresAt === null ? NO_EXPIRY : String(parts.expiresAt)}`;
  return `${parts.base}${expiry}${parts.stopped ? STOPPED_NAME_SUFFIX : ""}`;
}

/**
 * When the container expires, ms since the epoch, or `undefined` for never:
 * an expiry moved by `setContainerExpiry` (in the name) wins over the one it
 * was created with (the `org.openagent.expires-at` label).
 *
 * @example
 * ```ts
 * expiryOf(summary.Names[0] ?? "", summary.Labels); // read from a list summary, no inspect needed
 * ```
 */
export function expiryOf(
  engineName: string,
  labels: Readonly<Record<string, string>> | null | undefined,
): number | undefined {
  const moved = engineNameParts(engineName, labels).expiresAt;
  if (moved !== undefined) return moved ?? undefined;
  const created = Number(labels?.[OWNER_LABELS.expiresAt] ?? Number.NaN);
  return Number.isFinite(created) ? created : undefined;
}

/** The engine name without the leading `/` and without the driver's markers (stopped, moved expiry). */
export function baseName(engineName: string, labels?: Readonly<Record<string, string>> | null): string {
  return engineNameParts(engineName, labels).base;
}

/** Whether the engine name carries the stopped marker. */
export function hasStoppedMarker(engineName: string): boolean {
  return engineName.endsWith(STOPPED_NAME_SUFFIX);
}
