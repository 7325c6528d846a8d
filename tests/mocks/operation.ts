/**
 * What every mock operation does around its own work: wait the operation
 * time, give fault injection its chance to fail the call, and describe
 * failures in the profile's words. Each operation is "check the input, wait,
 * maybe fail, then take effect in one synchronous step"; these are the
 * middle steps.
 *
 * @module
 */
import {
  type AnyDriverMethod,
  ConfigurationError,
  ContainerNotFoundError,
  DRIVER_ERROR_DEFINITIONS,
  DRIVER_METHOD_TABLE,
  type DriverError,
  type ErrorContext,
  type ErrorMappingContext,
  FAILURE_ERRORS,
  toDriverError,
} from "../../src/index.js";
import type { MockFailureKind } from "./profiles.js";
import type { EngineState } from "./state.js";
import type { ContainerRecord } from "./store.js";

/**
 * Resolves after one operation time; with instant timing returns
 * `undefined`, so `await delay(state)` creates no timer and costs one
 * microtask.
 *
 * @example
 * ```ts
 * await delay(state);
 * ```
 */
export function delay(state: EngineState): Promise<void> | undefined {
  const timing = state.timing;
  if (timing === undefined) return undefined;
  return state.clock.sleep(timing.minMs + state.random() * (timing.maxMs - timing.minMs));
}

/**
 * An error's context: the driver, the operation, and the fields the profile
 * adds for this kind of failure (an HTTP status, an errno).
 *
 * @example
 * ```ts
 * new VolumeNotFoundError(id, { context: failureContext(state, "removeVolume", "notFound", id) });
 * ```
 */
export function failureContext(
  state: EngineState,
  operation: string,
  kind: MockFailureKind,
  subject: string,
  detail?: string,
): ErrorContext {
  return { driver: state.name, operation, ...state.profile.describe(kind, subject, detail).context };
}

/**
 * Refuses an id that is not a string before anything waits, so a type
 * mistake of the caller is a `ConfigurationError`, never a not-found.
 *
 * @example
 * ```ts
 * checkId(id, "container");
 * ```
 */
export function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string") {
    throw new ConfigurationError(`The ${what} id must be a string, got ${typeof id}.`, {
      issues: [{ path: "id", message: "must be a string" }],
    });
  }
}

/**
 * The container with this id, or `ContainerNotFoundError` in the profile's words.
 *
 * @example
 * ```ts
 * const record = requireContainer(state, id, "startContainer");
 * ```
 */
export function requireContainer(state: EngineState, id: string, operation: string): ContainerRecord {
  const record = state.containers.get(id);
  if (record === undefined) {
    throw new ContainerNotFoundError(id, { context: failureContext(state, operation, "notFound", id) });
  }
  return record;
}

/**
 * Throws when fault injection says this call fails. A caller's own error
 * goes through `toDriverError`, so even a plain `Error` reaches the caller
 * as one of the contract's errors.
 *
 * @param subject - what the call is about (an id, a name, a session), for the error's fields and wording.
 * @example
 * ```ts
 * await delay(state);
 * injectFault(state, "startContainer", id);
 * ```
 */
export function injectFault(state: EngineState, operation: AnyDriverMethod, subject: string): void {
  const fault = state.faults.take(operation);
  if (fault === undefined) return;
  if (fault.error !== undefined) {
    // The method table says what the call names, so the mapped error names the right resource.
    const mapping: ErrorMappingContext = { operation, driver: state.name };
    const named = DRIVER_METHOD_TABLE[operation].subject;
    if (named !== "none") mapping[named] = subject;
    let produced: unknown;
    try {
      produced = fault.error();
    } catch (thrown) {
      // A factory that throws instead of returning still means "fail with this".
      produced = thrown;
    }
    throw toDriverError(produced, mapping);
  }
  throw transientError(state, operation, subject);
}

/**
 * The default injected fault: the method's own failure error when the table
 * names one and it is retryable (a transient fault is one a retry may get
 * past), else the profile's "runtime did not answer".
 */
function transientError(state: EngineState, operation: AnyDriverMethod, subject: string): DriverError {
  const { reason } = state.profile.describe("transient", subject);
  const options = { context: { ...failureContext(state, operation, "transient", subject), injected: true } };
  const failure = DRIVER_METHOD_TABLE[operation].failure;
  if (failure !== undefined && DRIVER_ERROR_DEFINITIONS[failure].retryable) {
    return FAILURE_ERRORS[failure](subject, reason, options, { subject });
  }
  return state.profile.unavailable(operation, { driver: state.name, operation, injected: true });
}
