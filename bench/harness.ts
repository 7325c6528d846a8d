/**
 * The measuring loop shared by the benchmarks: run lengths from the
 * environment, one tinybench round with the tasks in a rotated order, and
 * medians over rounds. Ratios are taken within a round, so a burst of load
 * on a shared machine moves one round, and the median ignores it.
 */
import { Bench } from "tinybench";

/** Rounds per benchmark (`BENCH_ROUNDS`, default 3); every figure is a median over them. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Time each task runs per round in ms (`BENCH_TIME_MS`, default 400). */
export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 400);

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The `p`th percentile of `values` (0-100), nearest rank; `NaN` for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Median of the ratios `a / b` of samples taken in the same round, as "1.23x": each round's noise cancels out. */
export function pairedRatio(samples: ReadonlyMap<string, readonly number[]>, a: string, b: string): string {
  const left = samples.get(a) ?? [];
  const right = samples.get(b) ?? [];
  return `${percentile(
    left.map((value, index) => value / (right[index] ?? Number.NaN)),
    50,
  ).toFixed(2)}x`;
}

/** "median (lowest-highest)" of a per-round figure. */
export function summary(values: readonly number[], digits = 2): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
}

/**
 * One round: mean time per call in µs, by task name. The tasks start in an
 * order rotated by `round`, so none always runs first on a cold machine.
 */
export async function measureRound(tasks: Record<string, () => unknown>, round = 0): Promise<Map<string, number>> {
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.max(100, TIME_MS / 4) });
  const entries = Object.entries(tasks);
  for (let index = 0; index < entries.length; index++) {
    const [name, fn] = entries[(index + round) % entries.length]!;
    bench.add(name, fn);
  }
  await bench.run();
  const micros = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
    micros.set(task.name, result.latency.mean * 1_000);
  }
  return micros;
}
