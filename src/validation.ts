/**
 * Validation against the contract's schemas: boolean validators that never
 * throw, and parse functions that return the typed value or throw one
 * `ConfigurationError` listing every problem with its path.
 *
 * @module
 */
import { z } from "zod";
import { INPUT_LIMITS } from "./contract/rules.js";
import { type ConfigurationIssue, ConfigurationError, describeValue, getErrorMessage } from "./errors.js";
import { inputSizeIssue } from "./validation/bounds.js";

export { inputSizeIssue };
import {
  type ContainerConfig,
  ContainerConfigSchema,
  type ContainerFilter,
  ContainerFilterSchema,
  type LogOptions,
  LogOptionsSchema,
  type NetworkConfig,
  NetworkConfigSchema,
  type ResourceLimits,
  ResourceLimitsSchema,
  type SecurityOptions,
  SecurityOptionsSchema,
  type StopOptions,
  StopOptionsSchema,
  type VolumeConfig,
  VolumeConfigSchema,
  type VolumeMount,
  VolumeMountSchema,
} from "./contract/schemas.js";

type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: ConfigurationIssue[] };

/** The longest path an issue shows; a hostile key must not make a message of megabytes. */
const MAX_PATH_LENGTH = 1_024;

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    text += text === "" ? describeValue(segment, 128) : `.${describeValue(segment, 128)}`;
    if (text.length > MAX_PATH_LENGTH) return `${text.slice(0, MAX_PATH_LENGTH)}…`;
  }
  return text;
}

/**
 * Zod reports a bad record key as one "Invalid key in record" issue with the
 * real reasons nested inside, and unknown keys as one issue at the parent;
 * callers need each reason at its own path.
 */
function toConfigurationIssues(issue: z.core.$ZodIssue): ConfigurationIssue[] {
  const path = formatPath(issue.path);
  if (issue.code === "invalid_key") {
    return issue.issues.map((inner) => ({ path, message: `invalid key: ${inner.message}` }));
  }
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: "unknown key: it is not part of the contract (check the spelling)",
    }));
  }
  return [{ path, message: issue.message }];
}

/** At most `INPUT_LIMITS.issues` issues, and one more that counts the rest. */
function capIssues(issues: ConfigurationIssue[]): ConfigurationIssue[] {
  if (issues.length <= INPUT_LIMITS.issues) return issues;
  const rest = issues.length - INPUT_LIMITS.issues;
  return [...issues.slice(0, INPUT_LIMITS.issues), { path: "", message: `and ${rest} more problem(s)` }];
}

const compiledSchemas = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema with Zod's compiled fast path (`z.compile`), made on first use
 * rather than at import so that an application that never validates pays
 * nothing. Valid input takes the generated code; invalid input falls back to
 * the schema's own parser, so issues are exactly the schema's. Left
 * uncompiled where `z.compile` is missing (older Zod 4 releases) or where the
 * application has set `z.config({ jitless: true })` (no `new Function`).
 */
function compiled<T extends z.ZodType>(schema: T): T {
  let fast = compiledSchemas.get(schema);
  if (fast === undefined) {
    fast = typeof z.compile === "function" && z.config().jitless !== true ? z.compile(schema) : schema;
    compiledSchemas.set(schema, fast);
  }
  return fast as T;
}

/**
 * `safeParse` through the compiled fast path. The generated code can touch
 * the input in ways the runtime parser does not (an `in` test, for one), so a
 * value that throws there is handed to the runtime parser, whose answer is the
 * schema's answer.
 */
function safeParseFast<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  try {
    return compiled(schema).safeParse(value);
  } catch {
    return schema.safeParse(value);
  }
}

/**
 * Run a schema over untrusted input: first the size check
 * ({@link inputSizeIssue}), so nothing per element runs on an oversized
 * input; then the schema. Zod reports ordinary problems as issues; a value
 * that throws while being read (a getter, a Proxy trap) becomes one issue at
 * the root, so no caller ever sees the input's own exception. Validators and
 * parsers share this one path, so they cannot disagree.
 */
function check<T>(schema: z.ZodType<T>, value: unknown): Outcome<T> {
  const tooLarge = inputSizeIssue(value);
  if (tooLarge !== undefined) return { ok: false, issues: [tooLarge] };
  try {
    const result = safeParseFast(schema, value);
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, issues: capIssues(result.error.issues.flatMap((issue) => toConfigurationIssues(issue))) };
  } catch (error) {
    return { ok: false, issues: [{ path: "", message: `the value could not be read: ${getErrorMessage(error)}` }] };
  }
}

