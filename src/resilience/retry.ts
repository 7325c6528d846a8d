/**
 * Retry with exponential backoff and jitter, bounded by attempts and by
 * elapsed time, cancellable at any point.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.js";
import { ConfigurationError, isRetryableError } from "../errors.js";
import { callAsync, raceAbort } from "./abort.js";
import { MAX_TIMER_DELAY_MS } from "../contract/rules.js";
import { checkNumbers } from "./check-options.js";

/**
 * How the backoff delay is randomised, so that many clients that failed
 * together do not retry together:
 *
 * - `none`: exactly `min(maxDelayMs, baseDelayMs × multiplier^(attempt-1))`.
 *   Predictable; use it when a single caller retries.
 * - `full`: uniform in `[0, that exponential delay]`. Spreads retries best;
 *   the usual choice for a shared runtime (the default).
 * - `decorrelated`: uniform in `[baseDelayMs, 3 × previous delay]`, capped at
 *   `maxDelayMs`. Grows like the exponential but never drops below the base.
 */
export type JitterStrategy = (typeof JITTER_STRATEGIES)[number];

/** Every {@link JitterStrategy}, for validation and for UIs that offer a choice. */
export const JITTER_STRATEGIES = ["none", "full", "decorrelated"] as const;

/** What {@link RetryOptions.onRetry} receives before each wait. */
export type RetryAttemptInfo = {
  /** The attempt that just failed, counting from 1; the next attempt is `attempt + 1`. */
  readonly attempt: number;
  /** How long withRetry waits before the next attempt, in ms. */
  readonly delayMs: number;
  /** What the failed attempt threw. */
  readonly error: unknown;
};

/** Options of {@link withRetry}. Every field is optional. */
export type RetryOptions = {
  /**
   * Most calls of `fn` in total, the first one included (an integer ≥ 1,
   * or `Infinity` together with a finite `maxElapsedMs` or a `signal`, so
   * that something ends the loop). Default 3: two retries absorb a transient blip without making a caller
   * wait long when the runtime is really down.
   */
  readonly maxAttempts?: number;
  /**
   * Delay before the first retry, before jitter, in ms. Default 100: long
   * enough for a reset connection to be re-established, short enough to be
   * unnoticeable.
   */
  readonly baseDelayMs?: number;
  /**
   * Upper bound of any single delay, in ms, at most 2^31 - 1 (the longest a
   * timer can wait). Default 10,000: beyond that, a caller would rather see
   * the error.
   */
  readonly maxDelayMs?: number;
  /** Growth factor of the exponential backoff (≥ 1). Default 2, the classic doubling. */
  readonly multiplier?: number;
  /**
   * How delays are randomised; see {@link JitterStrategy}. Default `"full"`:
   * it spreads best the retries of many callers that failed together, so they
   * do not hit a recovering runtime in lockstep.
   */
  readonly jitter?: JitterStrategy;
  /**
   * Total time budget in ms, measured from the first call: no new attempt is
   * started if waiting for it would pass this budget; the last error is
   * thrown instead. Default `Infinity` (only `maxAttempts` bounds the loop).
   */
  readonly maxElapsedMs?: number;
  /**
   * Cancels the whole retry: rejects promptly with `signal.reason`, whether
   * `fn` is running (even if it ignores its signal) or withRetry is waiting.
   * Passed to `fn`. Default: none.
   */
  readonly signal?: AbortSignal;
  /**
   * Decides whether a failure is retried. Default {@link isRetryableError}:
   * only contract errors flagged retryable, because retrying anything else
   * (invalid input, a missing container, an unknown failure that may have
   * taken effect) repeats a failure or duplicates work.
   */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /**
   * Called before each wait, for logging or metrics. An exception it throws
   * ends the retry and is thrown to the caller. Default: none.
   */
  readonly onRetry?: (info: RetryAttemptInfo) => void;
  /** Source of time and of waiting. Default {@link systemClock}; tests pass `createManualClock()`. */
  readonly clock?: Clock;
  /** Source of randomness in `[0, 1)` for jitter. Default `Math.random`; tests pass a seeded one. */
  readonly random?: () => number;
};

