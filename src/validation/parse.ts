/**
 * The one parse path of the package: a size walk bounded by `INPUT_LIMITS`,
 * then the schema (compiled on first use), then Zod's issues as
 * configuration issues with their paths, capped at 100. Every validator and
 * parser, of the contract's schemas and of a user's own, goes through
 * `check`, so they cannot disagree and none of them throws what the input
 * throws.
 *
 * @module
 */
import { z } from "zod";
import { INPUT_LIMITS } from "../contract/rules.js";
import { type ConfigurationIssue, ConfigurationError, describeValue } from "../errors.js";
import { inputSizeIssue, unreadableIssue } from "./bounds.js";

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

/** How many configuration issues one Zod issue stands for (see {@link toConfigurationIssues}). */
function issueCount(issue: z.core.$ZodIssue): number {
  if (issue.code === "invalid_key") return issue.issues.length;
  if (issue.code === "unrecognized_keys") return issue.keys.length;
  return 1;
}

/**
 * Zod reports a bad record key as one "Invalid key in record" issue with the
 * real reasons nested inside, and unknown keys as one issue at the parent;
 * callers need each reason at its own path. At most `limit` are made: an
 * object with 4,000 unknown keys must not cost 4,000 formatted paths when
 * 100 are shown.
 */
function toConfigurationIssues(issue: z.core.$ZodIssue, limit: number): ConfigurationIssue[] {
  if (issue.code === "invalid_key") {
    const path = formatPath(issue.path);
    return issue.issues.slice(0, limit).map((inner) => ({ path, message: `invalid key: ${inner.message}` }));
  }
  if (issue.code === "unrecognized_keys") {
    return issue.keys.slice(0, limit).map((key) => ({
      path: formatPath([...issue.path, key]),
      message: "unknown key: it is not part of the contract (check the spelling)",
    }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Zod's issues as configuration issues: at most `INPUT_LIMITS.issues`, and one more that counts the rest. */
function cappedIssues(issues: readonly z.core.$ZodIssue[]): ConfigurationIssue[] {
  const listed: ConfigurationIssue[] = [];
  let rest = 0;
  for (const issue of issues) {
    const room = INPUT_LIMITS.issues - listed.length;
    const made = room > 0 ? toConfigurationIssues(issue, room) : [];
    listed.push(...made);
    rest += issueCount(issue) - made.length;
  }
  return rest > 0 ? [...listed, { path: "", message: `and ${rest} more problem(s)` }] : listed;
}

/** Issues gathered from more than one source, capped as {@link cappedIssues} caps Zod's. */
export function capIssues(issues: ConfigurationIssue[]): ConfigurationIssue[] {
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
    return { ok: false, issues: cappedIssues(result.error.issues) };
  } catch (error) {
    return { ok: false, issues: [unreadableIssue(error)] };
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
  throw invalidInput(what, outcome.issues);
}

/** The one `ConfigurationError` of a parse: every issue, each with its path, in the message and in `issues`. */
export function invalidInput(what: string, issues: ConfigurationIssue[]): ConfigurationError {
  const listed = issues.map((issue) => `${issue.path === "" ? "(root)" : issue.path}: ${issue.message}`);
  return new ConfigurationError(
    `Invalid ${what} (${listed.length} problem${listed.length === 1 ? "" : "s"}): ${listed.join("; ")}`,
    { issues, context: { what } },
  );
}
