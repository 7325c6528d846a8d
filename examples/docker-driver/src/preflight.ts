/**
 * The checks of a request before any engine call. `createContainer` has one
 * pre-flight that reports every problem of a config at once, in one
 * `ConfigurationError` with a path per issue: the contract's schema, the
 * driver's own rules (reserved label keys, memory below the engine's
 * minimum, network `host`, mount targets the engine owns) and the bind-mount
 * policy. When the schema fails, the driver's rules and the policy still run
 * on whatever parts of the input can be read, so a caller fixes everything
 * in one round; an input beyond the size limits (`INPUT_LIMITS`) is refused
 * by its size alone, before anything reads it element by element.
 *
 * The driver's limits are a later, separate check: exceeding them is a
 * `ResourceLimitError` (the contract's C-LIMITS), not a configuration
 * problem.
 *
 * @module
 */
import path from "node:path";
import {
  CONFIG_LIMITS,
  ConfigurationError,
  type ConfigurationIssue,
  type ContainerConfig,
  containerConfigIssues,
  INPUT_LIMITS,
  inputSizeIssue,
  parseContainerConfig,
  RESERVED_LABEL_PREFIX,
  type ResourceLimits,
  ResourceLimitError,
} from "../../../src/index.js";
import { bindMountIssues, type MountSource } from "./bind-policy.js";
import { reservedKeysIn } from "./labels.js";
import { ENGINE_MIN_MEMORY_MB } from "./mapping.js";

/**
 * A mount as far as the driver's rules could read it: the fields that decide
 * its host side (`source` absent when unreadable or not a string), and its
 * target when it is a string.
 */
export type MountInput = Partial<MountSource> & { readonly target?: string };

/** The parts of a container config the driver's own rules and the bind policy read. */
export type DriverRuleInput = {
  /** The config's labels, or `undefined` when absent or unreadable. */
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** `resources.memory`, as given. */
  readonly memory: unknown;
  /** `network`, as given. */
  readonly network: unknown;
  /** The mounts, index for index; `undefined` where a mount cannot be read. */
  readonly volumes: readonly (MountInput | undefined)[];
};

/**
 * Mount targets the engine owns: it mounts its own file systems at `/proc`,
 * `/sys` and `/dev` and its own files at `/etc/hosts`, `/etc/hostname` and
 * `/etc/resolv.conf`. A mount over `/proc` fails at start with the engine's
 * 500, one over `/dev` or one of those files fails at start too (after the
 * create succeeded), and one over `/sys` or a path under `/dev` would hide
 * what the runtime put there; `/` cannot be a mount target at all.
 */
export const RESERVED_MOUNT_TARGETS = Object.freeze({
  /** These and everything under them. */
  trees: Object.freeze(["/proc", "/sys", "/dev"]),
  /** Exactly these. */
  paths: Object.freeze(["/", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]),
});

/**
 * How `inputSizeIssue` reports an input that threw while being read rather
 * than one too large (`unreadableIssue` in the package's validation/bounds.ts):
 * such an input is still judged part by part, whatever of it can be read.
 */
const UNREADABLE_INPUT = /^the value could not be read/;

/** Why the engine cannot take a mount at `target`, or `undefined` when it can. */
function reservedTargetProblem(target: string): string | undefined {
  // The engine cleans a target the way path.posix.normalize does; compare what it would mount on.
  const normalized = path.posix.normalize(target).replace(/(.)\/+$/, "$1");
  const tree = RESERVED_MOUNT_TARGETS.trees.find((root) => normalized === root || normalized.startsWith(`${root}/`));
  if (tree !== undefined) {
    return `'${tree}' and everything under it belong to the runtime (it mounts its own file system there); mount elsewhere`;
  }
  if (RESERVED_MOUNT_TARGETS.paths.includes(normalized)) {
    return normalized === "/"
      ? "'/' cannot be a mount target; mount at a directory such as /data"
      : `'${normalized}' belongs to the runtime, which writes it for every container; mount elsewhere`;
  }
  return undefined;
}

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
  for (const [index, mount] of input.volumes.entries()) {
    const problem = typeof mount?.target === "string" ? reservedTargetProblem(mount.target) : undefined;
    if (problem !== undefined) issues.push({ path: `volumes.${index}.target`, message: problem });
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
  // Too large to read element by element: its size is the one problem reported (the schema would say the
  // same), and the driver's rules must not read it either (a million labels cost a second to list).
  const tooLarge = inputSizeIssue(input);
  if (tooLarge !== undefined && !UNREADABLE_INPUT.test(tooLarge.message)) return { ok: false, issues: [tooLarge] };
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
    ...(await bindMountIssues(parts.volumes.map(hostSide), options.allowedBindSources)),
  ];
  if (config !== undefined && issues.length === 0) return { ok: true, config };
  return { ok: false, issues: capIssues(issues) };
}

/** The fields the bind policy judges, when the mount's source could be read. */
function hostSide(mount: MountInput | undefined): MountSource | undefined {
  return typeof mount?.source === "string" ? { ...mount, source: mount.source } : undefined;
}

/** At most `INPUT_LIMITS.issues` issues and one that counts the rest, as the package's parse functions list them. */
function capIssues(issues: ConfigurationIssue[]): ConfigurationIssue[] {
  if (issues.length <= INPUT_LIMITS.issues) return issues;
  const rest = issues.length - INPUT_LIMITS.issues;
  return [...issues.slice(0, INPUT_LIMITS.issues), { path: "", message: `and ${rest} more problem(s)` }];
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

/**
 * A mount as far as it can be read: a string `source`, a known or absent
 * `type`, `readOnly` only when it is `true` (anything else reads as
 * writable), and a string `target` when there is one.
 */
function readMount(value: unknown): MountInput | undefined {
  const mount = asRecord(value);
  const source = readSafely(() => mount?.source);
  const type = readSafely(() => mount?.type);
  const readOnly = readSafely(() => mount?.readOnly) === true;
  const target = readSafely(() => mount?.target);
  return {
    ...(typeof source === "string" && (type === undefined || type === "bind" || type === "volume")
      ? { source, readOnly, ...(type === undefined ? {} : { type }) }
      : {}),
    ...(typeof target === "string" ? { target } : {}),
  };
}

/** The parts of an input that failed the schema which the driver's rules can still judge. */
function readableParts(input: unknown): DriverRuleInput {
  const config = asRecord(input);
  const labels = asRecord(readSafely(() => config?.labels));
  const resources = asRecord(readSafely(() => config?.resources));
  const volumes = readSafely(() => config?.volumes);
  // The schema refuses more mounts than CONFIG_LIMITS.volumes; the rules judge no more than that many.
  const length = Math.min(readSafely(() => (Array.isArray(volumes) ? volumes.length : 0)) ?? 0, CONFIG_LIMITS.volumes);
  const mounts: (MountInput | undefined)[] = [];
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
