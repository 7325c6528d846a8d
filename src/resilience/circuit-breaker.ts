/**
 * A circuit breaker: after repeated failures it stops sending calls to a
 * runtime that is down, fails them at once instead, and lets one trial call
 * through after a pause to see whether the runtime is back.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.js";
import {
  CircuitOpenError,
  errorNameOfCode,
  isDriverError,
  NetworkError,
  TimeoutError,
  UnexpectedError,
} from "../errors.js";
import { callAsync } from "./abort.js";
import { MAX_TIMER_DELAY_MS } from "../contract/rules.js";
import { checkNumbers } from "./check-options.js";

/** The states of a {@link CircuitBreaker}. */
export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;

/**
 * One of {@link CIRCUIT_STATES}:
 * - `closed`: calls go through; consecutive failures are counted.
 * - `open`: calls are refused at once with `CircuitOpenError`.
 * - `half-open`: one trial call goes through; the others are refused.
 */
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/**
 * What happens to a breaker:
 * - `success`: a call ended without a counted failure.
 * - `failure`: a call failed, and (when closed) the failure count stays below the threshold.
 * - `thresholdReached`: a call failed and the count reached `failureThreshold`.
 * - `halfOpenDelayElapsed`: a call arrived `halfOpenAfterMs` or more after the circuit opened.
 * - `reset`: {@link CircuitBreaker.reset} was called.
 */
export type CircuitEvent = "success" | "failure" | "thresholdReached" | "halfOpenDelayElapsed" | "reset";

/**
 * The one transition table of the breaker: for each state, the state each
 * event leads to. An event a state does not list leaves it unchanged (a late
 * success of a call that started before the circuit opened does not close it).
 * The breaker reads only this table; tests check it against what the breaker
 * does.
 */
export const CIRCUIT_TRANSITIONS: Readonly<
  Record<CircuitState, Readonly<Partial<Record<CircuitEvent, CircuitState>>>>
> = Object.freeze({
  closed: Object.freeze({ success: "closed", failure: "closed", thresholdReached: "open", reset: "closed" }),
  open: Object.freeze({ halfOpenDelayElapsed: "half-open", reset: "closed" }),
  "half-open": Object.freeze({ success: "closed", failure: "open", reset: "closed" }),
});

/**
 * The state `event` leads to from `state`, per {@link CIRCUIT_TRANSITIONS}.
 *
 * @example
 * ```ts
 * circuitTransition("half-open", "failure"); // "open"
 * circuitTransition("open", "success"); // "open" (not listed: unchanged)
 * ```
 */
export function circuitTransition(state: CircuitState, event: CircuitEvent): CircuitState {
  return CIRCUIT_TRANSITIONS[state][event] ?? state;
}

/** What a state-change listener receives. */
export type CircuitStateChange = {
  /** The state before the change. */
  readonly from: CircuitState;
  /** The state after the change. */
  readonly to: CircuitState;
  /** The event that caused the change. */
  readonly event: CircuitEvent;
  /** When, by the breaker's clock (ms since the epoch). */
  readonly at: number;
  /** When an open circuit lets a trial through (set when `to` is `open`). */
  readonly retryAt?: number;
};

/** Listener of {@link CircuitBreaker.onStateChange}. */
export type CircuitStateListener = (change: CircuitStateChange) => void;

/** Options of {@link CircuitBreaker}. Every field is optional. */
export type CircuitBreakerOptions = {
  /**
   * Consecutive counted failures that open the circuit (an integer ≥ 1).
   * Default 5: one or two failures are normal noise; five in a row with no
   * success in between mean the runtime is in trouble.
   */
  readonly failureThreshold?: number;
  /**
   * How long the circuit stays open before a trial call is allowed, in ms.
   * Default 30,000: long enough for an engine restart, short enough that
   * recovery is noticed within a minute.
   */
  readonly halfOpenAfterMs?: number;
  /**
   * Which errors count as failures of the protected dependency. Default
   * {@link isCircuitFailure}: timeouts, an unreachable runtime, 5xx answers
   * and unexplained errors. Other contract errors (a missing container,
   * invalid input, a limit, starting a dead container) mean the runtime
   * answered, so they count as successes: a caller's mistakes must not cut
   * everyone off. Errors that do not count reset the failure count.
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Source of time. Default {@link systemClock}; tests pass `createManualClock()`. */
  readonly clock?: Clock;
  /** A name for logs and for the `context` of `CircuitOpenError`. Default `"circuit"`. */
  readonly name?: string;
};