/**
 * The issues `schema` finds in `value`, each with its path; empty when it is
 * valid. Bounded and never throwing, like every validator of the package:
 * use it for a schema of your own that extends the contract's.
 *
 * @example
 * ```ts
 * const MyConfigSchema = ContainerConfigSchema.extend({ gpu: z.boolean().optional() });
 * issuesWithSchema(MyConfigSchema, input); // [] when valid
 * ```
 */
export function issuesWithSchema(schema: z.ZodType, value: unknown): ConfigurationIssue[] {
  const outcome = check(schema, value);
  return outcome.ok ? [] : outcome.issues;
}

/**
 * Whether `schema` accepts `value`, never throwing, with the same answer as
 * {@link parseWithSchema}.
 *
 * @example
 * ```ts
 * if (validateWithSchema(StopOptionsSchema, options)) await driver.stopContainer(id, options);
 * ```
 */
export function validateWithSchema<T>(schema: z.ZodType<T>, value: unknown): value is T {
  return check(schema, value).ok;
}

/**
 * The value `schema` parses from `value`, or a `ConfigurationError` listing
 * every problem with its path (at most 100, then a count of the rest).
 *
 * @param what - what the value is, for the message (`"container config"`). Default `"value"`.
 * @example
 * ```ts
 * const config = parseWithSchema(ContainerConfigSchema, JSON.parse(body), "container config");
 * ```
 */
export function parseWithSchema<T>(schema: z.ZodType<T>, value: unknown, what = "value"): T {
  const outcome = check(schema, value);
  if (outcome.ok) return outcome.value;
  const listed = outcome.issues.map((issue) => `${issue.path === "" ? "(root)" : issue.path}: ${issue.message}`);
  throw new ConfigurationError(
    `Invalid ${what} (${listed.length} problem${listed.length === 1 ? "" : "s"}): ${listed.join("; ")}`,
    { issues: outcome.issues, context: { what } },
  );
}

/**
 * Issues found in `value` as a `ContainerConfig`, each with its path; empty
 * when it is valid. Never throws.
 *
 * @example
 * ```ts
 * containerConfigIssues({ sessionId: "" }); // [{ path: "sessionId", message: "..." }, ...]
 * ```
 */
export function containerConfigIssues(value: unknown): ConfigurationIssue[] {
  return issuesWithSchema(ContainerConfigSchema, value);
}

/**
 * Whether `value` is a valid {@link ContainerConfig}. Never throws, whatever
 * `value` is.
 *
 * @example
 * ```ts
 * if (validateContainerConfig(config)) await driver.createContainer(config);
 * ```
 */
export function validateContainerConfig(value: unknown): value is ContainerConfig {
  return validateWithSchema(ContainerConfigSchema, value);
}

/**
 * Whether `value` is valid {@link ResourceLimits}. Never throws.
 *
 * @example
 * ```ts
 * validateResourceLimits({ cpu: 1, memory: 512, disk: 1024, pids: 64 }); // true
 * ```
 */
export function validateResourceLimits(value: unknown): value is ResourceLimits {
  return validateWithSchema(ResourceLimitsSchema, value);
}

/**
 * Whether `value` is valid {@link SecurityOptions}. Never throws.
 *
 * @example
 * ```ts
 * validateSecurityOptions(createSecurityOptions()); // true
 * ```
 */
export function validateSecurityOptions(value: unknown): value is SecurityOptions {
  return validateWithSchema(SecurityOptionsSchema, value);
}

/**
 * Parse a {@link ContainerConfig}, or throw `ConfigurationError` listing every
 * problem with its path.
 *
 * @example
 * ```ts
 * const config = parseContainerConfig(JSON.parse(body));
 * ```
 */
export function parseContainerConfig(value: unknown): ContainerConfig {
  return parseWithSchema(ContainerConfigSchema, value, "container config");
}

/**
 * Parse {@link ResourceLimits}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseResourceLimits({ cpu: 1, memory: 512, disk: 1024, pids: 64 });
 * ```
 */
export function parseResourceLimits(value: unknown): ResourceLimits {
  return parseWithSchema(ResourceLimitsSchema, value, "resource limits");
}

/**
 * Parse {@link SecurityOptions}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseSecurityOptions(createSecurityOptions({ user: "1000" }));
 * ```
 */
export function parseSecurityOptions(value: unknown): SecurityOptions {
  return parseWithSchema(SecurityOptionsSchema, value, "security options");
}

