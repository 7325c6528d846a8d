/**
 * What does validation cost on hostile input? `parseContainerConfig` on:
 *
 * - the largest config the limits accept (every list at its `CONFIG_LIMITS`
 *   size, every string at its longest);
 * - the most expensive invalid config that still passes the size walk (every
 *   list at its limit with every element wrong, thousands of unknown keys);
 * - each oversized shape the adversarial pass found (ten million zeros, a
 *   million entries, sparse `new Array(1e7)`, a million empty volumes, ...),
 *   which once took seconds and gigabytes or crashed the process;
 *
 * against the baseline of a realistic config, in the same process. Reported:
 * time per call (median over rounds, with the range), its ratio to the
 * baseline, and the heap one call allocates (`heapUsed` after minus before,
 * no collection in between; run with `--expose-gc` for a clean start) and
 * keeps (after a collection).
 *
 * Goal: no input takes more than 100 ms or allocates more than 64 MB. The
 * inputs themselves are built once, outside the timing: a server's
 * `JSON.parse` of such a body is its own cost.
 *
 * Run: `node --expose-gc --import tsx bench/hostile-input.bench.ts`
 * (BENCH_ROUNDS, BENCH_TIME_MS tune it). It prints whether the goal is met
 * but does not fail on it.
 */
import { cpus } from "node:os";
import { ConfigurationError, parseContainerConfig } from "../src/index.js";
import {
  baseConfig,
  largestInvalidConfig,
  largestValidConfig,
  OVERSIZED_SHAPES,
} from "../tests/contract/oversized-inputs.js";
import { ROUNDS, summary, TIME_MS } from "./harness.js";
import { realisticConfig } from "./validate-fixtures.js";

const BASELINE = "realistic config (baseline)";
const GOAL_MS = 100;
const GOAL_BYTES = 64 * 1024 * 1024;

/** A parse that must succeed (`valid`) or throw a ConfigurationError; anything else stops the benchmark. */
function parser(input: unknown, valid: boolean): () => unknown {
  return () => {
    try {
      parseContainerConfig(input);
      if (!valid) throw new Error("an invalid input was accepted");
    } catch (error) {
      if (valid || !(error instanceof ConfigurationError)) throw error;
    }
  };
}

const cases: Record<string, { input: unknown; valid: boolean }> = {
  [BASELINE]: { input: realisticConfig, valid: true },
  "largest valid config": { input: largestValidConfig(), valid: true },
  "largest invalid config past the size walk": { input: largestInvalidConfig(), valid: false },
};
for (const shape of Object.values(OVERSIZED_SHAPES)) {
  const built = shape.build();
  cases[shape.label] = { input: typeof built === "string" ? JSON.parse(built) : built, valid: false };
}
// Too slow to build for the test's child process; here they show what a key count costs.
const millionKeys = () => Object.fromEntries(Array.from({ length: 1_000_000 }, (_, index) => [`K${index}`, "v"]));
cases["a million environment variables"] = { input: { ...baseConfig(), env: millionKeys() }, valid: false };
cases["a million labels"] = { input: { ...baseConfig(), labels: millionKeys() }, valid: false };
const tasks = Object.fromEntries(Object.entries(cases).map(([name, { input, valid }]) => [name, parser(input, valid)]));
for (const [name, task] of Object.entries(tasks)) {
  try {
    task();
  } catch (error) {
    throw new Error(`${name}: ${String(error)}`);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap one call allocates and keeps, in bytes. */
function heapOf(task: () => unknown): { allocated: number; kept: number } {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  task();
  const after = process.memoryUsage().heapUsed;
  gc?.();
  return { allocated: Math.max(0, after - before), kept: Math.max(0, process.memoryUsage().heapUsed - before) };
}

/**
 * Mean time of one call in µs: one call to warm up, then calls until
 * `TIME_MS` has passed (at least three). tinybench's fixed minimum of
 * iterations would take minutes on the inputs that cost a second.
 */
function timePerCall(task: () => unknown): number {
  task();
  const started = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - started < TIME_MS) {
    task();
    calls++;
  }
  return ((performance.now() - started) / calls) * 1_000;
}

const micros = new Map<string, number[]>(Object.keys(tasks).map((name) => [name, []]));
const ratios = new Map<string, number[]>(Object.keys(tasks).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotated, so no case always runs first on a cold machine; the ratio is taken within the round.
  const names = Object.keys(tasks);
  const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
  const result = new Map(order.map((name) => [name, timePerCall(tasks[name] as () => unknown)]));
  const baseline = result.get(BASELINE) ?? Number.NaN;
  for (const [name, time] of result) {
    micros.get(name)?.push(time);
    ratios.get(name)?.push(time / baseline);
  }
}

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `node ${process.version}, ${cpus().length} cores, ${ROUNDS} rounds x ${TIME_MS} ms per case, gc ${gc === undefined ? "not exposed" : "exposed"}\n`,
);
let met = true;
const rows = Object.keys(tasks).map((name) => {
  const times = (micros.get(name) ?? []).map((time) => time / 1_000);
  const heap = heapOf(tasks[name] as () => unknown);
  const worstMs = Math.max(...times);
  if (worstMs > GOAL_MS || heap.allocated > GOAL_BYTES) met = false;
  return {
    case: name,
    "ms per call": summary(times, 3),
    "time ratio": summary(ratios.get(name) ?? [], 1),
    "heap allocated (MB)": megabytes(heap.allocated),
    "heap kept (MB)": megabytes(heap.kept),
  };
});
console.table(rows);
console.log(
  `\ngoal (every input under ${GOAL_MS} ms and ${megabytes(GOAL_BYTES)} MB allocated): ${met ? "met" : "NOT met"}`,
);
