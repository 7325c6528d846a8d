/**
 * When cases run: up to `concurrency` at once, and an `exclusive` case alone.
 * One queue, first come first served, so the runner and the vitest adapter
 * order cases the same way.
 *
 * @module
 */
import type { ConformanceCase } from "./types.js";

type Waiter = { readonly exclusive: boolean; readonly grant: () => void };

/**
 * Grants turns to cases: shared turns up to `concurrency` at once, an
 * exclusive turn only when nothing else runs. Waiters are served strictly in
 * the order they asked, so a waiting exclusive case holds back the shared
 * ones behind it, and cannot starve.
 *
 * @example
 * ```ts
 * const scheduler = new CaseScheduler(4);
 * await Promise.all(cases.map((c) => scheduler.run(c.exclusive === true, () => runCase(c, factory, info, options))));
 * ```
 */
export class CaseScheduler {
  /** The most shared turns at once; at least 1. */
  readonly concurrency: number;
  #shared = 0;
  #exclusive = false;
  readonly #queue: Waiter[] = [];

  constructor(concurrency: number) {
    this.concurrency = Math.max(1, Math.floor(concurrency));
  }

  /** Run `fn` in its turn and release the turn however it ends. */
  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.#queue.push({ exclusive, grant });
      this.#drain();
    });
    try {
      return await fn();
    } finally {
      if (exclusive) this.#exclusive = false;
      else this.#shared -= 1;
      this.#drain();
    }
  }

  #drain(): void {
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || this.#exclusive) return;
      if (next.exclusive ? this.#shared > 0 : this.#shared >= this.concurrency) return;
      this.#queue.shift();
      if (next.exclusive) this.#exclusive = true;
      else this.#shared += 1;
      next.grant();
    }
  }
}

/**
 * `cases` in the order they are started: the concurrent ones first, then the
 * exclusive ones, each group in case order. Starting every exclusive case
 * after the rest drains the pool once instead of once per exclusive case.
 *
 * @example
 * ```ts
 * runOrder(selectCases(options)).at(-1)?.id; // "cleanup.run.nothing-left"
 * ```
 */
export function runOrder<T extends Pick<ConformanceCase, "exclusive">>(cases: readonly T[]): T[] {
  return [...cases.filter((c) => c.exclusive !== true), ...cases.filter((c) => c.exclusive === true)];
}
