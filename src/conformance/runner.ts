/**
 * The runner: resolves options, selects cases, runs them against fresh
 * drivers (several at once, the exclusive ones alone) with a deadline, sweeps
 * what each case left, closes its driver, and reports. It knows nothing about
 * test frameworks.
 *
 * @module
 */
import { systemClock } from "../clock.js";
import { ConfigurationError, getErrorMessage, isDriverError } from "../errors.js";
import type { ContainerDriver } from "../contract/driver.js";
import { type ResourceLimits, ResourceLimitsSchema } from "../contract/schemas.js";
import { checkBaseConfig } from "./config-input.js";
import { ALL_DRIVER_METHODS, DRIVER_METHOD_TABLE } from "../contract/methods.js";
import { CONFORMANCE_TIERS } from "./types.js";
import { ConformanceCheckError, caseLabelsOf, createCaseHarness, sweep } from "./context.js";
import { CaseScheduler, runOrder } from "./schedule.js";
import { checkUnsupported, selectCases, skipReasonFor, unsupportedReasonFor, withDriverDefaults } from "./selection.js";
import type {
  ConformanceCase,
  ConformanceDriverInfo,
  ConformanceOptions,
  ConformanceReport,
  ConformanceResult,
  DriverFactory,
  ResolvedConformanceOptions,
  StatusArrangers,
} from "./types.js";

export { matchesCaseKey, selectCases, skipReasonFor, unsupportedReasonFor } from "./selection.js";

/** The default image: the busybox image scripts/docker-engine.sh builds locally. */
export const DEFAULT_CONFORMANCE_IMAGE = "openagent-test/busybox:latest";

/**
 * The default command of containers that should run until stopped: sleeps,
 * and exits 0 as soon as SIGTERM arrives, so that a real engine stops it
 * without waiting for its kill timeout.
 */
export const DEFAULT_IDLE_COMMAND: readonly string[] = Object.freeze([
  "sh",
  "-c",
  "trap 'exit 0' TERM; sleep 3600 & wait",
]);

/** Default time a case may take, in ms: generous, because real engines are slow. */
export const DEFAULT_CASE_TIMEOUT_MS = 30_000;

/** Default interval between polls, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 50;

/** Default number of cases that run at once: overlaps a real engine's waits without swamping a small machine. */
export const DEFAULT_CONCURRENCY = 4;

function randomRunId(): string {
  return Math.random().toString(36).slice(2, 10).padEnd(8, "0");
}

/**
 * Apply the defaults to `options`, refusing values that cannot work.
 *
 * @example
 * ```ts
 * resolveConformanceOptions({ tiers: ["core"] }).timeoutMs; // 30000
 * ```
 */
export function resolveConformanceOptions<D extends ContainerDriver = ContainerDriver>(
  options: ConformanceOptions<D> = {},
): ResolvedConformanceOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new ConfigurationError(`concurrency must be a whole number of cases >= 1; it is ${concurrency}`);
  }
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new ConfigurationError(`timeoutMs must be a positive number of ms; it is ${timeoutMs}`);
  }
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs >= 0)) {
    throw new ConfigurationError(`pollIntervalMs must be a number of ms >= 0; it is ${pollIntervalMs}`);
  }
  const runId = options.runId ?? randomRunId();
  if (!/^[a-z0-9]{1,16}$/.test(runId)) {
    throw new ConfigurationError(`runId must be 1-16 characters of [a-z0-9]; it is "${runId}"`);
  }
  return {
    image: options.image ?? DEFAULT_CONFORMANCE_IMAGE,
    idleCommand: options.idleCommand ?? DEFAULT_IDLE_COMMAND,
    tiers: options.tiers ?? CONFORMANCE_TIERS,
    filter: options.filter,
    timeoutMs,
    pollIntervalMs,
    limits: options.limits,
    // The runner hands each hook the factory's own driver, so the narrower parameter type is safe here.
    arrange: (options.arrange ?? {}) as StatusArrangers,
    baseConfig: checkBaseConfig(options.baseConfig ?? {}),
    unsupported: checkUnsupported(options.unsupported),
    concurrency,
    clock: options.clock ?? systemClock,
    runId,
  };
}

/**
 * Name, version and capabilities of a driver, as the report shows them;
 * coerced to strings, so a driver with malformed fields is still reported.
 *
 * @example
 * ```ts
 * describeDriver(new MockDockerDriver()); // { name: "mock-docker", version: "1.1.0", capabilities: ["execution", ...], optionalMethods: ["execInContainer", ...] }
 * ```
 */
