/**
 * The checks of a request before any engine call. `createContainer` has one
 * pre-flight that reports every problem of a config at once, in one
 * `ConfigurationError` with a path per issue: the contract's schema, the
 * driver's own rules (reserved label keys, memory below the engine's
 * minimum, network `host`) and the bind-mount policy. When the schema fails,
 * the driver's rules and the policy still run on whatever parts of the input
 * can be read, so a caller fixes everything in one round.
 *
 * The driver's limits are a later, separate check: exceeding them is a
 * `ResourceLimitError` (the contract's C-LIMITS), not a configuration
 * problem.
 *
 * @module
 */
import {
  ConfigurationError,
  type ConfigurationIssue,
  type ContainerConfig,
  containerConfigIssues,
  parseContainerConfig,
  RESERVED_LABEL_PREFIX,
  type ResourceLimits,
  ResourceLimitError,
} from "../../../src/index.js";
import { bindMountIssues, type MountSource } from "./bind-policy.js";
import { reservedKeysIn } from "./labels.js";
import { ENGINE_MIN_MEMORY_MB } from "./mapping.js";

/** The parts of a container config the driver's own rules and the bind policy read. */
export type DriverRuleInput = {
  /** The config's labels, or `undefined` when absent or unreadable. */
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** `resources.memory`, as given. */
  readonly memory: unknown;
  /** `network`, as given. */
  readonly network: unknown;
  /** The mounts, index for index; `undefined` where a mount cannot be read. */
  readonly volumes: readonly (MountSource | undefined)[];
};

/** What the pre-flight needs from the driver. */
export type PreflightOptions = {
  /** The driver's normalised `allowedBindSources`. */
  readonly allowedBindSources: readonly string[];
};

/** Either the validated config, or every issue found. */
export type PreflightResult =
  | { readonly ok: true; readonly config: ContainerConfig }
  | { readonly ok: false; readonly issues: readonly ConfigurationIssue[] };

/**
 * The Docker driver's own rules for a container config, as issues. Never
 * throws.
 *
 * @example
 * ```ts
 * driverRuleIssues({ labels: {}, memory: 4, network: "host", volumes: [] });
 * // [{ path: "resources.memory", ... }, { path: "network", ... }]
 * ```
 */
export function driverRuleIssues(input: DriverRuleInput): ConfigurationIssue[] {
  const issues: ConfigurationIssue[] = reservedKeys(input.labels).map((key) => ({
    path: `labels.${key}`,
    message: `keys starting with '${RESERVED_LABEL_PREFIX}' are reserved for the driver's ownership labels`,
  }));
  if (typeof input.memory === "number" && Number.isFinite(input.memory) && input.memory < ENGINE_MIN_MEMORY_MB) {
    issues.push({ path: "resources.memory", message: `the engine needs at least ${ENGINE_MIN_MEMORY_MB} MB` });
  }
  if (input.network === "host") {
    issues.push({
      path: "network",
      message: "'host' would share the host's network stack and defeat isolation; create a network instead",
    });
  }
  return issues;
}

/**
 * Every problem of `input` as a container config for this driver: schema
 * issues first, then the driver's rules, then the bind-mount policy. Never
 * throws, whatever `input` is (a getter or a Proxy trap that throws makes
 * that part unreadable, not the check).
 *
 * @example
 * ```ts
 * const result = await containerConfigPreflight(input, { allowedBindSources: [] });
 * if (!result.ok) console.log(result.issues.map((issue) => issue.path));
 * ```
 */
export async function containerConfigPreflight(input: unknown, options: PreflightOptions): Promise<PreflightResult> {
  const schemaIssues = containerConfigIssues(input);
  // The schema adds no defaults, so a valid input and its parse hold the same values; the parse is a copy
  // that no getter of the caller can change between the checks and the create.
  const config = schemaIssues.length === 0 ? parseContainerConfig(input) : undefined;
  const parts =
    config === undefined
      ? readableParts(input)
      : { labels: config.labels, memory: config.resources.memory, network: config.network, volumes: config.volumes };
  const issues = [
    ...schemaIssues,
    ...driverRuleIssues(parts),
    ...(await bindMountIssues(parts.volumes, options.allowedBindSources)),
  ];
  if (config !== undefined && issues.length === 0) return { ok: true, config };
  return { ok: false, issues };
}

