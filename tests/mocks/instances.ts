/**
 * The state of each mock driver instance, kept out of reach of callers, and
 * what a method called without its instance does.
 *
 * @module
 */
import { ConfigurationError, type DriverCapability } from "../../src/index.js";
import type { EngineState } from "./state.js";

/** What the mocks promise: everything but `isolation` and `limits` (they enforce no real limits). */
export const MOCK_CAPABILITIES = Object.freeze([
  "execution",
  "streams",
  "exec",
  "files",
  "pause",
  "expiry",
  "idempotency",
] as const satisfies readonly DriverCapability[]);

/** The state of each driver: out of reach of callers, and found for `this` without a throwing brand check. */
export const engines = new WeakMap<object, EngineState>();

/**
 * A method called without its driver (`const f = driver.startContainer; f(id)`)
 * rejects, as every failure of the contract does, instead of throwing.
 *
 * @example
 * ```ts
 * const state = engines.get(this);
 * return state === undefined ? detached("startContainer") : startContainer(state, id);
 * ```
 */
export function detached(method: string): Promise<never> {
  return Promise.reject(
    new ConfigurationError(
      `MockDriver.${method} was called without its driver: call it as driver.${method}(...), or bind it first (driver.${method}.bind(driver)).`,
      { issues: [{ path: "this", message: "must be the MockDriver the method belongs to" }] },
    ),
  );
}