export function describeDriver(driver: ContainerDriver): ConformanceDriverInfo {
  const info = {
    name: String(driver.name),
    version: String(driver.version),
    capabilities: Array.isArray(driver.capabilities) ? driver.capabilities.map(String) : [],
    optionalMethods: ALL_DRIVER_METHODS.filter(
      (method) => DRIVER_METHOD_TABLE[method].optional && typeof driver[method] === "function",
    ),
  };
  const limits = ownLimits(driver);
  return limits === undefined ? info : { ...info, limits };
}

/** The driver's `limits` property as resource maxima, when it is one: only valid, known resources count. */
function ownLimits(driver: ContainerDriver): Partial<ResourceLimits> | undefined {
  let declared: unknown;
  try {
    declared = (driver as { readonly limits?: unknown }).limits;
  } catch {
    return undefined;
  }
  if (typeof declared !== "object" || declared === null) return undefined;
  const limits: Partial<Record<keyof ResourceLimits, number>> = {};
  for (const resource of ["cpu", "memory", "disk", "pids"] as const) {
    const value = (declared as Record<string, unknown>)[resource];
    const schema = ResourceLimitsSchema.shape[resource];
    if (typeof value === "number" && value > 0 && schema.safeParse(value).success) limits[resource] = value;
  }
  return Object.keys(limits).length === 0 ? undefined : limits;
}

function failureMessage(error: unknown): string {
  if (error instanceof ConformanceCheckError) return error.message;
  if (isDriverError(error)) return `unexpected ${error.name} (${error.code}): ${error.message}`;
  const name = error instanceof Error ? error.name : typeof error;
  return `unexpected ${name}: ${getErrorMessage(error)}`;
}

/** Settle `promise` within `ms` on `clock`: its value, or `timedOut` when time ran out first. */
async function within<T, U>(
  promise: Promise<T>,
  ms: number,
  options: ResolvedConformanceOptions,
  timedOut: U,
): Promise<T | U> {
  const timer = new AbortController();
  const deadline = options.clock.sleep(ms, timer.signal).then(
    () => timedOut,
    () => timedOut,
  );
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    timer.abort();
  }
}

const TIMED_OUT = Symbol("timed out");

/**
 * Call the driver's `close()`, when it has one, and say what went wrong:
 * `undefined` when it resolved (or there is none), else the problem, which
 * fails the case. Never throws, whatever `close` does.
 *
 * @example
 * ```ts
 * const problem = await closeDriver(driver); // "close() rejected: ..." or undefined
 * ```
 */
export async function closeDriver(driver: ContainerDriver): Promise<string | undefined> {
  let close: unknown;
  try {
    close = (driver as { readonly close?: unknown }).close;
  } catch (error) {
    return `reading close failed: ${getErrorMessage(error)}`;
  }
  if (typeof close !== "function") return undefined;
  try {
    await close.call(driver);
    return undefined;
  } catch (error) {
    return `close() rejected: ${getErrorMessage(error)}`;
  }
}

/** How long a timed-out case may take to notice the abort before its cleanup starts, in ms. */
const ABORT_GRACE_MS = 2_000;

/**
 * Run one case against a fresh driver from `factory` and return its result.
 * Never rejects: every problem, the factory's included, becomes a failed result.
 *
 * @example
 * ```ts
 * const options = resolveConformanceOptions();
 * const driverInfo = describeDriver(await factory());
 * for (const conformanceCase of selectCases(options)) {
 *   const result = await runCase(conformanceCase, factory, driverInfo, options);
 * }
 * ```
 */
