/**
 * Parsing of what crosses `execInContainer` (capability `exec`, contract
 * 1.1): the request, with its own bound for a long string stdin, and the
 * options.
 *
 * @module
 */
import { type ExecOptions, ExecOptionsSchema, type ExecRequest, ExecRequestSchema } from "../contract/exec.js";
import { INPUT_LIMITS } from "../contract/rules.js";
import { capIssues, invalidInput, issuesWithSchema, parseWithSchema } from "./parse.js";

/**
 * A string `stdin` longer than the generic per-string bound of
 * `INPUT_LIMITS` (1 Mi characters), with the rest of the request, or
 * `undefined` (then the ordinary parse applies, and reports a value that
 * throws while being read). An exec's stdin may be 16 MiB (`CONFIG_LIMITS.execStdinBytes`):
 * its own limit bounds it, so it is checked apart from the rest of the request.
 */
function longStdinOf(value: unknown): { readonly stdin: string; readonly rest: Record<string, unknown> } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    // Inside the try: Array.isArray throws on a revoked Proxy.
    if (Array.isArray(value)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(value, "stdin");
    const stdin: unknown = descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
    if (typeof stdin !== "string" || stdin.length <= INPUT_LIMITS.stringLength) return undefined;
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key !== "stdin") rest[key] = (value as Record<string, unknown>)[key];
    }
    return { stdin, rest };
  } catch {
    // A value that throws while being read: the ordinary parse reports it.
    return undefined;
  }
}

/**
 * Parse an {@link ExecRequest}, or throw `ConfigurationError` listing every
 * problem with its path (`command.0`, `workingDir`, `env.NAME`, `stdin`, ...).
 * A string `stdin` is bounded by its own limit of 16 MiB, not by the
 * 1 Mi-character bound every other string has.
 *
 * @example
 * ```ts
 * parseExecRequest({ command: ["make", "test"], workingDir: "/work", timeoutMs: 60_000 });
 * ```
 */
export function parseExecRequest(value: unknown): ExecRequest {
  const long = longStdinOf(value);
  if (long === undefined) return parseWithSchema(ExecRequestSchema, value, "exec request");
  // The schema's own rule for stdin, run on the string alone: a string is read in one pass, whatever its length.
  const stdin = ExecRequestSchema.shape.stdin.safeParse(long.stdin);
  if (stdin.success) return { ...parseWithSchema(ExecRequestSchema, long.rest, "exec request"), stdin: long.stdin };
  const stdinIssues = stdin.error.issues.map((issue) => ({ path: "stdin", message: issue.message }));
  throw invalidInput("exec request", capIssues([...stdinIssues, ...issuesWithSchema(ExecRequestSchema, long.rest)]));
}

/**
 * Parse {@link ExecOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseExecOptions({ signal: AbortSignal.timeout(5_000), onOutput: ({ text }) => process.stdout.write(text) });
 * ```
 */
export function parseExecOptions(value: unknown): ExecOptions {
  return parseWithSchema(ExecOptionsSchema, value ?? {}, "exec options");
}
