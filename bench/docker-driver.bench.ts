/**
 * What does the Docker driver cost on top of the engine? From the Docker
 * driver issue: the driver adds under 10% to raw dockerode calls doing the
 * same work, and beats the `docker` command line.
 *
 * Three implementations do the same work against the local engine, in the
 * same process and run:
 *
 * - `driver`: `DockerDriver` (validation, ownership checks, lifecycle table,
 *   retries, timeouts, per-id locks, the stopped marker).
 * - `dockerode`: raw dockerode calls with the identical create request
 *   (built by the driver's own `toCreateOptions`), no checks. The baseline.
 * - `cli`: the `docker` command line with the equivalent flags, one process
 *   per call, as a shell script would do it.
 *
 * Two measurements:
 *
 * 1. create → running latency, one container at a time: p50 and p95 over
 *    `BENCH_SAMPLES` containers (default 15).
 * 2. A full lifecycle (create, start, stop, remove) of `c` containers at
 *    once, for c = 1, 8, 32: mean wall time of one batch, median over
 *    `BENCH_ROUNDS` rounds (default 3) in which the three take turns.
 *
 * Run: `bash scripts/docker-engine.sh && npx tsx bench/docker-driver.bench.ts`.
 * It needs the engine and takes a few minutes on a small machine; everything
 * it creates carries a bench namespace and is removed at the end.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import Docker from "dockerode";
import { Bench } from "tinybench";
import { type ContainerConfig, createDriverConfig } from "../src/index.js";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { toCreateOptions } from "../examples/docker-driver/src/mapping.js";
import { OWNER_LABELS } from "../examples/docker-driver/src/labels.js";
import { DOCKER_DRIVER_DEFAULTS } from "../examples/docker-driver/src/options.js";
import { percentile, pairedRatio } from "./harness.js";

const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;
const IMAGE = "openagent-test/busybox:latest";
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
/** Rounds of the lifecycle measurement; each figure is the median over rounds, so drift of a busy machine hits all three alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Batches per round and concurrency level: fewer at high concurrency, where one batch already holds many containers. */
const BATCHES: Record<number, number> = { 1: 4, 8: 2, 32: 1 };
const CONCURRENCY = [1, 8, 32] as const;
/** Exits 0 at once on SIGTERM, so stop measures the engine, not a grace period. */
const IDLE_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"];

const namespace = `bench-${process.pid}-${randomBytes(2).toString("hex")}`;
const docker = new Docker({ socketPath: SOCKET_PATH });
const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
const run = promisify(execFile);

const config: ContainerConfig = createDriverConfig({ sessionId: "bench", image: IMAGE, command: IDLE_COMMAND });
let sequence = 0;
const uniqueName = () => `oa-${namespace}-raw-${sequence++}`;

/** The create request the driver sends, so the baseline does exactly the same engine work. */
function rawCreateOptions(): Docker.ContainerCreateOptions {
  return toCreateOptions(config, {
    driver: driver.name,
    namespace,
    name: uniqueName(),
    disk: { enforced: false },
    tmpfsSizeMb: DOCKER_DRIVER_DEFAULTS.tmpfsSizeMb,
    init: DOCKER_DRIVER_DEFAULTS.init,
    logConfig: DOCKER_DRIVER_DEFAULTS.logConfig,
  });
}

/** The same container through the command line. */
function cliCreateArgs(): string[] {
  const { resources, security } = config;
  return [
    "create",
    "--name",
    uniqueName(),
    "--label",
    `${OWNER_LABELS.driver}=${driver.name}`,
    "--label",
    `${OWNER_LABELS.namespace}=${namespace}`,
    "--cpus",
    String(resources.cpu),
    "--memory",
    `${resources.memory}m`,
    "--memory-swap",
    `${resources.memory}m`,
    "--pids-limit",
    String(resources.pids),
    "--read-only",
    "--tmpfs",
    `/tmp:rw,nosuid,nodev,size=${DOCKER_DRIVER_DEFAULTS.tmpfsSizeMb}m`,
    "--security-opt",
    "no-new-privileges:true",
    "--cap-drop",
    "ALL",
    "--user",
    security.user,
    "--network",
    config.network,
    "--init",
    "--log-driver",
    DOCKER_DRIVER_DEFAULTS.logConfig.type,
    ...Object.entries(DOCKER_DRIVER_DEFAULTS.logConfig.options).flatMap(([key, value]) => [
      "--log-opt",
      `${key}=${value}`,
    ]),
    IMAGE,
    ...IDLE_COMMAND,
  ];
}

const dockerCli = async (...args: string[]) =>
  (await run("docker", ["-H", `unix://${SOCKET_PATH}`, ...args])).stdout.trim();

