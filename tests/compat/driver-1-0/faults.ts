/**
 * Fault injection for the mock drivers: make chosen calls fail so that retry,
 * circuit-breaker and recovery code can be tested against a driver that
 * otherwise behaves correctly.
 *
 * @module
 */
import { ConfigurationError } from "../../../src/index.js";
import { DRIVER_METHODS, type DriverMethod } from "../../../src/index.js";
import { createSeededRandom } from "./random.js";

/** Builds the error an injected fault throws. Called once per failing call, so every failure is a fresh error. */
export type FaultErrorFactory = () => Error;

/** Options of {@link FaultInjector.failRate}. */
export type FailRateOptions = {
  /**
   * Seed of the random source that decides which calls fail, so a run can be
   * replayed. Default: 1.
   */
  readonly seed?: number;
  /**
   * The error to throw. Default: the method's own retryable error (see
   * docs/MOCK_DRIVERS.md), worded by the driver's profile.
   */
  readonly error?: FaultErrorFactory;
};

/**
 * What {@link FaultInjector.take} decided for one call: fail, with the given
 * error factory, or with the driver's default when `error` is undefined.
 */
export type InjectedFault = {
  /** Builds the error to throw; `undefined` lets the driver throw its own retryable error for the method. */
  readonly error: FaultErrorFactory | undefined;
};

type Countdown = { remaining: number; readonly error: FaultErrorFactory | undefined };
type Rate = { readonly rate: number; readonly random: () => number; readonly error: FaultErrorFactory | undefined };

const methods: ReadonlySet<string> = new Set(DRIVER_METHODS);

function checkMethod(method: unknown, allowAll: boolean): void {
  if (typeof method === "string" && (methods.has(method) || (allowAll && method === "*"))) return;
  throw new ConfigurationError(
    `Unknown driver method ${JSON.stringify(method)}: use one of ${DRIVER_METHODS.join(", ")}${allowAll ? ' or "*"' : ""}.`,
    { issues: [{ path: "method", message: "not a ContainerDriver method" }] },
  );
}

function checkFactory(error: unknown): void {
  if (error !== undefined && typeof error !== "function") {
    throw new ConfigurationError("The error option must be a function that returns an Error.", {
      issues: [{ path: "error", message: "must be a function" }],
    });
  }
}

/**
 * The fault plan of one mock driver instance, reached as `driver.faults`.
 * `failNext` entries are used first, in the order they were added. After
 * them, a rate set for the method applies; a method without its own rate
 * uses the rate set for `"*"`, if any.
 *
 * A call that fails validation (`ConfigurationError`, `ResourceLimitError`)
 * never reaches the runtime, so it does not use up a fault. A failing call
 * still takes its operation time, and changes nothing.
 *
 * @example
 * ```ts
 * const driver = new MockDockerDriver({ timing: "instant" });
 * driver.faults.failNext("startContainer", 2); // the next two starts reject with ContainerStartError
 * driver.faults.failRate("*", 0.1, { seed: 7 }); // then one call in ten fails, reproducibly
 * driver.faults.clear();
 * ```
 */
export class FaultInjector {
  readonly #countdowns = new Map<DriverMethod, Countdown[]>();
  readonly #rates = new Map<DriverMethod | "*", Rate>();
  #armed = 0;
  #injected = 0;

  /**
   * Make the next `count` calls of `method` fail. Adds to faults already
   * planned for that method.
   *
   * @param error - builds the error to throw; default the method's own retryable error.
   * @example
   * ```ts
   * driver.faults.failNext("createContainer", 1, () => new ContainerCreationError("disk full"));
   * ```
   */
  failNext(method: DriverMethod, count: number, error?: FaultErrorFactory): this {
    checkMethod(method, false);
    checkFactory(error);
    if (!Number.isInteger(count) || count < 0) {
      throw new ConfigurationError(`failNext count must be an integer >= 0, got ${String(count)}.`, {
        issues: [{ path: "count", message: "must be an integer >= 0" }],
      });
    }
    if (count === 0) return this;
    const queue = this.#countdowns.get(method) ?? [];
    queue.push({ remaining: count, error });
    this.#countdowns.set(method, queue);
    this.#armed++;
    return this;
  }

  /**
   * Make each call of `method` (or of every method, with `"*"`) fail with
   * probability `rate`, decided by a random source seeded with
   * `options.seed`. A rate of 0 removes the rate for that method. Replaces an
   * earlier rate for the same method.
   *
   * @example
   * ```ts
   * driver.faults.failRate("getContainer", 0.5, { seed: 3 });
   * ```
   */
  failRate(method: DriverMethod | "*", rate: number, options: FailRateOptions = {}): this {
    checkMethod(method, true);
    checkFactory(options.error);
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
      throw new ConfigurationError(`failRate rate must be a number from 0 to 1, got ${String(rate)}.`, {
        issues: [{ path: "rate", message: "must be a number from 0 to 1" }],
      });
    }
    if (this.#rates.delete(method)) this.#armed--;
    if (rate === 0) return this;
    this.#rates.set(method, { rate, random: createSeededRandom(options.seed ?? 1), error: options.error });
    this.#armed++;
    return this;
  }

  /**
   * Remove every planned fault. The count of faults injected so far is kept.
   *
   * @example
   * ```ts
   * driver.faults.clear();
   * driver.faults.injected; // still counts the faults already thrown
   * ```
   */
  clear(): void {
    this.#countdowns.clear();
    this.#rates.clear();
    this.#armed = 0;
  }

  /** How many calls have failed because of an injected fault, since the driver was made. */
  get injected(): number {
    return this.#injected;
  }

  /**
   * Decide whether this call of `method` fails. Used by the engine, once per
   * call that reaches the runtime; returns `undefined` when it does not fail.
   *
   * @example
   * ```ts
   * const fault = faults.take("startContainer");
   * if (fault !== undefined) throw fault.error?.() ?? defaultError;
   * ```
   */
  take(method: DriverMethod): InjectedFault | undefined {
    if (this.#armed === 0) return undefined;
    const queue = this.#countdowns.get(method);
    const head = queue?.[0];
    if (queue !== undefined && head !== undefined) {
      head.remaining--;
      if (head.remaining === 0) {
        queue.shift();
        this.#armed--;
        if (queue.length === 0) this.#countdowns.delete(method);
      }
      this.#injected++;
      return { error: head.error };
    }
    const rate = this.#rates.get(method) ?? this.#rates.get("*");
    if (rate !== undefined && rate.random() < rate.rate) {
      this.#injected++;
      return { error: rate.error };
    }
    return undefined;
  }
}