/** Defaults of {@link RetryOptions}, in one place so docs and code agree. */
export const DEFAULT_RETRY_OPTIONS = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: "full" as JitterStrategy,
  maxElapsedMs: Number.POSITIVE_INFINITY,
});

/** The inputs of one delay computation; see {@link nextRetryDelay}. */
export type RetryDelayInput = {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** The delay used before this attempt (the base delay before the first retry); only `decorrelated` reads it. */
  readonly previousDelayMs: number;
  /** See {@link RetryOptions.baseDelayMs}. */
  readonly baseDelayMs: number;
  /** See {@link RetryOptions.maxDelayMs}. */
  readonly maxDelayMs: number;
  /** See {@link RetryOptions.multiplier}. */
  readonly multiplier: number;
  /** See {@link JitterStrategy}. */
  readonly jitter: JitterStrategy;
  /** A number in `[0, 1)`; values outside are clamped. */
  readonly random: () => number;
};

function unit(random: () => number): number {
  const value = random();
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(1, value);
}

/**
 * The delay before the next attempt. Pure given `random`, so the bounds can be
 * checked exhaustively: `none` and `full` stay in
 * `[0, min(maxDelayMs, baseDelayMs × multiplier^(attempt-1))]`, `decorrelated`
 * in `[min(baseDelayMs, maxDelayMs), maxDelayMs]`.
 *
 * @example
 * ```ts
 * nextRetryDelay({ attempt: 3, previousDelayMs: 200, baseDelayMs: 100, maxDelayMs: 10_000,
 *   multiplier: 2, jitter: "none", random: Math.random }); // 400
 * ```
 */
export function nextRetryDelay(input: RetryDelayInput): number {
  const { attempt, baseDelayMs, maxDelayMs, multiplier, jitter } = input;
  if (jitter === "decorrelated") {
    const floor = Math.min(baseDelayMs, maxDelayMs);
    const upper = Math.max(floor, input.previousDelayMs * 3);
    return Math.min(maxDelayMs, floor + unit(input.random) * (upper - floor));
  }
  // baseDelayMs 0 with a huge power would be 0 × Infinity = NaN.
  const exponential = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * multiplier ** (attempt - 1));
  return jitter === "full" ? unit(input.random) * exponential : exponential;
}

/** The numeric settings of a retry, defaults applied and checked. */
export type ResolvedRetryDelays = Required<
  Pick<RetryOptions, "maxAttempts" | "baseDelayMs" | "maxDelayMs" | "multiplier" | "maxElapsedMs" | "jitter">
>;

/**
 * Applies the defaults of {@link DEFAULT_RETRY_OPTIONS} and checks every
 * numeric option and the jitter, so a wrapper can refuse bad options when it
 * is built rather than on its first call.
 *
 * @throws ConfigurationError listing every option out of range.
 * @example
 * ```ts
 * resolveRetryDelays({ maxAttempts: 5 }).baseDelayMs; // 100
 * ```
 */
