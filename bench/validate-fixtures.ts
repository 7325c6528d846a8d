/**
 * What the validation benchmarks share: the input, the two baselines and the
 * measuring loop, so `validate.bench.ts` and `validate-levers.bench.ts`
 * compare the same things in the same way.
 */
import { cpus } from "node:os";
import { Bench } from "tinybench";
import { z } from "zod";
import type { ContainerConfig } from "../src/index.js";

// ---------------------------------------------------------------------------
// Baseline 1: seed 001's ContainerConfigSchema, verbatim (no extra rules).
// ---------------------------------------------------------------------------

/** The specification's plain schema: what a driver would run without this package. */
export const SeedContainerConfigSchema = z.object({
  sessionId: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
  resources: z.object({
    cpu: z.number().min(0),
    memory: z.number().min(1),
    disk: z.number().min(1),
    pids: z.number().min(1),
  }),
  volumes: z.array(
    z.object({
      source: z.string(),
      target: z.string(),
      readOnly: z.boolean().optional(),
      type: z.enum(["bind", "volume"]).optional(),
    }),
  ),
  network: z.string(),
  security: z.object({
    readOnly: z.boolean(),
    noNewPrivileges: z.boolean(),
    user: z.string(),
    capabilities: z.object({
      drop: z.array(z.string()),
      add: z.array(z.string()),
    }),
  }),
});

// ---------------------------------------------------------------------------
// Baseline 2: a hand-written check of the same plain shape (the floor).
// ---------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== "string") return false;
  return true;
}

function isStringRecord(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) if (typeof value[key] !== "string") return false;
  return true;
}

function isNumberAtLeast(value: unknown, minimum: number): boolean {
  return typeof value === "number" && value >= minimum;
}

/** The seed schema's rules, by hand: types, number minimums, the mount type enum. */
export function isPlainSeedConfig(value: unknown): boolean {
  if (!isRecord(value)) return false;
  if (typeof value.sessionId !== "string" || typeof value.image !== "string") return false;
  if (value.command !== undefined && !isStringArray(value.command)) return false;
  if (!isStringRecord(value.env) || !isStringRecord(value.labels)) return false;
  const resources = value.resources;
  if (
    !isRecord(resources) ||
    !isNumberAtLeast(resources.cpu, 0) ||
    !isNumberAtLeast(resources.memory, 1) ||
    !isNumberAtLeast(resources.disk, 1) ||
    !isNumberAtLeast(resources.pids, 1)
  ) {
    return false;
  }
  if (!Array.isArray(value.volumes)) return false;
  for (const mount of value.volumes) {
    if (!isRecord(mount) || typeof mount.source !== "string" || typeof mount.target !== "string") return false;
    if (mount.readOnly !== undefined && typeof mount.readOnly !== "boolean") return false;
    if (mount.type !== undefined && mount.type !== "bind" && mount.type !== "volume") return false;
  }
  if (typeof value.network !== "string") return false;
  const security = value.security;
  if (
    !isRecord(security) ||
    typeof security.readOnly !== "boolean" ||
    typeof security.noNewPrivileges !== "boolean" ||
    typeof security.user !== "string"
  ) {
    return false;
  }
  const capabilities = security.capabilities;
  return isRecord(capabilities) && isStringArray(capabilities.drop) && isStringArray(capabilities.add);
}

// ---------------------------------------------------------------------------
// Input: what a platform sends for one agent session.
// ---------------------------------------------------------------------------

/** Four env vars, three labels, a volume and a read-only bind mount, two added capabilities. */
export const realisticConfig: ContainerConfig = {
  sessionId: "session-7f3a9c2e-4b1d-4e8a-9f6c-2d5e8a1b3c4d",
  image: "registry.internal/openagent/runtime:1.4.2",
  command: ["node", "/app/agent.js", "--port", "8080"],
  env: {
    NODE_ENV: "production",
    AGENT_MODEL: "default",
    SESSION_TIMEOUT_MS: "900000",
    LOG_LEVEL: "info",
  },
  labels: {
    "openagent.session": "session-7f3a9c2e-4b1d-4e8a-9f6c-2d5e8a1b3c4d",
    "openagent.owner": "team-research",
    "openagent.tier": "standard",
  },
  resources: { cpu: 1.5, memory: 2048, disk: 4096, pids: 256 },
  volumes: [
    { source: "workspace-7f3a9c2e", target: "/workspace", type: "volume" },
    { source: "/srv/openagent/tools", target: "/opt/tools", readOnly: true, type: "bind" },
  ],
  network: "agents",
  security: {
    readOnly: true,
    noNewPrivileges: true,
    user: "openagent",
    capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] },
  },
};

