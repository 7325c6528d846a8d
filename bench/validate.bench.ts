/**
 * What does the contract's stricter validation cost? `validateContainerConfig`
 * on a realistic config, against two baselines measured in the same process:
 *
 * - the plain schema of the specification (seed 001), copied verbatim, run
 *   with Zod 4's `safeParse`: what a driver would pay without this package;
 * - a hand-written type check of the same plain shape: the floor.
 *
 * Goal: `validateContainerConfig` time / seed schema time ≤ 1.00. The extra
 * rules (strict keys, patterns, finite numbers, no `__proto__`) must cost no
 * more than the plain schema. Rows starting with "info" are not part of the
 * goal; they show the other paths callers take.
 *
 * Run: `npx tsx bench/validate.bench.ts` (BENCH_ROUNDS, BENCH_TIME_MS tune it).
 * It prints whether the goal is met but does not fail on it: timings on a
 * shared machine are evidence, not a test.
 */
import { z } from "zod";
import { containerConfigIssues, parseContainerConfig, validateContainerConfig } from "../src/index.js";
import {
  compareCases,
  describeRun,
  invalidConfig,
  isPlainSeedConfig,
  printRows,
  realisticConfig,
  SeedContainerConfigSchema,
} from "./validate-fixtures.js";

const SEED = "seed schema: safeParse";
const OURS = "validateContainerConfig";

const CompiledSeedContainerConfigSchema = z.compile(SeedContainerConfigSchema);

const rows = await compareCases(
  [
    { name: SEED, run: () => SeedContainerConfigSchema.safeParse(realisticConfig).success },
    { name: OURS, run: () => validateContainerConfig(realisticConfig) },
    { name: "hand-written plain check", run: () => isPlainSeedConfig(realisticConfig) },
    { name: "info: parseContainerConfig", run: () => parseContainerConfig(realisticConfig) !== realisticConfig },
    {
      name: "info: seed schema through z.compile",
      run: () => CompiledSeedContainerConfigSchema.safeParse(realisticConfig).success,
    },
    {
      name: "info: containerConfigIssues, 3 problems",
      run: () => containerConfigIssues(invalidConfig).length === 3,
    },
  ],
  SEED,
);

console.log(`validateContainerConfig benchmark: ${describeRun()}`);
printRows(rows, SEED);
const ours = rows.find((row) => row.name === OURS)!;
const verdict = ours.timeRatio <= 1 ? "met" : "NOT met";
console.log(`\ngoal ${OURS} / ${SEED} <= 1.00: ${verdict} (${ours.timeRatio.toFixed(2)})`);