export async function runCase(
  conformanceCase: ConformanceCase,
  factory: DriverFactory,
  driverInfo: ConformanceDriverInfo,
  options: ResolvedConformanceOptions,
): Promise<ConformanceResult> {
  const base = {
    id: conformanceCase.id,
    tier: conformanceCase.tier,
    clause: conformanceCase.clause,
    checks: conformanceCase.checks,
    ...(conformanceCase.formerIds === undefined ? {} : { formerIds: conformanceCase.formerIds }),
  };
  const reason = skipReasonFor(conformanceCase, driverInfo, options);
  if (reason !== undefined) return { ...base, status: "skipped", durationMs: 0, reason };
  const unsupported = unsupportedReasonFor(conformanceCase, options);
  if (unsupported !== undefined) return { ...base, status: "unsupported", durationMs: 0, reason: unsupported };
  const caseOptions = withDriverDefaults(options, driverInfo);

  const started = options.clock.now();
  let driver: ContainerDriver;
  try {
    driver = await factory();
  } catch (error) {
    return { ...base, status: "failed", durationMs: 0, error: `the driver factory threw: ${getErrorMessage(error)}` };
  }

  const caseAbort = new AbortController();
  const harness = createCaseHarness(driver, conformanceCase.id, caseOptions, caseAbort.signal);
  const running = Promise.resolve()
    .then(() => conformanceCase.run(harness.context))
    .then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  let failure: string | undefined;
  const outcome = await within(running, options.timeoutMs, options, TIMED_OUT);
  if (outcome === TIMED_OUT) {
    caseAbort.abort(new ConformanceCheckError(`timed out after ${options.timeoutMs} ms`));
    failure = `timed out after ${options.timeoutMs} ms (raise timeoutMs if the driver is slow but right)`;
    // Let the case notice the abort before the sweep removes what it works on;
    // a call stuck inside the driver will not notice, so the wait is bounded.
    await within(running, Math.min(options.timeoutMs, ABORT_GRACE_MS), options, undefined);
  } else if (outcome !== undefined) {
    failure = failureMessage(outcome.error);
    if (!(outcome.error instanceof ConformanceCheckError) && harness.violations.length > 0) {
      failure = `${harness.violations.join("; ")}; ${failure}`;
    }
  } else if (harness.violations.length > 0) {
    failure = `error contract: ${harness.violations.join("; ")}`;
  }

  const labels = caseLabelsOf(options.runId, conformanceCase.id);
  const leftovers = await within(sweep(driver, harness.tracked, labels), options.timeoutMs, options, [
    `cleanup did not finish within ${options.timeoutMs} ms`,
  ]);
  if (leftovers.length > 0) {
    const cleanup = `cleanup: ${leftovers.join("; ")}`;
    failure = failure === undefined ? cleanup : `${failure}; ${cleanup}`;
  }
  // The driver of this case is done: whatever it holds (timers, processes, connections) is released.
  const closing = await within(
    closeDriver(driver),
    options.timeoutMs,
    options,
    `close() did not finish within ${options.timeoutMs} ms`,
  );
  if (closing !== undefined) failure = failure === undefined ? closing : `${failure}; ${closing}`;

  const durationMs = options.clock.now() - started;
  return failure === undefined
    ? { ...base, status: "passed", durationMs }
    : { ...base, status: "failed", durationMs, error: failure };
}

/**
 * Count `results` by status, for a report's summary.
 *
 * @example
 * ```ts
 * summarize(report.results); // { total: 120, passed: 110, failed: 0, skipped: 9, unsupported: 1 }
 * ```
 */
export function summarize(results: readonly ConformanceResult[]): ConformanceReport["summary"] {
  const count = (status: ConformanceResult["status"]) => results.filter((result) => result.status === status).length;
  return {
    total: results.length,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
    unsupported: count("unsupported"),
  };
}

/**
 * Run the conformance suite against the drivers `factory` makes (a fresh one
 * per case, closed after it, so cases cannot disturb each other) and return
 * the report. Up to `concurrency` cases run at once; `exclusive` ones run
 * alone after the others. Never depends on a test framework; rejects only
 * when the factory cannot make the first driver or the options are invalid.
 *
 * @example
 * ```ts
 * import { runConformance } from "@openagent/driver-interface/conformance";
 *
 * const report = await runConformance(() => new MyDriver(), { tiers: ["core"] });
 * if (!report.ok) console.log(report.results.filter((r) => r.status === "failed"));
 * ```
 */
export async function runConformance<D extends ContainerDriver>(
  factory: DriverFactory<D>,
  options: ConformanceOptions<D> = {},
): Promise<ConformanceReport> {
  const resolved = resolveConformanceOptions(options);
  const started = resolved.clock.now();
  const probe = await factory();
  const driver = describeDriver(probe);
  // The first driver only told who is tested; it is released like every other.
  await closeDriver(probe);
  const cases = selectCases(resolved);
  const total = cases.length;
  options.onProgress?.({ type: "run-start", driver, total });
  const results: ConformanceResult[] = new Array(total);
  const scheduler = new CaseScheduler(resolved.concurrency);
  const indexOf = new Map(cases.map((conformanceCase, index) => [conformanceCase, index]));
  await Promise.all(
    runOrder(cases).map((conformanceCase) =>
      scheduler.run(conformanceCase.exclusive === true, async () => {
        const index = indexOf.get(conformanceCase) as number;
        options.onProgress?.({ type: "case-start", id: conformanceCase.id, index, total });
        const result = await runCase(conformanceCase, factory, driver, resolved);
        results[index] = result;
        options.onProgress?.({ type: "case-end", result, index, total });
      }),
    ),
  );
  const summary = summarize(results);
  const baseConfig = Object.keys(resolved.baseConfig).length === 0 ? {} : { baseConfig: resolved.baseConfig };
  const report: ConformanceReport = {
    driver,
    runId: resolved.runId,
    results,
    ...baseConfig,
    summary,
    durationMs: resolved.clock.now() - started,
    ok: summary.failed === 0,
  };
  options.onProgress?.({ type: "run-end", report });
  return report;
}
