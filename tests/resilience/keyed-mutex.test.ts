import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../../src/resilience/keyed-mutex.js";

/** Lets pending promise callbacks run; the mutex hands over in microtasks. */
async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

describe("KeyedMutex", () => {
  it("runs 1,000 concurrent waiters on mixed keys one holder per key at a time, FIFO, and ends empty", async () => {
    const mutex = new KeyedMutex<string>();
    const keys = ["a", "b", "c", "d", "e", "f", "g"];
    const holders = new Map<string, number>();
    const maxHolders = new Map<string, number>();
    const started = new Map<string, number[]>();
    const requested = new Map<string, number[]>();
    let violations = 0;

    const calls = Array.from({ length: 1000 }, (_, i) => {
      const key = keys[(i * 7 + (i >> 3)) % keys.length]!;
      requested.set(key, [...(requested.get(key) ?? []), i]);
      return mutex.runExclusive(key, async () => {
        const current = (holders.get(key) ?? 0) + 1;
        holders.set(key, current);
        if (current > 1) violations++;
        maxHolders.set(key, Math.max(maxHolders.get(key) ?? 0, current));
        started.set(key, [...(started.get(key) ?? []), i]);
        expect(mutex.isLocked(key)).toBe(true);
        try {
          // Yield a varying number of times so holders of different keys interleave.
          for (let y = 0; y < i % 5; y++) await Promise.resolve();
          if (i % 97 === 0) throw new Error(`failure ${i}`);
          return i;
        } finally {
          holders.set(key, (holders.get(key) ?? 1) - 1);
        }
      });
    });

    const results = await Promise.allSettled(calls);
    expect(violations).toBe(0);
    for (const [key, max] of maxHolders) expect(max, key).toBe(1);
    for (const key of keys) expect(started.get(key)).toEqual(requested.get(key));
    results.forEach((result, i) => {
      if (i % 97 === 0) expect(result.status).toBe("rejected");
      else expect(result).toEqual({ status: "fulfilled", value: i });
    });
    expect(mutex.size).toBe(0);
    for (const key of keys) expect(mutex.isLocked(key)).toBe(false);
  });

  it("keeps the per-key property for any interleaving of keys and failures (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 4 }), yields: fc.nat(4), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (jobs) => {
          const mutex = new KeyedMutex<number>();
          const active = new Set<number>();
          const order = new Map<number, number[]>();
          let overlap = false;
          const runs = jobs.map((job, index) =>
            mutex.runExclusive(job.key, async () => {
              if (active.has(job.key)) overlap = true;
              active.add(job.key);
              order.set(job.key, [...(order.get(job.key) ?? []), index]);
              for (let y = 0; y < job.yields; y++) await Promise.resolve();
              active.delete(job.key);
              if (job.fails) throw new Error("boom");
            }),
          );
          await Promise.allSettled(runs);
          expect(overlap).toBe(false);
          for (const [key, indices] of order) {
            const expected = jobs.flatMap((job, index) => (job.key === key ? [index] : []));
            expect(indices).toEqual(expected);
          }
          expect(mutex.size).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("stays FIFO and exclusive when new callers arrive while the lock is being handed over (property)", async () => {
    // Requests arrive from inside running holders, at every possible microtask, so some land between one
    // holder's release and the next holder's start: a lock that frees the key before handing it over lets
    // such a late caller barge in ahead of the queue.
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 2 }),
            yields: fc.nat(3),
            spawnKey: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            spawnAfter: fc.nat(5),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (jobs) => {
          const mutex = new KeyedMutex<number>();
          const active = new Set<number>();
          const requested = new Map<number, number[]>();
          const started = new Map<number, number[]>();
          let overlap = false;
          let next = 0;
          const runs: Promise<void>[] = [];
          const request = (key: number, yields: number, spawnKey: number | undefined, spawnAfter: number) => {
            const ticket = next++;
            requested.set(key, [...(requested.get(key) ?? []), ticket]);
            runs.push(
              mutex.runExclusive(key, async () => {
                if (active.has(key)) overlap = true;
                active.add(key);
                started.set(key, [...(started.get(key) ?? []), ticket]);
                if (spawnKey !== undefined && ticket < 200) {
                  // Arrive later, from outside this holder's critical section, at a varying microtask.
                  void (async () => {
                    for (let y = 0; y < spawnAfter; y++) await Promise.resolve();
                    request(spawnKey, yields, undefined, 0);
                  })();
                }
                for (let y = 0; y < yields; y++) await Promise.resolve();
                active.delete(key);
              }),
            );
          };
          for (const job of jobs) request(job.key, job.yields, job.spawnKey, job.spawnAfter);
          for (let settled = 0; settled < runs.length; ) {
            const batch = runs.slice(settled);
            await Promise.all(batch);
            settled += batch.length;
          }
          expect(overlap).toBe(false);
          expect(started).toEqual(requested);
          expect(mutex.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("lets different keys run at the same time", async () => {
    const mutex = new KeyedMutex();
    let releaseA!: () => void;
    const a = mutex.runExclusive("a", () => new Promise<void>((resolve) => (releaseA = resolve)));
    let bRan = false;
    await mutex.runExclusive("b", () => {
      bRan = true;
    });
    expect(bRan).toBe(true);
    expect(mutex.isLocked("a")).toBe(true);
    releaseA();
    await a;
    expect(mutex.size).toBe(0);
  });

  it("releases the lock when fn throws synchronously", async () => {
    const mutex = new KeyedMutex();
    await expect(
      mutex.runExclusive("k", () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(mutex.size).toBe(0);
    await expect(mutex.runExclusive("k", () => 42)).resolves.toBe(42);
  });

  it("an abort while waiting rejects with the signal's reason, gives up the place, and never runs fn", async () => {
    const mutex = new KeyedMutex();
    let release!: () => void;
    const holder = mutex.runExclusive("k", () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    let abortedRan = false;
    const aborted = mutex.runExclusive(
      "k",
      () => {
        abortedRan = true;
      },
      { signal: controller.signal },
    );
    const order: string[] = [];
    const third = mutex.runExclusive("k", () => {
      order.push("third");
    });
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(mutex.isLocked("k")).toBe(true);
    release();
    await holder;
    await third;
    expect(abortedRan).toBe(false);
    expect(order).toEqual(["third"]);
    expect(mutex.size).toBe(0);
  });

  it("an abort of the only waiter leaves no entry once the holder finishes", async () => {
    const mutex = new KeyedMutex();
    let release!: () => void;
    const holder = mutex.runExclusive("k", () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const waiting = mutex.runExclusive("k", () => undefined, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(DOMException);
    release();
    await holder;
    expect(mutex.size).toBe(0);
  });

  it("rejects at once with the reason when the signal has already aborted", async () => {
    const mutex = new KeyedMutex();
    const reason = new Error("already");
    let ran = false;
    await expect(
      mutex.runExclusive(
        "k",
        () => {
          ran = true;
        },
        { signal: AbortSignal.abort(reason) },
      ),
    ).rejects.toBe(reason);
    expect(ran).toBe(false);
    expect(mutex.size).toBe(0);
  });

  it("an abort after the lock was granted does not affect the holder", async () => {
    const mutex = new KeyedMutex();
    const controller = new AbortController();
    let release!: () => void;
    const first = mutex.runExclusive("k", () => new Promise<void>((resolve) => (release = resolve)));
    const second = mutex.runExclusive(
      "k",
      async () => {
        controller.abort(new Error("late"));
        await flush();
        return "done";
      },
      { signal: controller.signal },
    );
    release();
    await first;
    await expect(second).resolves.toBe("done");
    expect(mutex.size).toBe(0);
  });
});
