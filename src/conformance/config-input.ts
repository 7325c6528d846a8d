/**
 * `ConformanceOptions.baseConfig`: merging it under a case's own config
 * input, and refusing one that cannot work before any case runs.
 *
 * @module
 */
import { createDriverConfig, type DriverConfigInput } from "../builders.js";
import { ConfigurationError, type ConfigurationIssue } from "../errors.js";
import { containerConfigIssues } from "../validation.js";

/** Fields a base config may not set: every case needs its own. */
const PER_CASE_FIELDS = ["sessionId", "idempotencyKey"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeRecords<T>(base: T | undefined, input: T | undefined): T | undefined {
  if (!isRecord(base) || !isRecord(input)) return input ?? base;
  return { ...base, ...input } as T;
}

/**
 * `input` over `base`: a field of `input` wins; `resources`, `security`
 * (and its `capabilities`), `env` and `labels` are merged field by field, so
 * a case that sets `security.user` keeps the base's `security.readOnly`.
 * Lists (`command`, `volumes`) are replaced, not merged.
 *
 * @example
 * ```ts
 * mergeConfigInput({ security: { readOnly: false } }, { security: { user: "0:0" } });
 * // { security: { readOnly: false, user: "0:0" } }
 * ```
 */
export function mergeConfigInput(base: DriverConfigInput, input: DriverConfigInput): DriverConfigInput {
  const merged: Record<string, unknown> = { ...base, ...input };
  for (const key of ["resources", "env", "labels"] as const) {
    const value = mergeRecords<unknown>(base[key], input[key]);
    if (value !== undefined) merged[key] = value;
  }
  const security = mergeRecords(base.security, input.security);
  if (security !== undefined) {
    const capabilities = mergeRecords(base.security?.capabilities, input.security?.capabilities);
    merged.security = capabilities === undefined ? security : { ...security, capabilities };
  }
  return merged as DriverConfigInput;
}

/**
 * Why `baseConfig` cannot be used, one issue per problem (paths start with
 * `baseConfig.`); empty when it can. It must be an object, must not set a
 * per-case field, and must give a valid config once a session id and an
 * image are added.
 *
 * @example
 * ```ts
 * baseConfigIssues({ network: "my net" }); // [{ path: "baseConfig.network", message: ... }]
 * ```
 */
export function baseConfigIssues(baseConfig: unknown): ConfigurationIssue[] {
  if (!isRecord(baseConfig)) return [{ path: "baseConfig", message: "must be an object (a DriverConfigInput)" }];
  const issues: ConfigurationIssue[] = [];
  for (const field of PER_CASE_FIELDS) {
    if (field in baseConfig) {
      issues.push({ path: `baseConfig.${field}`, message: "is set per case by the suite; leave it out" });
    }
  }
  const sample = createDriverConfig(
    mergeConfigInput({ sessionId: "conformance-probe", image: "probe" }, baseConfig as DriverConfigInput),
  );
  for (const issue of containerConfigIssues(sample)) {
    issues.push({ path: issue.path === "" ? "baseConfig" : `baseConfig.${issue.path}`, message: issue.message });
  }
  return issues;
}

/**
 * Throw one `ConfigurationError` listing every problem of `baseConfig`, or
 * return it typed.
 *
 * @example
 * ```ts
 * const base = checkBaseConfig(options.baseConfig ?? {});
 * ```
 */
export function checkBaseConfig(baseConfig: unknown): DriverConfigInput {
  const issues = baseConfigIssues(baseConfig);
  if (issues.length > 0) {
    throw new ConfigurationError(
      `baseConfig cannot be used: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`,
      { issues },
    );
  }
  return baseConfig as DriverConfigInput;
}
