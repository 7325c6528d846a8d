/**
 * Guards over anything a `catch` can hold: a `DriverError` from any copy of
 * this package, a plain `Error`, a thrown string, `null`, a Proxy whose traps
 * throw. None of them throws.
 *
 * @module
 */
import { UNKNOWN_ERROR_CODE } from "./definitions.js";
import { type DriverError, isBranded } from "./driver-error.js";

/**
 * Whether `value` is an error of this contract, from any copy of the package.
 * Accepts anything, never throws.
 *
 * @example
 * ```ts
 * try { await driver.startContainer(id); }
 * catch (error) { if (isDriverError(error)) console.log(error.code); }
 * ```
 */
export function isDriverError(value: unknown): value is DriverError {
  return isBranded(value);
}

/**
 * Whether retrying the operation that threw `value` may succeed: `true` only
 * for a `DriverError` whose `retryable` flag is set. Accepts anything.
 *
 * @example
 * ```ts
 * isRetryableError(new TimeoutError("start", 1000)); // true
 * isRetryableError(new Error("boom")); // false
 * ```
 */
export function isRetryableError(value: unknown): boolean {
  try {
    return isBranded(value) && value.retryable === true;
  } catch {
    return false;
  }
}

/**
 * The error's code, or {@link UNKNOWN_ERROR_CODE} when `value` is not a
 * `DriverError`. Accepts anything.
 *
 * @example
 * ```ts
 * getErrorCode(new ContainerNotFoundError("c-1")); // "CONTAINER_NOT_FOUND"
 * getErrorCode("oops"); // "UNKNOWN_ERROR"
 * ```
 */
export function getErrorCode(value: unknown): string {
  try {
    if (!isBranded(value)) return UNKNOWN_ERROR_CODE;
    // Read again after the guard: a getter or Proxy may answer differently, or throw, the second time.
    const code: unknown = value.code;
    return typeof code === "string" ? code : UNKNOWN_ERROR_CODE;
  } catch {
    return UNKNOWN_ERROR_CODE;
  }
}

/**
 * A human-readable message for anything thrown: an error's message, a
 * thrown string itself, an object's `message` property, or a description of
 * the value. Never throws, whatever `message`, `toString` or a Proxy trap does.
 *
 * @example
 * ```ts
 * getErrorMessage(new Error("boom")); // "boom"
 * getErrorMessage(null); // "Unknown error: null"
 * ```
 */
export function getErrorMessage(value: unknown): string {
  try {
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      const message = (value as { message?: unknown }).message;
      if (typeof message === "string") return message;
    }
    return `Unknown error: ${describeValue(value)}`;
  } catch {
    return "Unknown error: the thrown value could not be read";
  }
}

/**
 * Text for any value, for messages: never throws, and never longer than
 * `maxLength` characters (a 20 MB object must not become a 20 MB message).
 *
 * @param maxLength - the longest text returned, in characters. Default 200.
 * @example
 * ```ts
 * describeValue({ a: 1 }); // '{"a":1}'
 * describeValue(Object.create(null)); // "{}"
 * ```
 */
export function describeValue(value: unknown, maxLength = 200): string {
  let text: string;
  try {
    if (value === null) text = "null";
    else if (typeof value === "object") text = JSON.stringify(value) ?? Object.prototype.toString.call(value);
    else if (typeof value === "function") text = "function";
    else text = String(value);
  } catch {
    try {
      text = Object.prototype.toString.call(value);
    } catch {
      text = typeof value;
    }
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