/**
 * The validated config, or one `ConfigurationError` listing every problem
 * that {@link containerConfigPreflight} found, each with its path.
 *
 * @example
 * ```ts
 * const config = await preflightContainerConfig(input, { allowedBindSources: driver.allowedBindSources });
 * ```
 */
export async function preflightContainerConfig(input: unknown, options: PreflightOptions): Promise<ContainerConfig> {
  const result = await containerConfigPreflight(input, options);
  if (result.ok) return result.config;
  const listed = result.issues.map((issue) => `${issue.path === "" ? "(root)" : issue.path}: ${issue.message}`);
  const count = `${listed.length} problem${listed.length === 1 ? "" : "s"}`;
  throw new ConfigurationError(`Invalid container config for the Docker driver (${count}): ${listed.join("; ")}`, {
    issues: result.issues,
    context: { what: "container config" },
  });
}

/**
 * The driver's limits, checked after the pre-flight: a request above one is a
 * `ResourceLimitError` naming the resource, the limit and the request (the
 * contract's C-LIMITS), not a configuration problem.
 *
 * @example
 * ```ts
 * checkResourceLimits(config.resources, { cpu: 2, memory: 4096, pids: 32_768 }); // throws for cpu 4
 * ```
 */
export function checkResourceLimits(
  requested: ResourceLimits,
  limits: Readonly<{ cpu: number; memory: number; pids: number }>,
): void {
  const { cpu, memory, pids } = requested;
  if (cpu > limits.cpu) throw new ResourceLimitError("cpu", limits.cpu, cpu);
  if (memory > limits.memory) throw new ResourceLimitError("memory", limits.memory, memory);
  if (pids > limits.pids) throw new ResourceLimitError("pids", limits.pids, pids);
}

/**
 * Refuse label keys under the reserved prefix, with a `ConfigurationError`
 * naming each (`<path>.<key>`): a config must not forge another namespace's
 * ownership. For volume and network configs, after their parse.
 */
export function refuseReservedLabels(labels: Readonly<Record<string, string>> | undefined, path: string): void {
  const reserved = reservedKeysIn(labels);
  if (reserved.length > 0) {
    throw new ConfigurationError(
      `Label keys starting with '${RESERVED_LABEL_PREFIX}' are reserved: ${reserved.join(", ")}`,
      {
        issues: reserved.map((key) => ({
          path: `${path}.${key}`,
          message: "reserved for the driver's ownership labels",
        })),
      },
    );
  }
}

/** An id argument must be a string; anything else is a `ConfigurationError` before any engine call. */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new ConfigurationError(`${what} must be a string`, { issues: [{ path: "", message: "must be a string" }] });
  }
  return value;
}

/** `read()`, or `undefined` when reading throws. */
function readSafely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** `value` when it is an object other than an array (`Array.isArray` throws for a revoked Proxy). */
function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && readSafely(() => Array.isArray(value)) === false
    ? (value as Record<string, unknown>)
    : undefined;
}

function reservedKeys(labels: Readonly<Record<string, string>> | undefined): string[] {
  return readSafely(() => reservedKeysIn(labels)) ?? [];
}

/** A mount as far as it can be read: a string `source` and a known or absent `type`. */
function readMount(value: unknown): MountSource | undefined {
  const mount = asRecord(value);
  const source = readSafely(() => mount?.source);
  const type = readSafely(() => mount?.type);
  if (typeof source !== "string") return undefined;
  if (type === undefined) return { source };
  return type === "bind" || type === "volume" ? { source, type } : undefined;
}

/** The parts of an input that failed the schema which the driver's rules can still judge. */
function readableParts(input: unknown): DriverRuleInput {
  const config = asRecord(input);
  const labels = asRecord(readSafely(() => config?.labels));
  const resources = asRecord(readSafely(() => config?.resources));
  const volumes = readSafely(() => config?.volumes);
  const length = readSafely(() => (Array.isArray(volumes) ? volumes.length : 0)) ?? 0;
  const mounts: (MountSource | undefined)[] = [];
  for (let index = 0; index < length; index += 1) {
    mounts.push(readSafely(() => readMount((volumes as unknown[])[index])));
  }
  return {
    labels: labels as Readonly<Record<string, string>> | undefined,
    memory: readSafely(() => resources?.memory),
    network: readSafely(() => config?.network),
    volumes: mounts,
  };
}
