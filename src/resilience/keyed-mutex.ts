/**
 * Per-key mutual exclusion: calls for the same key (a container id, a volume
 * name) run one at a time, in the order they asked; calls for different keys
 * do not wait for each other.
 *
 * @module
 */

/** Options of {@link KeyedMutex.runExclusive}. */
export type RunExclusiveOptions = {
  /**
   * Gives up waiting for the lock when it aborts: the call rejects with
   * `signal.reason` and leaves the queue, so later waiters are not held up by
   * a caller that went away. Once `fn` has started, aborting no longer
   * affects the lock (pass the signal into `fn` yourself to cancel the work).
   * Default: none, wait as long as it takes.
   */
  readonly signal?: AbortSignal;
};

/** Hands the lock to a waiter; ownership passes directly, so nobody can barge in between. */
type Grant = () => void;

type KeyQueue = {
  /** Callers waiting behind the current holder, oldest first. */
  readonly waiters: Grant[];
};

/**
 * Serialises work per key. Waiters for one key run strictly one at a time,
 * first come first served; the lock passes straight from a holder to the next
 * waiter, so no new caller can slip in between. The internal map holds an
 * entry only while a key has a holder or waiters, so a long-lived mutex over
 * millions of container ids does not grow without bound.
 *
 * @typeParam K - the key type; keys are compared as `Map` keys (SameValueZero).
 *
 * @example
 * ```ts
 * const locks = new KeyedMutex();
 * // Two stops of the same container never interleave; stops of different containers run in parallel.
 * await Promise.all([
 *   locks.runExclusive("c-1", () => engine.stop("c-1")),
 *   locks.runExclusive("c-1", () => engine.remove("c-1")),
 *   locks.runExclusive("c-2", () => engine.stop("c-2")),
 * ]);
 * ```
 */
export class KeyedMutex<K = string> {
  readonly #queues = new Map<K, KeyQueue>();

  /**
   * Runs `fn` once no other call for `key` holds the lock, and releases the
   * lock when `fn` settles, whether it returns, throws or rejects.
   *
   * @returns what `fn` returns; rejects with what `fn` throws, or with
   *   `options.signal.reason` when the wait is aborted (then `fn` never runs).
   *
   * @example
   * ```ts
   * const result = await locks.runExclusive(containerId, () => removeContainer(containerId), { signal });
   * ```
   */
  runExclusive<T>(key: K, fn: () => T | Promise<T>, options: RunExclusiveOptions = {}): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const queue = this.#queues.get(key);
    if (queue === undefined) {
      this.#queues.set(key, { waiters: [] });
      return this.#hold(key, fn);
    }
    // Plain promise chaining rather than async/await: under contention every waiter pays for it.
    return this.#wait(queue, signal).then(() => this.#hold(key, fn));
  }

  /**
   * Whether a call for `key` holds the lock right now.
   *
   * @example
   * ```ts
   * if (locks.isLocked(containerId)) log("another operation on this container is in progress");
   * ```
   */
  isLocked(key: K): boolean {
    return this.#queues.has(key);
  }

  /**
   * How many keys have a holder or waiters; 0 when the mutex is idle, which
   * tests use to show that no entry leaks.
   */
  get size(): number {
    return this.#queues.size;
  }

  #wait(queue: KeyQueue, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal === undefined) {
        queue.waiters.push(resolve);
        return;
      }
      const onAbort = () => {
        const index = queue.waiters.indexOf(grant);
        if (index >= 0) queue.waiters.splice(index, 1);
        reject(signal.reason);
      };
      const grant: Grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      queue.waiters.push(grant);
      signal.addEventListener("abort", onAbort);
    });
  }

  /** Runs `fn` as the holder of `key` and releases the lock however `fn` ends, a synchronous throw included. */
  #hold<T>(key: K, fn: () => T | Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = Promise.resolve(fn());
    } catch (error) {
      this.#release(key);
      return Promise.reject(error);
    }
    return result.then(
      (value) => {
        this.#release(key);
        return value;
      },
      (error: unknown) => {
        this.#release(key);
        throw error;
      },
    );
  }

  #release(key: K): void {
    const queue = this.#queues.get(key);
    const grant = queue?.waiters.shift();
    if (grant === undefined) {
      this.#queues.delete(key);
      return;
    }
    grant();
  }
}