/** Defaults of {@link CircuitBreakerOptions}. */
export const DEFAULT_CIRCUIT_BREAKER_OPTIONS = Object.freeze({
  failureThreshold: 5,
  halfOpenAfterMs: 30_000,
});

/**
 * The default failure test of a breaker: does this error say the protected
 * runtime is in trouble? `true` for
 *
 * - `TimeoutError` and `NetworkError`: the runtime did not answer in time, or
 *   could not be reached;
 * - a contract error whose `context.statusCode` is 5xx (see `toDriverError`):
 *   the runtime answered that it failed internally;
 * - anything that is not a contract error (including a `DriverError` with a
 *   code outside the contract), and `UnexpectedError`: an unexplained failure.
 *
 * `false` for every other contract error, retryable or not: a missing
 * container, invalid input, a limit, or a lifecycle refusal such as starting
 * a dead container (`ContainerStartError`) are answers of a working runtime,
 * and one caller's mistakes must not cut every caller off. `false` for
 * `CircuitOpenError`, which the breaker itself throws.
 *
 * @example
 * ```ts
 * isCircuitFailure(new NetworkError("refused")); // true
 * isCircuitFailure(new ContainerStartError("c-1", "container is dead")); // false: the runtime answered
 * ```
 */
export function isCircuitFailure(error: unknown): boolean {
  if (!isDriverError(error) || errorNameOfCode(error.code) === undefined) return true;
  if (error instanceof UnexpectedError) return true;
  if (error instanceof TimeoutError || error instanceof NetworkError) return true;
  const status = error.context.statusCode;
  return typeof status === "number" && status >= 500 && status <= 599;
}

