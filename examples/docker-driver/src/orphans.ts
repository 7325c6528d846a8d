/**
 * Creates whose outcome is unknown. A create that times out or loses its
 * answer (the engine crashed, the connection reset) may have been made: an
 * engine killed while it answered had written the container to disk and
 * showed it, in `created`, once it was back. The caller saw a rejection, so
 * nothing may remain (C-FAILED-CREATE-ATOMIC). The driver chose the
 * container's name, unique to that one create, so it removes the name
 * until it can tell that nothing of the create is left:
 *
 * - at once (while the create's rejection is on its way, so with a live
 *   engine the leftover is gone before the caller hears of the failure);
 * - then in the background, with a growing pause (up to 5 s), while the
 *   engine is unreachable;
 * - done when the removal succeeds (the create had been made: undone), or
 *   when the engine says there is no such container and the create's own
 *   deadline has passed once more since the failure (a slow engine still
 *   working on the create has had that long to finish it);
 * - given up after the window (`reconcileWindowMs`), and at `close()`.
 *
 * Only creates without an idempotency key: a keyed create's container is
 * adopted by the retry instead (see idempotency.ts), and removing it could
 * remove what a racing create with the same key has just returned.
 *
 * @module
 */
import { type EngineScope, statusCodeOf } from "./engine-call.js";

/** The longest pause between two attempts, in ms. */
const MAX_PAUSE_MS = 5_000;
/** The first pause, in ms; it doubles after each attempt. */
const FIRST_PAUSE_MS = 100;

/** How long each kind of wait lasts, in ms. */
export type UnknownCreateTimes = {
  /** How long after the failure the driver keeps trying. */
  readonly windowMs: number;
  /** How long after the failure "no such container" is believed (the create's own deadline). */
  readonly settleMs: number;
};

/**
 * The reconcile of one driver instance's unknown creates; see the module comment.
 *
 * @example
 * ```ts
 * const unknown = new UnknownCreates(scope, { windowMs: 600_000, settleMs: 30_000 });
 * await unknown.reconcile(name); // first attempt now; the rest in the background
 * await unknown.close();
 * ```
 */
export class UnknownCreates {
  readonly #scope: EngineScope;
  readonly #times: UnknownCreateTimes;
  readonly #stop = new AbortController();
  readonly #pending = new Map<string, Promise<void>>();

  constructor(scope: EngineScope, times: UnknownCreateTimes) {
    this.#scope = scope;
    this.#times = times;
  }

  /** The names still being reconciled. */
  get pending(): readonly string[] {
    return [...this.#pending.keys()];
  }

  /**
   * Reconcile the create of container `name`: resolves after the first
   * attempt; the rest runs in the background (not after `close()`: then the
   * first attempt is the only one). Never rejects.
   */
  async reconcile(name: string): Promise<void> {
    const since = this.#scope.clock.now();
    if (await this.#attempt(name, since, false)) return;
    if (this.#stop.signal.aborted || this.#pending.has(name)) return;
    const background = this.#loop(name, since).finally(() => this.#pending.delete(name));
    this.#pending.set(name, background);
  }

  /** Stop every background reconcile and wait for the attempts under way. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort(new Error("the driver was closed"));
    await Promise.all(this.#pending.values());
  }

  async #loop(name: string, since: number): Promise<void> {
    let pause = FIRST_PAUSE_MS;
    while (this.#scope.clock.now() - since < this.#times.windowMs) {
      if (!(await this.#pause(pause))) return;
      if (await this.#attempt(name, since, true)) return;
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }

  /** One removal by name; `true` when nothing of the create is left for sure. A background one stops at `close()`. */
  async #attempt(name: string, since: number, background: boolean): Promise<boolean> {
    const { calls, clock, docker } = this.#scope;
    try {
      const outcome = await calls.call(
        { operation: "createContainer" },
        (signal) =>
          docker
            .getContainer(name)
            .remove({ force: true, v: true, abortSignal: signal })
            .then(
              () => "removed" as const,
              (error: unknown) => {
                if (statusCodeOf(error) === 404) return "absent" as const;
                throw error;
              },
            ),
        background ? { maxAttempts: 1, signal: this.#stop.signal } : { maxAttempts: 1 },
      );
      return outcome === "removed" || clock.now() - since >= this.#times.settleMs;
    } catch {
      // The engine does not answer (or the driver was closed): try again later.
      return false;
    }
  }

  /** Wait `ms` on a timer that keeps no process alive; `false` when `close()` came first. */
  #pause(ms: number): Promise<boolean> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      timer.unref();
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
