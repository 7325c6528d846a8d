/**
 * `DriverError`, the base of every error of the contract, and
 * {@link contractError}, which gives each class its code, retryable flag and
 * literal name from {@link DRIVER_ERROR_DEFINITIONS}, so no class restates them.
 *
 * Errors carry a `Symbol.for` brand, and `instanceof` checks the brand and the
 * code, so the guards hold when two copies of this package are loaded (the ESM
 * and CommonJS builds, or two versions in one `node_modules`).
 *
 * @module
 */
import {
  DRIVER_ERROR_DEFINITIONS,
  type DriverErrorCode,
  type DriverErrorCodeOf,
  type DriverErrorJSON,
  type DriverErrorName,
  type DriverErrorOptions,
  type ErrorContext,
  errorNameOfCode,
} from "./definitions.js";

/**
 * The brand every `DriverError` carries. `Symbol.for` returns the same symbol
 * in every copy of this package, so a guard in one copy recognises an error
 * built by another.
 */
export const DRIVER_ERROR_BRAND: unique symbol = Symbol.for("@openagent/driver-interface/DriverError");

/** What a value must look like to count as a `DriverError` of some copy of this package. */
export type BrandedError = {
  readonly [DRIVER_ERROR_BRAND]: true;
  readonly code: string;
  readonly retryable: boolean;
  readonly message: string;
};

/** Whether `value` carries the brand and a string code; never throws (a Proxy or a throwing getter is no error). */
export function isBranded(value: unknown): value is BrandedError {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[DRIVER_ERROR_BRAND] === true &&
      typeof (value as { code?: unknown }).code === "string"
    );
  } catch {
    return false;
  }
}

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * The base of every error of the contract. Catch it to handle any driver
 * failure by `code` and `retryable`; throw one of its subclasses, since a
 * driver may only reject with the codes of {@link DRIVER_ERROR_DEFINITIONS}.
 *
 * @example
 * ```ts
 * try {
 *   await driver.startContainer(id);
 * } catch (error) {
 *   if (error instanceof DriverError) log.warn({ code: error.code, retryable: error.retryable }, error.message);
 *   throw error;
 * }
 * ```
 */
export class DriverError extends Error {
  /** Stable, machine-readable code; see {@link DRIVER_ERROR_DEFINITIONS}. */
  readonly code: DriverErrorCode;
  /** Whether retrying the same operation may succeed; the definitions list decides it for each code. */
  readonly retryable: boolean;
  /** Extra information for logs and callers. */
  readonly context: ErrorContext;
  /** Set on every class so logs name the class even after minification. */
  override name = "DriverError";

  /**
   * @param code - one of the contract's codes; its retryable flag comes from the definitions list.
   * @param options - `cause` and `context`. Default `{}`.
   */
  constructor(message: string, code: DriverErrorCode, options?: DriverErrorOptions);
  /**
   * The 1.0 form, kept for compatibility. For a contract code, the
   * definitions list decides `retryable` whatever is passed. A code of your
   * own keeps the flag given, but breaks clause C-ERRORS (a driver may reject
   * only with the contract's codes), and `code` then holds a value outside
   * its declared type.
   *
   * @deprecated Leave `retryable` out and use a contract code: the definitions list decides the flag.
   */
  constructor(message: string, code: string, retryable: boolean, options?: DriverErrorOptions);
  constructor(
    message: string,
    code: string,
    retryableOrOptions?: boolean | DriverErrorOptions,
    maybeOptions?: DriverErrorOptions,
  ) {
    const options = (typeof retryableOrOptions === "object" ? retryableOrOptions : maybeOptions) ?? {};
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code as DriverErrorCode;
    const name = errorNameOfCode(code);
    // A code outside the list can only come from untyped JavaScript; it keeps the flag it was given.
    this.retryable = name === undefined ? retryableOrOptions === true : DRIVER_ERROR_DEFINITIONS[name].retryable;
    this.context = Object.freeze({ ...options.context });
  }

  /**
   * `instanceof` that holds across copies of this package: besides the
   * prototype chain, a branded error matches a contract class with the same
   * code (or `DriverError` itself).
   *
   * @example
   * ```ts
   * if (error instanceof ContainerNotFoundError) return null;
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of `instanceof`, a different one for each subclass
    return isInstanceAcrossCopies(this, value);
  }

  /**
   * A plain object with name, code, message, retryable and context:
   * `JSON.stringify` of a bare `Error` leaves out `message`, and `cause` may
   * not serialise at all, so logs and the wire get this stable shape instead.
   *
   * @example
   * ```ts
   * logger.error(JSON.stringify(error)); // {"name":"ContainerNotFoundError","code":"CONTAINER_NOT_FOUND",...}
   * ```
   */
  toJSON(): DriverErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      context: this.context,
    };
  }
}

Object.defineProperty(DriverError.prototype, DRIVER_ERROR_BRAND, { value: true });

/** The bases {@link contractError} made; a class directly below one of them is a contract class. */
const contractBases = new WeakSet<object>();

/**
 * The code a class stands for across copies: its own static `code`, or the
 * code of the contract base it directly extends. A driver's subclass of a
 * contract class (say, of `ConfigurationError`) stands for no code of its
 * own, so only the prototype chain matches it.
 */
function codeOfClass(errorClass: object): unknown {
  if (Object.hasOwn(errorClass, "code")) return (errorClass as { code?: unknown }).code;
  const parent: unknown = Object.getPrototypeOf(errorClass);
  return typeof parent === "function" && contractBases.has(parent) ? (parent as { code?: unknown }).code : undefined;
}

function isInstanceAcrossCopies(errorClass: object, value: unknown): boolean {
  try {
    if (ordinaryHasInstance.call(errorClass, value)) return true;
    if (!isBranded(value)) return false;
    if (errorClass === DriverError) return true;
    const code = codeOfClass(errorClass);
    return typeof code === "string" && value.code === code;
  } catch {
    // A Proxy whose traps throw is not an error of this contract.
    return false;
  }
}

/** What {@link contractError} returns: a base class whose instances carry the name and code of `Name`. */
export type ContractErrorBase<Name extends DriverErrorName> = {
  /** The code of every instance, so callers compare without re-typing the string. */
  readonly code: DriverErrorCodeOf<Name>;
  new (
    message: string,
    options?: DriverErrorOptions,
  ): DriverError & { readonly name: Name; readonly code: DriverErrorCodeOf<Name> };
};

/**
 * The base class of the contract error `name`: its code and retryable flag
 * come from {@link DRIVER_ERROR_DEFINITIONS}, its `name` is the literal
 * `name` (so logs name the class even after minification), and `instanceof`
 * matches errors of the same code from other copies of the package. A class
 * adds only its constructor fields and its message.
 *
 * @example
 * ```ts
 * export class ContainerNotFoundError extends contractError("ContainerNotFoundError") {
 *   readonly containerId: string;
 *   constructor(containerId: string, options?: DriverErrorOptions) {
 *     super(`Container '${containerId}' was not found.`, options);
 *     this.containerId = containerId;
 *   }
 * }
 * ```
 */
export function contractError<Name extends DriverErrorName>(name: Name): ContractErrorBase<Name> {
  const { code } = DRIVER_ERROR_DEFINITIONS[name];
  class ContractError extends DriverError {
    static readonly code = code;
    constructor(message: string, options?: DriverErrorOptions) {
      super(message, code, options);
      this.name = name;
    }
  }
  contractBases.add(ContractError);
  return ContractError as unknown as ContractErrorBase<Name>;
}
