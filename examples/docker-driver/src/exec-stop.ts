/**
 * Why an exec is stopped before it ends on its own: its `timeoutMs` ran out,
 * the caller's signal aborted, or the caller's `onOutput` threw. One object
 * per call, so the three share one decision: the first wins.
 *
 * @module
 */
import type { Clock } from "../../../src/index.js";

/** Why an exec was stopped. */
export type StopReason = "timedOut" | "aborted" | "failed";

const noop = () => undefined;

/**
 * The stop decision of one exec: set by the first of the timer, the
 * caller's signal and {@link ExecStop.fail}.
 *
 * @example
 * ```ts
 * const stop = new ExecStop(clock, 5_000, options.signal);
 * const reason = await stop.stopped; // "timedOut" after 5 s, "aborted" when the signal aborts first
 * stop.dispose();
 * ```
 */
export class ExecStop {
  /** Resolves with the reason when the exec is stopped; never rejects, and stays pending when it never is. */
  readonly stopped: Promise<StopReason>;
  #reason: StopReason | undefined;
  #failure: { readonly error: unknown } | undefined;
  #resolve: (reason: StopReason) => void = noop;
  readonly #stopping = new AbortController();
  readonly #timer = new AbortController();
  readonly #signal: AbortSignal | undefined;
  readonly #clock: Clock;
  readonly #onAbort = () => this.#stop("aborted");

  /**
   * @param timeoutMs - from now; `undefined`: no timeout.
   * @param signal - the caller's; already aborted stops at once.
   */
  constructor(clock: Clock, timeoutMs: number | undefined, signal: AbortSignal | undefined) {
    this.stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#signal = signal;
    this.#clock = clock;
    if (signal?.aborted === true) {
      this.#stop("aborted");
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (timeoutMs !== undefined) clock.sleep(timeoutMs, this.#timer.signal).then(() => this.#stop("timedOut"), noop);
  }

  /** Why the exec was stopped, or `undefined` while it was not. */
  get reason(): StopReason | undefined {
    return this.#reason;
  }

  /** What `onOutput` threw, when that stopped the exec (or happened after another stop). */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** `onOutput` threw `error`: stop the exec. Only the first error is kept. */
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#stop("failed");
  }

  /** Wait `ms`; resolves `false` at once when the exec is stopped meanwhile (or already was). */
  async sleep(ms: number): Promise<boolean> {
    if (this.#reason !== undefined) return false;
    try {
      await this.#clock.sleep(ms, this.#stopping.signal);
      return this.#reason === undefined;
    } catch {
      return false;
    }
  }

  /** Release the timer and the signal's listener; the decision stays. */
  dispose(): void {
    this.#timer.abort();
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }

  #stop(reason: StopReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#stopping.abort();
    this.dispose();
    this.#resolve(reason);
  }
}
