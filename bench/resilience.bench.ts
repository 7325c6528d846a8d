/**
 * What does the resilience toolkit cost on the success path, where it runs
 * on every call? A driver wrapped in `withPolicies` must stay cheap next to
 * the work it guards.
 *
 * Two groups, each against a baseline measured in the same process and round:
 *
 * 1. One awaited call of an async function that resolves at once (the
 *    baseline), then the same call through `withRetry`, `withTimeout` (with a
 *    real timer set and cleared), `CircuitBreaker.execute`,
 *    `KeyedMutex.runExclusive` (no contention), and all four stacked the way
 *    `withPolicies` stacks them. This isolates each wrapper's own overhead.
 * 2. A full mock-driver lifecycle (create, start, stop, remove) with
 *    `timing: "instant"`, direct (the baseline) and through `withPolicies`
 *    with its defaults: what the wrapper adds to realistic driver work.
 * 3. 1,000 concurrent calls over 10 keys: plain `Promise.all` of the calls
 *    (the baseline, no exclusion) against the same calls through one
 *    `KeyedMutex`: the price of the hand-over queue under contention.
 *
 * Run: `npx tsx bench/resilience.bench.ts` (BENCH_ROUNDS, BENCH_TIME_MS tune
 * it). Each figure is the median over the rounds.
 */
import { cpus } from "node:os";
import { ROUNDS, TIME_MS, measureRound, median } from "./harness.js";
import { createDriverConfig } from "../src/builders.js";
import { CircuitBreaker } from "../src/resilience/circuit-breaker.js";
import { KeyedMutex } from "../src/resilience/keyed-mutex.js";
import { withRetry } from "../src/resilience/retry.js";
import { withTimeout } from "../src/resilience/timeout.js";
import { withPolicies } from "../src/resilience/with-policies.js";
import type { ContainerDriver } from "../src/contract/driver.js";
import type { ContainerConfig } from "../src/contract/schemas.js";
import { MockDockerDriver } from "../tests/mocks/index.js";

/** Runs `tasks` for every round and prints, per task, the median µs and the median ratio to `baseline`. */
async function report(title: string, baseline: string, tasks: Record<string, () => unknown>): Promise<void> {
  const rounds: Map<string, number>[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await measureRound(tasks));
  console.log(`\n## ${title}\n`);
  console.log("| case | µs per call (median) | time ratio (median, range) |");
  console.log("| --- | ---: | ---: |");
  for (const name of Object.keys(tasks)) {
    const micros = median(rounds.map((round) => round.get(name)!));
    const ratios = rounds.map((round) => round.get(name)! / round.get(baseline)!);
    const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    console.log(`| ${name} | ${micros.toFixed(2)} | ${median(ratios).toFixed(2)} (${range}) |`);
  }
}

console.log(`# resilience bench: node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ""}`);
console.log(`rounds ${ROUNDS}, ${TIME_MS} ms per case per round`);

// 1. Each wrapper alone, on a call that resolves at once.
const work = async () => 1;
const breaker = new CircuitBreaker();
const mutex = new KeyedMutex<string>();
await report("Overhead per call (success path)", "baseline: await fn()", {
  "baseline: await fn()": () => work(),
  "withRetry(fn)": () => withRetry(work),
  "withTimeout(fn, 30 s)": () => withTimeout(work, 30_000),
  "breaker.execute(fn)": () => breaker.execute(work),
  "mutex.runExclusive(key, fn)": () => mutex.runExclusive("k", work),
  "all four stacked": () =>
    withRetry(() => breaker.execute(() => withTimeout(() => mutex.runExclusive("k", work), 30_000))),
});

// 2. A realistic lifecycle, direct and wrapped.
const config: ContainerConfig = createDriverConfig({
  sessionId: "bench-session",
  image: "registry.internal/openagent/runtime:1.4.2",
  command: ["node", "/app/agent.js"],
  resources: { cpu: 1, memory: 1024 },
});
async function lifecycle(driver: ContainerDriver): Promise<void> {
  const { id } = await driver.createContainer(config);
  await driver.startContainer(id);
  await driver.stopContainer(id);
  await driver.removeContainer(id);
}
const direct = new MockDockerDriver({ timing: "instant" });
const wrapped = withPolicies(new MockDockerDriver({ timing: "instant" }));
await report("Mock lifecycle (create, start, stop, remove)", "baseline: mock-docker direct", {
  "baseline: mock-docker direct": () => lifecycle(direct),
  "withPolicies(mock-docker), defaults": () => lifecycle(wrapped),
});

// 3. Contention: 1,000 calls over 10 keys.
const CALLS = 1_000;
const KEYS = 10;
const contended = new KeyedMutex<number>();
/**
 * The smallest FIFO per-key lock there is: chain each call onto the key's
 * last promise. It has no abort and never removes a key (a real one needs
 * both); shown to put the mutex's cost in proportion.
 */
const tails = new Map<number, Promise<unknown>>();
const chained = <T>(key: number, fn: () => Promise<T>): Promise<T> => {
  const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
  tails.set(key, run);
  return run;
};
await report(`${CALLS} concurrent calls over ${KEYS} keys`, "baseline: Promise.all, no lock", {
  "baseline: Promise.all, no lock": () => Promise.all(Array.from({ length: CALLS }, () => work())),
  "KeyedMutex, 10 keys": () =>
    Promise.all(Array.from({ length: CALLS }, (_, i) => contended.runExclusive(i % KEYS, work))),
  "info: promise-chain lock, 10 keys": () =>
    Promise.all(Array.from({ length: CALLS }, (_, i) => chained(i % KEYS, work))),
});
if (contended.size !== 0 || mutex.size !== 0) throw new Error("the mutex kept an entry for an idle key");
