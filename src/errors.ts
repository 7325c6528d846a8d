/**
 * The error hierarchy of the contract (`@openagent/driver-interface/errors`).
 * Every error a driver throws is a {@link DriverError}: it has a unique `code`
 * from {@link DRIVER_ERROR_DEFINITIONS}, a `retryable` flag, an optional
 * `cause` and `context`, a literal `name`, and `toJSON()`.
 *
 * @module
 */
export * from "./errors/classes.js";
export * from "./errors/definitions.js";
export * from "./errors/failures.js";
export { DRIVER_ERROR_BRAND, DriverError } from "./errors/driver-error.js";
export * from "./errors/guards.js";
