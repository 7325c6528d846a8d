/**
 * The runner: resolves options, selects cases, runs each against a fresh
 * driver with a deadline, sweeps what the case left, and reports. It knows
 * nothing about test frameworks.
 *
 * @module
 */
import { systemClock } from "../clock.js";
import { ConfigurationError, getErrorMessage, isDriverError } from "../errors.js";
import type { ContainerDriver } from "../contract/driver.js";
import { ALL_DRIVER_METHODS, DRIVER_METHOD_TABLE } from "../contract/methods.js";
import { CONFORMANCE_CASES } from "./cases/index.js";
import { CONFORMANCE_TIERS } from "./types.js";
import { ConformanceCheckError, createCaseHarness, sweep } from "./context.js";
import type {
  ConformanceCase,
  ConformanceDriverInfo,
  ConformanceOptions,
  ConformanceReport,
  ConformanceResult,
  ConformanceTier,
  DriverFactory,
  ResolvedConformanceOptions,
} from "./types.js";

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
export function resolveConformanceOptions(options: ConformanceOptions = {}): ResolvedConformanceOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
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
    arrange: options.arrange ?? {},
    clock: options.clock ?? systemClock,
    runId,
  };
}

/**
 * The cases `options` select, in run order: those of the selected tiers whose
 * id contains the filter string or matches the filter pattern.
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
    if (typeof filter === "string") return conformanceCase.id.includes(filter);
    filter.lastIndex = 0;
    return filter.test(conformanceCase.id);
  });
}

/**
 * Name, version and capabilities of a driver, as the report shows them;
 * coerced to strings, so a driver with malformed fields is still reported.
 *
 * @example
 * ```ts
 * describeDriver(new MockDockerDriver()); // { name: "mock-docker", version: "1.0.0", capabilities: [], optionalMethods: [] }
 * ```
 */
export function describeDriver(driver: ContainerDriver): ConformanceDriverInfo {
  return {
    name: String(driver.name),
    version: String(driver.version),
    capabilities: Array.isArray(driver.capabilities) ? driver.capabilities.map(String) : [],
    optionalMethods: ALL_DRIVER_METHODS.filter(
      (method) => DRIVER_METHOD_TABLE[method].optional && typeof driver[method] === "function",
    ),
  };
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
  return conformanceCase.skipUnless?.(options, driver);
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
 * Close the case's driver after its sweep, when it has `close()` (contract
 * 1.1), so a driver's timers and connections do not outlive the case. Never
 * throws: a `close()` that rejects, throws or does not settle within the
 * case's timeout is returned as the case's failure.
 */
async function closeDriver(driver: ContainerDriver, options: ResolvedConformanceOptions): Promise<string | undefined> {
  if (typeof driver.close !== "function") return undefined;
  try {
    const closing = Promise.resolve(driver.close());
    const outcome = await within(closing, options.timeoutMs, options, TIMED_OUT);
    return outcome === TIMED_OUT ? `close() did not settle within ${options.timeoutMs} ms` : undefined;
  } catch (error) {
    return `close() rejected: ${failureMessage(error)}`;
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
  };
  const reason = skipReasonFor(conformanceCase, driverInfo, options);
  if (reason !== undefined) return { ...base, status: "skipped", durationMs: 0, reason };

  const started = options.clock.now();
  let driver: ContainerDriver;
  try {
    driver = await factory();
  } catch (error) {
    return { ...base, status: "failed", durationMs: 0, error: `the driver factory threw: ${getErrorMessage(error)}` };
  }

  const caseAbort = new AbortController();
  const harness = createCaseHarness(driver, conformanceCase.id, options, caseAbort.signal);
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

  const leftovers = await within(sweep(driver, harness.tracked, options.runId), options.timeoutMs, options, [
    `cleanup did not finish within ${options.timeoutMs} ms`,
  ]);
  if (leftovers.length > 0) {
    const cleanup = `cleanup: ${leftovers.join("; ")}`;
    failure = failure === undefined ? cleanup : `${failure}; ${cleanup}`;
  }
  const closing = await closeDriver(driver, options);
  if (closing !== undefined) failure = failure === undefined ? closing : `${failure}; ${closing}`;

  const durationMs = options.clock.now() - started;
  return failure === undefined
    ? { ...base, status: "passed", durationMs }
    : { ...base, status: "failed", durationMs, error: failure };
}

/**
 * Run the conformance suite against the drivers `factory` makes (a fresh one
 * per case, so cases cannot disturb each other) and return the report. Never
 * depends on a test framework; rejects only when the factory cannot make the
 * first driver or the options are invalid.
 *
 * @example
 * ```ts
 * import { runConformance } from "@openagent/driver-interface/conformance";
 *
 * const report = await runConformance(() => new MyDriver(), { tiers: ["core"] });
 * if (!report.ok) console.log(report.results.filter((r) => r.status === "failed"));
 * ```
 */
export async function runConformance(
  factory: DriverFactory,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const resolved = resolveConformanceOptions(options);
  const started = resolved.clock.now();
  const driver = describeDriver(await factory());
  const cases = selectCases(resolved);
  options.onProgress?.({ type: "run-start", driver, total: cases.length });
  const results: ConformanceResult[] = [];
  for (const [index, conformanceCase] of cases.entries()) {
    options.onProgress?.({ type: "case-start", id: conformanceCase.id, index, total: cases.length });
    const result = await runCase(conformanceCase, factory, driver, resolved);
    results.push(result);
    options.onProgress?.({ type: "case-end", result, index, total: cases.length });
  }
  const count = (status: ConformanceResult["status"]) => results.filter((result) => result.status === status).length;
  const summary = {
    total: results.length,
    passed: count("passed"),
    failed: count("failed"),
    skipped: count("skipped"),
  };
  const report: ConformanceReport = {
    driver,
    runId: resolved.runId,
    results,
    summary,
    durationMs: resolved.clock.now() - started,
    ok: summary.failed === 0,
  };
  options.onProgress?.({ type: "run-end", report });
  return report;
}