type Implementation = {
  createRunning(): Promise<string>;
  stopAndRemove(id: string): Promise<void>;
};

const implementations: Record<"driver" | "dockerode" | "cli", Implementation> = {
  driver: {
    async createRunning() {
      const { id } = await driver.createContainer(config);
      await driver.startContainer(id);
      return id;
    },
    async stopAndRemove(id) {
      await driver.stopContainer(id);
      await driver.removeContainer(id);
    },
  },
  dockerode: {
    async createRunning() {
      const container = await docker.createContainer(rawCreateOptions());
      await container.start();
      return container.id;
    },
    async stopAndRemove(id) {
      const container = docker.getContainer(id);
      await container.stop({ t: 10 });
      await container.remove({ force: true, v: true });
    },
  },
  cli: {
    async createRunning() {
      const id = await dockerCli(...cliCreateArgs());
      await dockerCli("start", id);
      return id;
    },
    async stopAndRemove(id) {
      await dockerCli("stop", "-t", "10", id);
      await dockerCli("rm", "-f", "-v", id);
    },
  },
};
const NAMES = Object.keys(implementations) as (keyof typeof implementations)[];

const format = (ms: number) => `${ms.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function createRunningLatency(): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(NAMES.map((name) => [name, []]));
  // Interleaved rounds, so drift of a busy machine hits every implementation alike.
  for (let round = 0; round < SAMPLES; round++) {
    for (const name of NAMES) {
      const started = performance.now();
      const id = await implementations[name].createRunning();
      samples.get(name)?.push(performance.now() - started);
      await docker.getContainer(id).remove({ force: true });
    }
  }
  return samples;
}

async function lifecycleBatches(concurrency: number): Promise<Map<string, number>> {
  const bench = new Bench({
    name: `lifecycle x${concurrency}`,
    iterations: BATCHES[concurrency] ?? 2,
    time: 0,
    warmup: false,
  });
  for (const name of NAMES) {
    const implementation = implementations[name];
    bench.add(name, async () => {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          const id = await implementation.createRunning();
          await implementation.stopAndRemove(id);
        }),
      );
    });
  }
  await bench.run();
  const means = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name} x${concurrency}: ${result.state}`);
    means.set(task.name, result.latency.mean);
  }
  return means;
}

async function main(): Promise<void> {
  const engine = await docker.version();
  console.log(`Docker driver benchmark: engine ${engine.Version} (API ${engine.ApiVersion}), namespace ${namespace}`);
  // One of each first, so image and engine caches are warm for all three.
  for (const name of NAMES) await implementations[name].stopAndRemove(await implementations[name].createRunning());

  const lines: string[] = [];
  const latency = await createRunningLatency();
  const p = (name: string, q: number) => percentile(latency.get(name) ?? [], q);
  lines.push(
    `### create → running, one at a time (${SAMPLES} samples each)`,
    "",
    "| | p50 | p95 |",
    "| --- | --- | --- |",
    ...NAMES.map((name) => `| ${name} | ${format(p(name, 50))} | ${format(p(name, 95))} |`),
    `| driver / dockerode | ${ratio(p("driver", 50), p("dockerode", 50))} | ${ratio(p("driver", 95), p("dockerode", 95))} |`,
    `| driver / cli | ${ratio(p("driver", 50), p("cli", 50))} | ${ratio(p("driver", 95), p("cli", 95))} |`,
    "",
    `Paired (median of the per-round ratios, robust to a machine that is busy in some rounds): driver / dockerode ${pairedRatio(latency, "driver", "dockerode")}, driver / cli ${pairedRatio(latency, "driver", "cli")}.`,
    "",
    `### full lifecycle (create, start, stop, remove), c containers at once: wall time of a batch (median of ${ROUNDS} rounds)`,
    "",
    "| c | driver | dockerode | cli | driver / dockerode | driver / cli |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const concurrency of CONCURRENCY) {
    const rounds: Map<string, number>[] = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await lifecycleBatches(concurrency));
    const median = (name: string) =>
      percentile(
        rounds.map((means) => means.get(name) ?? Number.NaN),
        50,
      );
    const [d, r, c] = [median("driver"), median("dockerode"), median("cli")];
    lines.push(`| ${concurrency} | ${format(d)} | ${format(r)} | ${format(c)} | ${ratio(d, r)} | ${ratio(d, c)} |`);
  }
  console.log(`\n${lines.join("\n")}\n`);
}

try {
  await main();
} finally {
  const removed = await driver.cleanup();
  console.log(`cleanup: removed ${removed.containers} leftover container(s)`);
}
