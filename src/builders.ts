/**
 * Builders with secure defaults. Each returns a complete, freshly allocated
 * object: nested partials are deep-merged over the defaults, and no array or
 * object is shared between two results or with the input.
 *
 * Unknown keys in the input are kept, not dropped, so that a typo such as
 * `readonly: true` reaches validation and is reported instead of vanishing.
 *
 * @module
 */
import type {
  Capabilities,
  ContainerConfig,
  ResourceLimits,
  SecurityOptions,
  VolumeMount,
} from "./contract/schemas.js";

/**
 * The default resource limits: half a core, 512 MB of memory, 1024 MB of
 * disk, 100 processes. Small on purpose: an agent session asks for more
 * explicitly, and a runaway one stays contained.
 */
export const DEFAULT_RESOURCE_LIMITS: Readonly<ResourceLimits> = Object.freeze({
  cpu: 0.5,
  memory: 512,
  disk: 1024,
  pids: 100,
});

/**
 * The default security options: read-only root file system, no privilege
 * escalation, an unprivileged user `openagent`, every capability dropped.
 * Each loosening has to be asked for.
 */
export const DEFAULT_SECURITY_OPTIONS: {
  readonly readOnly: boolean;
  readonly noNewPrivileges: boolean;
  readonly user: string;
  readonly capabilities: { readonly drop: readonly string[]; readonly add: readonly string[] };
} = Object.freeze({
  readOnly: true,
  noNewPrivileges: true,
  user: "openagent",
  capabilities: Object.freeze({
    drop: Object.freeze(["ALL"]),
    add: Object.freeze([]),
  }),
});

/**
 * The default network of `createDriverConfig`: `none`, no network at all. An
 * agent's container reaches a network only when the caller names one.
 */
export const DEFAULT_NETWORK = "none";

/** Input of {@link createSecurityOptions}: every field optional, `capabilities` too. */
export type SecurityOptionsInput = Partial<Omit<SecurityOptions, "capabilities">> & {
  /** Capabilities to drop and add; a list left out keeps its default. */
  readonly capabilities?: Partial<Capabilities>;
};

/** Input of {@link createDriverConfig}: every field optional, nested objects partial. */
export type DriverConfigInput = Partial<Omit<ContainerConfig, "resources" | "security">> & {
  /** Resource limits; fields left out keep {@link DEFAULT_RESOURCE_LIMITS}. */
  readonly resources?: Partial<ResourceLimits>;
  /** Security options; fields left out keep {@link DEFAULT_SECURITY_OPTIONS}. */
  readonly security?: SecurityOptionsInput;
};

function copyMount(mount: VolumeMount): VolumeMount {
  return isPlainRecord(mount) ? { ...mount } : mount;
}

// The copies below keep a value of the wrong kind as it is, for validation to
// report. Spreading it would change its meaning without a word: a string
// `drop: "ALL"` would become ["A", "L", "L"], which validates and drops nothing.

function copyList<T>(list: readonly T[]): T[] {
  return Array.isArray(list) ? [...list] : (list as T[]);
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function copyRecord(record: Record<string, string> | undefined): Record<string, string> {
  if (record === undefined) return {};
  return isPlainRecord(record) ? { ...record } : record;
}

/**
 * Resource limits with the defaults of {@link DEFAULT_RESOURCE_LIMITS} for
 * every field not given.
 *
 * @example
 * ```ts
 * createResourceLimits({ cpu: 2 }); // { cpu: 2, memory: 512, disk: 1024, pids: 100 }
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createResourceLimits(limits: Partial<ResourceLimits> = {}): ResourceLimits {
  return { ...DEFAULT_RESOURCE_LIMITS, ...definedOnly(limits) };
}

/**
 * Security options with the secure defaults of {@link DEFAULT_SECURITY_OPTIONS}
 * for every field not given; a partial `capabilities` keeps the other list.
 *
 * @example
 * ```ts
 * createSecurityOptions({ capabilities: { add: ["NET_BIND_SERVICE"] } });
 * // drop stays ["ALL"]
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createSecurityOptions(options: SecurityOptionsInput = {}): SecurityOptions {
  const { capabilities, ...rest } = definedOnly(options);
  const mergedCapabilities = { ...DEFAULT_SECURITY_OPTIONS.capabilities, ...definedOnly(capabilities ?? {}) };
  return {
    ...DEFAULT_SECURITY_OPTIONS,
    ...rest,
    capabilities: {
      ...mergedCapabilities,
      drop: copyList(mergedCapabilities.drop),
      add: copyList(mergedCapabilities.add),
    },
  };
}

/**
 * A complete container config: the given fields over the defaults (empty
 * `sessionId` and `image`, no command, empty env, labels and volumes,
 * network `none`, {@link DEFAULT_RESOURCE_LIMITS}, {@link DEFAULT_SECURITY_OPTIONS}).
 * The empty `sessionId` and `image` make a config built from nothing fail
 * validation until both are given.
 *
 * @param input - the fields to set; anything left out keeps its default. Default `{}`.
 * @example
 * ```ts
 * const config = createDriverConfig({
 *   sessionId: "session-1",
 *   image: "alpine:3.20",
 *   resources: { memory: 1024 },
 * });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function createDriverConfig(input: DriverConfigInput = {}): ContainerConfig {
  const { resources, security, command, env, labels, volumes, ...rest } = definedOnly(input);
  return {
    sessionId: "",
    image: "",
    network: DEFAULT_NETWORK,
    ...rest,
    command: command === undefined ? [] : copyList(command),
    env: copyRecord(env),
    labels: copyRecord(labels),
    volumes: volumes === undefined ? [] : Array.isArray(volumes) ? volumes.map(copyMount) : volumes,
    resources: createResourceLimits(resources),
    security: createSecurityOptions(security),
  };
}

/** Drop keys whose value is `undefined`, so that they do not override a default. */
function definedOnly<T extends object>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    // defineProperty, not assignment: a "__proto__" key must stay an own key
    // (and so reach validation) instead of replacing the result's prototype.
    if (entry !== undefined)
      Object.defineProperty(result, key, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return result as T;
}
