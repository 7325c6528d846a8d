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
import { Bench } from "tinybench";
import { createDriverConfig } from "../src/builders.js";
import type { ContainerConfig, ContainerInstance } from "../src/types.js";
import { parseContainerConfig } from "../src/validation.js";
import { type MockDriver, MockDockerDriver, MockLocalDriver } from "../tests/mocks/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 400);
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Mean time per task call in µs, by task name. */
async function measure(tasks: Record<string, () => unknown>): Promise<Map<string, number>> {
  const bench = new Bench({ time: TIME_MS, warmupTime: Math.max(100, TIME_MS / 4) });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const micros = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
    micros.set(task.name, result.latency.mean * 1_000);
  }
  return micros;
}

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
    await measure({
      "baseline: parseContainerConfig": () => parseContainerConfig(lifecycleConfig),
      "lifecycle: mock-docker": () => lifecycle(docker),
      "lifecycle: mock-local": () => lifecycle(local),
    }),
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

type ListRow = { size: number; mockMicros: number[]; scanMicros: number[] };
const listRows: ListRow[] = [];
const filter = { label: { pool: "3" } };
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
  const listed = await driver.listContainers(filter);
  if (listed.length !== expected || scanFilter(plain, filter.label).length !== expected) {
    throw new Error(`list at ${size}: expected ${expected} matches`);
  }
  const row: ListRow = { size, mockMicros: [], scanMicros: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const micros = await measure({
      "listContainers(label)": () => driver.listContainers(filter),
      "baseline: Array scan": () => scanFilter(plain, filter.label),
    });
    row.mockMicros.push(micros.get("listContainers(label)")!);
    row.scanMicros.push(micros.get("baseline: Array scan")!);
  }
  listRows.push(row);
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

console.log(
  `mock driver benchmark: node ${process.version}, ${cpus().length} cores, ${ROUNDS} rounds x ${TIME_MS} ms per task`,
);
const lifecycleMedian = (name: string) => median(lifecycleRounds.map((round) => round.get(name)!));
const parseMicros = lifecycleMedian("baseline: parseContainerConfig");
console.log("\n1. lifecycle (create + start + stop + remove), timing instant; goal < 20 µs");
console.table(
  ["baseline: parseContainerConfig", "lifecycle: mock-docker", "lifecycle: mock-local"].map((name) => ({
    task: name,
    "µs (median)": lifecycleMedian(name).toFixed(2),
    "ratio vs parse": (lifecycleMedian(name) / parseMicros).toFixed(2),
  })),
);

console.log(
  `\n2. listContainers({ label: { pool: "3" } }), 1 in ${POOLS} containers match; goal 100k/1k per container <= 2`,
);
const first = listRows[0]!;
const perContainer = (row: ListRow, key: "mockMicros" | "scanMicros") => (median(row[key]) * 1_000) / row.size;
console.table(
  listRows.map((row) => ({
    containers: row.size,
    "list µs (median)": median(row.mockMicros).toFixed(1),
    "ns per container": perContainer(row, "mockMicros").toFixed(2),
    "vs 1k per container": (perContainer(row, "mockMicros") / perContainer(first, "mockMicros")).toFixed(2),
    "scan baseline ns per container": perContainer(row, "scanMicros").toFixed(2),
    "mock / scan": (median(row.mockMicros) / median(row.scanMicros)).toFixed(2),
  })),
);
const last = listRows.at(-1)!;
const flatRatio = perContainer(last, "mockMicros") / perContainer(first, "mockMicros");
const worstLifecycle = Math.max(lifecycleMedian("lifecycle: mock-docker"), lifecycleMedian("lifecycle: mock-local"));
console.log(`\ngoal lifecycle < 20 µs: ${worstLifecycle < 20 ? "met" : "NOT met"} at ${worstLifecycle.toFixed(2)} µs`);
console.log(`goal list 100k/1k per container <= 2: ${flatRatio <= 2 ? "met" : "NOT met"} at ${flatRatio.toFixed(2)}`);
