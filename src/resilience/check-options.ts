/**
 * Checks of numeric policy options, shared by the resilience utilities. A
 * mistyped option (a negative delay, `maxAttempts: 0`, `NaN` from a bad
 * environment variable) must fail loudly when the policy is built, not turn
 * into a retry loop that never waits or never ends. Internal: not exported
 * from the package.
 *
 * @module
 */
import { type ConfigurationIssue, ConfigurationError } from "../errors.js";

/** The rule one numeric option must follow. */
export type NumberRule = {
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed finite value. Default: none. */
  readonly max?: number;
  /** Whether the value must be an integer. Default: false. */
  readonly integer?: boolean;
  /** Whether `Infinity` is allowed (meaning "no limit"). Default: false. */
  readonly infinite?: boolean;
};

/**
 * Throws one `ConfigurationError` listing every option of `values` that
 * breaks its rule; `undefined` values are skipped (the default applies).
 */
export function checkNumbers(
  what: string,
  values: Readonly<Record<string, number | undefined>>,
  rules: Readonly<Record<string, NumberRule>>,
): void {
  const issues: ConfigurationIssue[] = [];
  for (const [path, rule] of Object.entries(rules)) {
    const value = values[path];
    if (value === undefined) continue;
    if (typeof value !== "number" || Number.isNaN(value)) {
      issues.push({ path, message: "must be a number" });
    } else if (value === Number.POSITIVE_INFINITY && rule.infinite === true) {
      // "no limit" is allowed here
    } else if (!Number.isFinite(value)) {
      issues.push({ path, message: "must be finite" });
    } else if (rule.integer === true && !Number.isInteger(value)) {
      issues.push({ path, message: "must be an integer" });
    } else if (value < rule.min) {
      issues.push({ path, message: `must be at least ${rule.min}` });
    } else if (rule.max !== undefined && value > rule.max) {
      issues.push({ path, message: `must be at most ${rule.max}` });
    }
  }
  if (issues.length > 0) {
    const listed = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    throw new ConfigurationError(`Invalid ${what}: ${listed}`, { issues, context: { what } });
  }
}