/**
 * Parse a {@link VolumeMount}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseVolumeMount({ source: "data", target: "/data" });
 * ```
 */
export function parseVolumeMount(value: unknown): VolumeMount {
  return parseWithSchema(VolumeMountSchema, value, "volume mount");
}

/**
 * Parse a {@link VolumeConfig}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseVolumeConfig({ name: "workspace" });
 * ```
 */
export function parseVolumeConfig(value: unknown): VolumeConfig {
  return parseWithSchema(VolumeConfigSchema, value, "volume config");
}

/**
 * Parse a {@link NetworkConfig}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseNetworkConfig({ name: "agents" });
 * ```
 */
export function parseNetworkConfig(value: unknown): NetworkConfig {
  return parseWithSchema(NetworkConfigSchema, value, "network config");
}

/**
 * Parse a {@link ContainerFilter} (`undefined` means no filter), or throw
 * `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseContainerFilter({ status: "running" });
 * ```
 */
export function parseContainerFilter(value: unknown): ContainerFilter {
  return parseWithSchema(ContainerFilterSchema, value ?? {}, "container filter");
}

/**
 * Parse {@link StopOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseStopOptions({ timeout: 5_000 });
 * ```
 */
export function parseStopOptions(value: unknown): StopOptions {
  return parseWithSchema(StopOptionsSchema, value ?? {}, "stop options");
}

/**
 * Parse {@link LogOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseLogOptions({ tail: 100, timestamps: true });
 * ```
 */
export function parseLogOptions(value: unknown): LogOptions {
  return parseWithSchema(LogOptionsSchema, value ?? {}, "log options");
}

// ---------------------------------------------------------------------------
// Capability `files` (contract 1.1)
// ---------------------------------------------------------------------------

import {
  type FileContent,
  type ReadFileOptions,
  ReadFileOptionsSchema,
  type WriteFileOptions,
  WriteFileOptionsSchema,
} from "./contract/files.js";
import { FilePathSchema } from "./contract/rules.js";

/** A file path as the one field `path`, so that an issue names the argument a caller got wrong. */
const FilePathArgumentSchema = z.object({ path: FilePathSchema });

/**
 * Parse the `path` argument of `writeFile`, `readFile` and `readFileStream`
 * ({@link FilePathSchema}: absolute, normalised, no control characters, not
 * `/`), or throw `ConfigurationError` whose issues name `path`.
 *
 * @example
 * ```ts
 * parseFilePath("/workspace/input.json"); // "/workspace/input.json"
 * parseFilePath("../etc/passwd"); // throws ConfigurationError, issue path "path"
 * ```
 */
export function parseFilePath(value: unknown): string {
  return parseWithSchema(FilePathArgumentSchema, { path: value }, "file path").path;
}

/**
 * Parse {@link WriteFileOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseWriteFileOptions({ mode: 0o600 });
 * ```
 */
export function parseWriteFileOptions(value: unknown): WriteFileOptions {
  return parseWithSchema(WriteFileOptionsSchema, value ?? {}, "write file options");
}

/**
 * Parse {@link ReadFileOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseReadFileOptions({ maxBytes: 1_048_576 });
 * ```
 */
export function parseReadFileOptions(value: unknown): ReadFileOptions {
  return parseWithSchema(ReadFileOptionsSchema, value ?? {}, "read file options");
}

/**
 * Check the `content` argument of `writeFile`: a string, a `Uint8Array`, or
 * an object with `Symbol.asyncIterator` (whose chunks the driver checks as it
 * reads them). Returns it unchanged, or throws `ConfigurationError` whose
 * issue names `content`. No schema: content is not bounded by the input
 * limits, since a file may be as large as the caller likes.
 *
 * @example
 * ```ts
 * parseFileContent(new Uint8Array([1, 2, 3])); // the same bytes
 * parseFileContent(42); // throws ConfigurationError, issue path "content"
 * ```
 */
export function parseFileContent(value: unknown): FileContent {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  if (isAsyncIterable(value)) return value;
  const message = `must be a string, a Uint8Array or an AsyncIterable of Uint8Array chunks; it is ${describeValue(value, 64)}`;
  throw new ConfigurationError(`Invalid file content: ${message}`, {
    issues: [{ path: "content", message }],
    context: { what: "file content" },
  });
}

/** Whether `value` has a `Symbol.asyncIterator` method; never throws (a hostile Proxy is simply not iterable). */
function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
    );
  } catch {
    return false;
  }
}
