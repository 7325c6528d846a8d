/**
 * What do the mock drivers cost? Two goals, from the mock-driver issue:
 *
 * 1. A full lifecycle (create, start, stop, remove) with `timing: "instant"`
 *    costs under 20 µs, so test suites with thousands of containers stay fast.
 *    Baseline in the same process: `parseContainerConfig` of the same config,
 *    the validation every `createContainer` must do; the ratio shows how much
 *    the engine adds on top of it.
 * 2. `listContainers` with a label filter costs the same per container at
 *    1k, 10k and 100k containers (100k within 2x of 1k per container).
 *    Baseline in the same process: a plain `Array.filter` over the same
 *    number of plain objects with the same label test, which is what a
 *    straightforward mock does; the ratio shows what the label index saves.
 *
 * Run: `npx tsx bench/mock-driver.bench.ts` (BENCH_ROUNDS, BENCH_TIME_MS tune
 * it). Each figure is the median over the rounds, so one noisy round on a
 * busy machine does not decide the result.
 */
import { cpus } from "node:os";
import { ROUNDS, TIME_MS, measureRound, median, summary } from "./harness.js";
import { createDriverConfig } from "../src/builders.js";
import type { ContainerConfig, ContainerInstance } from "../src/contract/schemas.js";
import { parseContainerConfig } from "../src/validation.js";
import { type MockDriver, MockDockerDriver, MockLocalDriver } from "../tests/mocks/index.js";

const SIZES = [1_000, 10_000, 100_000] as const;
/** Containers carry one of this many `pool` label values; the filter selects one of them. */
const POOLS = 10;

const lifecycleConfig: ContainerConfig = createDriverConfig({
  sessionId: "bench-session",
  image: "registry.internal/openagent/runtime:1.4.2",
  command: ["node", "/app/agent.js"],
  labels: { "openagent.tier": "standard", pool: "0" },
  resources: { cpu: 1, memory: 1024 },
});

// ---------------------------------------------------------------------------
// 1. Lifecycle
// ---------------------------------------------------------------------------

async function lifecycle(driver: MockDriver): Promise<void> {
  const { id } = await driver.createContainer(lifecycleConfig);
  await driver.startContainer(id);
  await driver.stopContainer(id);
  await driver.removeContainer(id);
}

const docker = new MockDockerDriver({ timing: "instant" });
const local = new MockLocalDriver({ timing: "instant" });
const lifecycleRounds: Map<string, number>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  lifecycleRounds.push(
    await measureRound(
      {
        "baseline: parseContainerConfig": () => parseContainerConfig(lifecycleConfig),
        "lifecycle: mock-docker": () => lifecycle(docker),
        "lifecycle: mock-local": () => lifecycle(local),
      },
      round,
    ),
  );
}
if ((await docker.healthCheck()).containers.total !== 0) throw new Error("the lifecycle left containers behind");

// ---------------------------------------------------------------------------
// 2. listContainers with a label filter
// ---------------------------------------------------------------------------

type PlainContainer = { readonly labels: Readonly<Record<string, string>> };

/** The straightforward approach: scan everything, test the labels, copy the matches. */
function scanFilter(all: readonly PlainContainer[], label: Readonly<Record<string, string>>): PlainContainer[] {
  return all
    .filter((container) => Object.entries(label).every(([key, value]) => container.labels[key] === value))
    .map((container) => ({ ...container, labels: { ...container.labels } }));
}

const filter = { label: { pool: "3" } };
const listTasks: Record<string, () => unknown> = {};
for (const size of SIZES) {
  const driver = new MockDockerDriver({ timing: "instant" });
  for (let i = 0; i < size; i++) {
    await driver.createContainer(
      createDriverConfig({
        sessionId: `session-${i % 1_000}`,
        image: "alpine:3.20",
        labels: { pool: String(i % POOLS), index: String(i) },
      }),
    );
  }
  // The baseline's objects are made after the driver's, as a separate block, so
  // neither data set is spread out by the other.
  const plain: ContainerInstance[] = await driver.listContainers();
  const expected = size / POOLS;
  if (
    (await driver.listContainers(filter)).length !== expected ||
    scanFilter(plain, filter.label).length !== expected
  ) {
    throw new Error(`list at ${size}: expected ${expected} matches`);
  }
  listTasks[`list ${size}`] = () => driver.listContainers(filter);
  listTasks[`scan ${size}`] = () => scanFilter(plain, filter.label);
}
// Every size is measured in every round, so the 100k/1k ratio compares runs under the same machine load.
const listRounds: Map<string, number>[] = [];
for (let round = 0; round < ROUNDS; round++) listRounds.push(await measureRound(listTasks, round));

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

console.log(
  `mock driver benchmark: node ${process.version}, ${cpus().length} cores, ${ROUNDS} rounds x ${TIME_MS} ms per task`,
);
const lifecycleRatios = (name: string) =>
  lifecycleRounds.map((round) => round.get(name)! / round.get("baseline: parseContainerConfig")!);
const lifecycleMicros = (name: string) => lifecycleRounds.map((round) => round.get(name)!);
console.log("\n1. lifecycle (create + start + stop + remove), timing instant; goal < 20 µs");
console.table(
  ["baseline: parseContainerConfig", "lifecycle: mock-docker", "lifecycle: mock-local"].map((name) => ({
    task: name,
    "µs, median (range)": summary(lifecycleMicros(name)),
    "ratio vs parse, median (range)": summary(lifecycleRatios(name)),
  })),
);

console.log(
  `\n2. listContainers({ label: { pool: "3" } }), 1 in ${POOLS} containers match; goal 100k/1k per container <= 2`,
);
const perContainer = (round: Map<string, number>, task: "list" | "scan", size: number) =>
  (round.get(`${task} ${size}`)! * 1_000) / size;
const smallest = SIZES[0];
console.table(
  SIZES.map((size) => ({
    containers: size,
    "list ns per container": summary(listRounds.map((round) => perContainer(round, "list", size))),
    "vs 1k per container": summary(
      listRounds.map((round) => perContainer(round, "list", size) / perContainer(round, "list", smallest)),
    ),
    "scan baseline ns per container": summary(listRounds.map((round) => perContainer(round, "scan", size))),
    "scan vs 1k": summary(
      listRounds.map((round) => perContainer(round, "scan", size) / perContainer(round, "scan", smallest)),
    ),
    "list / scan": summary(listRounds.map((round) => round.get(`list ${size}`)! / round.get(`scan ${size}`)!)),
  })),
);
const largest = SIZES[SIZES.length - 1]!;
const flatRatio = median(
  listRounds.map((round) => perContainer(round, "list", largest) / perContainer(round, "list", smallest)),
);
const worstLifecycle = Math.max(
  median(lifecycleMicros("lifecycle: mock-docker")),
  median(lifecycleMicros("lifecycle: mock-local")),
);
console.log(`\ngoal lifecycle < 20 µs: ${worstLifecycle < 20 ? "met" : "NOT met"} at ${worstLifecycle.toFixed(2)} µs`);
console.log(`goal list 100k/1k per container <= 2: ${flatRatio <= 2 ? "met" : "NOT met"} at ${flatRatio.toFixed(2)}`);
