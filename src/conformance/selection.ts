/**
 * Which cases run, and which are reported without running: selection by tier
 * and filter, skips (a capability not declared, a status nothing reaches),
 * and the cases a driver's author declared unsupported.
 *
 * @module
 */
import { ConfigurationError } from "../errors.js";
import { CONFORMANCE_CASES } from "./cases/index.js";
import type {
  ConformanceCase,
  ConformanceDriverInfo,
  ConformanceTier,
  ResolvedConformanceOptions,
  UnsupportedCases,
} from "./types.js";

/** The ids a case answers to: its id, then its former ids. */
function idsOf(conformanceCase: Pick<ConformanceCase, "id" | "formerIds">): readonly string[] {
  return [conformanceCase.id, ...(conformanceCase.formerIds ?? [])];
}

/**
 * The cases `options` select, in case order: those of the selected tiers
 * whose id (or a former id) contains the filter string or matches the
 * filter pattern.
 *
 * @param options - `tiers` and `filter`; default `{}`: every case.
 * @param cases - the list to select from, so a caller can add cases of its
 *   own. Default {@link CONFORMANCE_CASES}.
 * @example
 * ```ts
 * selectCases({ filter: "lifecycle.start" }).map((c) => c.id);
 * ```
 */
export function selectCases(
  options: {
    readonly tiers?: readonly ConformanceTier[] | undefined;
    readonly filter?: string | RegExp | undefined;
  } = {},
  cases: readonly ConformanceCase[] = CONFORMANCE_CASES,
): ConformanceCase[] {
  const { tiers, filter } = options;
  return cases.filter((conformanceCase) => {
    if (tiers !== undefined && !tiers.includes(conformanceCase.tier)) return false;
    if (filter === undefined) return true;
    return idsOf(conformanceCase).some((id) => {
      if (typeof filter === "string") return id.includes(filter);
      filter.lastIndex = 0;
      return filter.test(id);
    });
  });
}

/**
 * Whether `id` matches an `unsupported` key: the id itself, or a pattern in
 * which `*` stands for any characters (and nothing else is special).
 *
 * @example
 * ```ts
 * matchesCaseKey("networks.use.none", "networks.use.*"); // true
 * ```
 */
export function matchesCaseKey(id: string, key: string): boolean {
  if (!key.includes("*")) return id === key;
  const pattern = key
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(id);
}

/**
 * The reason the driver's author gave for not supporting the case, or
 * `undefined`. The first key (in the object's order) that matches the
 * case's id or a former id wins.
 *
 * @example
 * ```ts
 * unsupportedReasonFor(conformanceCase, resolveConformanceOptions({ unsupported: { "networks.use.none": "no isolation" } }));
 * ```
 */
export function unsupportedReasonFor(
  conformanceCase: Pick<ConformanceCase, "id" | "formerIds">,
  options: Pick<ResolvedConformanceOptions, "unsupported">,
): string | undefined {
  for (const [key, reason] of Object.entries(options.unsupported)) {
    if (idsOf(conformanceCase).some((id) => matchesCaseKey(id, key))) return reason;
  }
  return undefined;
}

/**
 * `unsupported` checked: each key a case id or pattern that matches at least
 * one case (a typo would otherwise let a case run that the author meant to
 * declare, or hide nothing and mislead), each reason a non-empty string.
 * Throws one `ConfigurationError` listing every problem.
 *
 * @example
 * ```ts
 * checkUnsupported({ "networks.use.nonee": "typo" }); // ConfigurationError: matches no case
 * ```
 */
export function checkUnsupported(
  unsupported: unknown,
  cases: readonly ConformanceCase[] = CONFORMANCE_CASES,
): UnsupportedCases {
  if (unsupported === undefined) return {};
  if (typeof unsupported !== "object" || unsupported === null || Array.isArray(unsupported)) {
    throw new ConfigurationError("unsupported must be an object of case id or pattern → reason", {
      issues: [{ path: "unsupported", message: "must be an object" }],
    });
  }
  const issues: { path: string; message: string }[] = [];
  for (const [key, reason] of Object.entries(unsupported)) {
    if (typeof reason !== "string" || reason.trim() === "") {
      issues.push({ path: `unsupported.${key}`, message: "needs a reason: say why the driver cannot honour it" });
    }
    if (!cases.some((conformanceCase) => idsOf(conformanceCase).some((id) => matchesCaseKey(id, key)))) {
      issues.push({ path: `unsupported.${key}`, message: "matches no case id (run with --list to see them)" });
    }
  }
  if (issues.length > 0) {
    throw new ConfigurationError(
      `unsupported cannot be used: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`,
      { issues },
    );
  }
  return Object.freeze({ ...(unsupported as Record<string, string>) });
}

/**
 * Why the case must be skipped for this driver and these options, or
 * `undefined`; the runner and `describeConformance` share it, so both skip
 * the same cases for the same reason.
 *
 * @example
 * ```ts
 * const options = resolveConformanceOptions({});
 * const reasons = CONFORMANCE_CASES.map((c) => skipReasonFor(c, describeDriver(driver), options));
 * ```
 */
export function skipReasonFor(
  conformanceCase: ConformanceCase,
  driver: ConformanceDriverInfo,
  options: ResolvedConformanceOptions,
): string | undefined {
  if (conformanceCase.skipReason !== undefined) return conformanceCase.skipReason;
  if (conformanceCase.tier !== "core" && !driver.capabilities.includes(conformanceCase.tier)) {
    return `the driver does not declare the "${conformanceCase.tier}" capability`;
  }
  return conformanceCase.skipUnless?.(withDriverDefaults(options, driver), driver);
}

/**
 * `options` with what the driver itself states filled in: its own `limits`
 * when the options give none.
 *
 * @example
 * ```ts
 * withDriverDefaults(resolveConformanceOptions({}), describeDriver(new DockerDriver())).limits; // the driver's maxima
 * ```
 */
export function withDriverDefaults(
  options: ResolvedConformanceOptions,
  driver: ConformanceDriverInfo,
): ResolvedConformanceOptions {
  if (options.limits !== undefined || driver.limits === undefined) return options;
  return { ...options, limits: driver.limits };
}