export function resolveRetryDelays(options: RetryOptions): ResolvedRetryDelays {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY_OPTIONS.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY_OPTIONS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY_OPTIONS.maxDelayMs;
  const multiplier = options.multiplier ?? DEFAULT_RETRY_OPTIONS.multiplier;
  const maxElapsedMs = options.maxElapsedMs ?? DEFAULT_RETRY_OPTIONS.maxElapsedMs;
  const jitter = options.jitter ?? DEFAULT_RETRY_OPTIONS.jitter;
  // The common case (sane numbers) is decided with plain comparisons; only a bad value pays for the issue list.
  const sane =
    ((Number.isInteger(maxAttempts) && maxAttempts >= 1) || maxAttempts === Number.POSITIVE_INFINITY) &&
    baseDelayMs >= 0 &&
    Number.isFinite(baseDelayMs) &&
    maxDelayMs >= 0 &&
    maxDelayMs <= MAX_TIMER_DELAY_MS &&
    multiplier >= 1 &&
    Number.isFinite(multiplier) &&
    maxElapsedMs >= 0;
  if (!sane) {
    checkNumbers(
      "retry options",
      { maxAttempts, baseDelayMs, maxDelayMs, multiplier, maxElapsedMs },
      {
        maxAttempts: { min: 1, integer: true, infinite: true },
        baseDelayMs: { min: 0 },
        maxDelayMs: { min: 0, max: MAX_TIMER_DELAY_MS },
        multiplier: { min: 1 },
        maxElapsedMs: { min: 0, infinite: true },
      },
    );
  }
  if (!(JITTER_STRATEGIES as readonly string[]).includes(jitter)) {
    throw new ConfigurationError(`Invalid retry options: jitter must be one of ${JITTER_STRATEGIES.join(", ")}`, {
      issues: [{ path: "jitter", message: `must be one of ${JITTER_STRATEGIES.join(", ")}` }],
    });
  }
  if (
    maxAttempts === Number.POSITIVE_INFINITY &&
    maxElapsedMs === Number.POSITIVE_INFINITY &&
    options.signal === undefined
  ) {
    throw new ConfigurationError(
      "Invalid retry options: maxAttempts Infinity needs a finite maxElapsedMs or a signal, or the retry never ends",
      { issues: [{ path: "maxAttempts", message: "Infinity needs a finite maxElapsedMs or a signal" }] },
    );
  }
  return { maxAttempts, baseDelayMs, maxDelayMs, multiplier, maxElapsedMs, jitter };
}

/**
 * Calls `fn` until it succeeds, a failure is not retryable, `maxAttempts` is
 * reached, the time budget would be exceeded, or `signal` aborts. Waits an
 * exponentially growing, jittered delay between attempts. Throws the last
 * failure unchanged (or `signal.reason` when aborted), so callers handle the
 * same errors as without retry.
 *
 * @param fn - the operation; receives the attempt number (from 1) and a signal
 *   that aborts when the caller's does.
 * @throws ConfigurationError when an option is out of range (checked before the first call).
 *
 * @example
 * ```ts
 * await withRetry((attempt, signal) => driver.startContainer(id), {
 *   maxAttempts: 5,
 *   jitter: "decorrelated",
 *   signal: AbortSignal.timeout(30_000),
 *   onRetry: ({ attempt, delayMs, error }) => log.warn({ attempt, delayMs, error }, "retrying start"),
 * });
 * ```
 */
export function withRetry<T>(
  fn: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  // Created on the first attempt, not up front: an AbortSignal costs microseconds in Node.
  let fnSignal = options.signal;
  return retryAttempts((attempt) => {
    fnSignal ??= new AbortController().signal;
    return fn(attempt, fnSignal);
  }, options);
}

/**
 * The loop of {@link withRetry}, for callers whose `fn` needs no signal (the
 * driver wrapper): it creates none. Internal: not exported from the package.
 */
export async function retryAttempts<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, multiplier, maxElapsedMs, jitter } = resolveRetryDelays(options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const shouldRetry = options.shouldRetry ?? isRetryableError;
  const { signal, onRetry } = options;
  const startedAt = clock.now();
  let previousDelayMs = baseDelayMs;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await raceAbort(
        callAsync(() => fn(attempt)),
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= maxAttempts || !shouldRetry(error, attempt)) throw error;
      const delayMs = nextRetryDelay({
        attempt,
        previousDelayMs,
        baseDelayMs,
        maxDelayMs,
        multiplier,
        jitter,
        random,
      });
      if (clock.now() - startedAt + delayMs > maxElapsedMs) throw error;
      onRetry?.({ attempt, delayMs, error });
      await clock.sleep(delayMs, signal);
      previousDelayMs = delayMs;
    }
  }
}