/**
 * A circuit breaker with the states and transitions of
 * {@link CIRCUIT_TRANSITIONS}. Closed, it counts consecutive failures and
 * opens at `failureThreshold`. Open, it refuses calls at once with a
 * retryable `CircuitOpenError` whose `retryAt` says when it tries again.
 * The first call at or after `retryAt` moves it to half-open and runs as the
 * single trial: success closes the circuit, failure opens it for another
 * `halfOpenAfterMs`. Other calls during the trial are refused.
 *
 * Results of calls that started under an earlier state (a slow call that
 * began while closed and ends while half-open) are ignored, so only the
 * trial decides.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 10_000 });
 * breaker.onStateChange(({ from, to }) => log.warn(`engine circuit ${from} -> ${to}`));
 * const containers = await breaker.execute(() => driver.listContainers());
 * ```
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #halfOpenAfterMs: number;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #clock: Clock;
  readonly #name: string;
  readonly #listeners = new Set<CircuitStateListener>();
  #state: CircuitState = "closed";
  #consecutiveFailures = 0;
  #openedAt = 0;
  /** The half-open trial running now, if any; compared by identity so a stale trial cannot clear a newer one. */
  #trial: object | undefined;
  /** Increases on every state change; a call's result counts only under the generation it started in. */
  #generation = 0;

  /** @throws ConfigurationError when an option is out of range. */
  constructor(options: CircuitBreakerOptions = {}) {
    const failureThreshold = options.failureThreshold ?? DEFAULT_CIRCUIT_BREAKER_OPTIONS.failureThreshold;
    const halfOpenAfterMs = options.halfOpenAfterMs ?? DEFAULT_CIRCUIT_BREAKER_OPTIONS.halfOpenAfterMs;
    checkNumbers(
      "circuit breaker options",
      { failureThreshold, halfOpenAfterMs },
      { failureThreshold: { min: 1, integer: true }, halfOpenAfterMs: { min: 0, max: MAX_TIMER_DELAY_MS } },
    );
    this.#failureThreshold = failureThreshold;
    this.#halfOpenAfterMs = halfOpenAfterMs;
    this.#isFailure = options.isFailure ?? isCircuitFailure;
    this.#clock = options.clock ?? systemClock;
    this.#name = options.name ?? "circuit";
  }

  /**
   * The current state. Reading it after `halfOpenAfterMs` has passed on an
   * open circuit moves it to half-open (and notifies listeners), so what you
   * read is what the next call meets.
   */
  get state(): CircuitState {
    this.#checkHalfOpenDelay();
    return this.#state;
  }

  /** Consecutive counted failures while closed; back to 0 on a success and when the circuit closes. */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** When an open circuit lets a trial through (ms since the epoch), or `undefined` unless open. */
  get retryAt(): number | undefined {
    return this.#state === "open" ? this.#openedAt + this.#halfOpenAfterMs : undefined;
  }

  /**
   * Runs `fn` if the circuit allows it and records the outcome.
   *
   * @returns what `fn` returns; rejects with what `fn` throws, or with
   *   `CircuitOpenError` (without calling `fn`) when the circuit is open or
   *   a half-open trial is already running.
   *
   * @example
   * ```ts
   * try {
   *   await breaker.execute(() => driver.startContainer(id));
   * } catch (error) {
   *   if (error instanceof CircuitOpenError) scheduleRetry(error.retryAt);
   * }
   * ```
   */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    this.#checkHalfOpenDelay();
    if (this.#state === "open") throw this.#openError(this.#openedAt + this.#halfOpenAfterMs);
    let trial: object | undefined;
    if (this.#state === "half-open") {
      if (this.#trial !== undefined) throw this.#openError(this.#clock.now());
      trial = {};
      this.#trial = trial;
    }
    const generation = this.#generation;
    try {
      const value = await callAsync(fn);
      this.#record(generation, false);
      return value;
    } catch (error) {
      this.#record(generation, this.#isFailure(error));
      throw error;
    } finally {
      if (trial !== undefined && this.#trial === trial) this.#trial = undefined;
    }
  }

  /**
   * Subscribes to state changes; returns the function that unsubscribes.
   * Listeners run synchronously in the order added. An exception a listener
   * throws is caught and ignored, so an observer can never break the calls it
   * observes.
   *
   * @example
   * ```ts
   * const stop = breaker.onStateChange((change) => metrics.gauge("circuit_open", change.to === "open" ? 1 : 0));
   * ```
   */
  onStateChange(listener: CircuitStateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Closes the circuit and clears the failure count, as after a success.
   * For operators who know the runtime is back, and for tests.
   *
   * @example
   * ```ts
   * breaker.reset();
   * ```
   */
  reset(): void {
    this.#consecutiveFailures = 0;
    this.#trial = undefined;
    this.#apply("reset");
  }

  #openError(retryAt: number): CircuitOpenError {
    return new CircuitOpenError(retryAt, {
      context: { circuit: this.#name, state: this.#state, consecutiveFailures: this.#consecutiveFailures },
    });
  }

  #checkHalfOpenDelay(): void {
    if (this.#state === "open" && this.#clock.now() >= this.#openedAt + this.#halfOpenAfterMs) {
      this.#trial = undefined;
      this.#apply("halfOpenDelayElapsed");
    }
  }

  #record(generation: number, failed: boolean): void {
    if (generation !== this.#generation) return;
    if (!failed) {
      this.#consecutiveFailures = 0;
      this.#apply("success");
      return;
    }
    if (this.#state === "closed") {
      this.#consecutiveFailures++;
      this.#apply(this.#consecutiveFailures >= this.#failureThreshold ? "thresholdReached" : "failure");
    } else {
      this.#apply("failure");
    }
  }

  #apply(event: CircuitEvent): void {
    const from = this.#state;
    const to = circuitTransition(from, event);
    if (to === from) return;
    this.#state = to;
    this.#generation++;
    const at = this.#clock.now();
    if (to === "open") this.#openedAt = at;
    if (to === "closed") this.#consecutiveFailures = 0;
    const change: CircuitStateChange =
      to === "open" ? { from, to, event, at, retryAt: at + this.#halfOpenAfterMs } : { from, to, event, at };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // An observer's bug must not change the outcome of the call being observed.
      }
    }
  }
}