/** Three problems (empty image, bad env name, misspelt `readonly`): the path of a caller that shows issues. */
export const invalidConfig = {
  ...realisticConfig,
  image: "",
  env: { ...realisticConfig.env, "BAD NAME": "x" },
  security: { ...realisticConfig.security, readonly: true },
};

// ---------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------

/** One case: `run` must return true for the input it measures (checked before timing). */
export type BenchCase = { readonly name: string; readonly run: () => boolean };

/** One measured row: median ops/s and median time ratio against the baseline over all rounds. */
export type BenchRow = {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly timeRatio: number;
  readonly minRatio: number;
  readonly maxRatio: number;
};

/** Calls per task invocation: a single call of the hand-written check is well under a microsecond. */
const BATCH = 100;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Time every case against `baseline` (the name of one case) in the same
 * process. Each round runs every case once, in a rotated order, and the ratio
 * is taken within the round; the medians over the rounds are reported, so a
 * burst of load from another process on a shared machine moves one round, not
 * the result. `BENCH_ROUNDS` (default 9) and `BENCH_TIME_MS` (default 200 per
 * case per round) tune it.
 */
export async function compareCases(cases: readonly BenchCase[], baseline: string): Promise<BenchRow[]> {
  for (const benchCase of cases) {
    if (!benchCase.run()) throw new Error(`${benchCase.name}: gave the wrong answer for its input`);
  }
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
  const timeMs = Number(process.env.BENCH_TIME_MS ?? 200);
  let sink = 0;
  const samples = new Map<string, number[]>(cases.map((benchCase) => [benchCase.name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: timeMs, warmupTime: Math.max(50, timeMs / 4) });
    for (let index = 0; index < cases.length; index++) {
      const benchCase = cases[(index + round) % cases.length]!;
      bench.add(benchCase.name, () => {
        for (let call = 0; call < BATCH; call++) if (benchCase.run()) sink++;
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
      samples.get(task.name)!.push(result.throughput.mean * BATCH);
    }
  }
  if (sink === 0) throw new Error("no call succeeded");
  const baselineSamples = samples.get(baseline);
  if (baselineSamples === undefined) throw new Error(`no case named ${baseline}`);
  return cases.map(({ name }) => {
    const opsPerSecond = samples.get(name)!;
    const ratios = opsPerSecond.map((ops, round) => baselineSamples[round]! / ops);
    return {
      name,
      opsPerSecond: median(opsPerSecond),
      timeRatio: median(ratios),
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
    };
  });
}

/** The machine and settings, for the first line of a report. */
export function describeRun(): string {
  const { major, minor, patch } = z.core.version;
  return (
    `node ${process.version}, ${cpus().length} cores, zod ${major}.${minor}.${patch}, ` +
    `${process.env.BENCH_ROUNDS ?? 9} rounds x ${process.env.BENCH_TIME_MS ?? 200} ms per case, ${BATCH} calls per sample`
  );
}

/** Print rows as a table: ops/s, time ratio against the baseline (lower is faster), and its range over the rounds. */
export function printRows(rows: readonly BenchRow[], baseline: string): void {
  console.log(`time ratio = time per call / time per call of "${baseline}" (median over rounds; lower is faster)\n`);
  console.table(
    rows.map((row) => ({
      case: row.name,
      "ops/s": Math.round(row.opsPerSecond),
      "time ratio": row.timeRatio.toFixed(2),
      "ratio range": `${row.minRatio.toFixed(2)}-${row.maxRatio.toFixed(2)}`,
    })),
  );
}
