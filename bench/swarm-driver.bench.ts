/**
 * What does the Swarm driver cost on top of the swarm, and what does
 * scheduling cost next to a single engine? From the Swarm driver issue: the
 * driver adds at most 10% to raw dockerode service calls doing the same work.
 *
 * Three implementations, in the same process and run, interleaved:
 *
 * - `swarm driver`: `SwarmDriver` on the test cluster (validation, ownership
 *   checks, placement, the lifecycle table, per-id locks, the stopped marker,
 *   waiting until the task runs).
 * - `raw services`: dockerode calls through a manager with the identical
 *   service spec (built by the driver's own `toServiceSpec`, with one replica
 *   at once), polling the task at the driver's interval until it runs; stopped
 *   on its node, the service removed, its container removed from the node. The
 *   baseline.
 * - `docker driver`: `DockerDriver` on the machine's single engine, the same
 *   config: what the scheduling of a swarm costs.
 *
 * Two measurements:
 *
 * 1. create → running latency, one container at a time: p50 and p95 over
 *    `BENCH_SAMPLES` containers (default 9) each.
 * 2. A full lifecycle (create, start, stop, remove) of `c` containers at
 *    once, for c = 1 and 4: mean wall time of one batch, median over
 *    `BENCH_ROUNDS` rounds (default 3) in which the three take turns.
 *
 * Run: `bash scripts/swarm-cluster.sh up && bash scripts/docker-engine.sh &&
 * npx tsx bench/swarm-driver.bench.ts`. It takes the engine tests' lock for
 * the single engine's part (a Docker fault test must not restart it under the
 * bench), takes several minutes, and removes everything it created.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { type ContainerConfig, createDriverConfig } from "../src/index.js";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { SwarmDriver } from "../examples/swarm-driver/src/driver.js";
import { clusterEnvironment } from "../examples/swarm-driver/src/factory.js";
import { swarmOptionsFromEnvironment } from "../examples/swarm-driver/src/options.js";
import { serviceName, toServiceSpec } from "../examples/swarm-driver/src/service-spec.js";
import { containerIdOf, hasEnded, sortTasks } from "../examples/swarm-driver/src/service-status.js";
import { createService, listNodes, listTasks, removeService } from "../examples/swarm-driver/src/swarm-api.js";
import { percentile, pairedRatio } from "./harness.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 9);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Batches per round and concurrency level. */
const BATCHES: Record<number, number> = { 1: 3, 4: 2 };
const CONCURRENCY = [1, 4] as const;
/** The driver's default interval between two reads of a task's state; the baseline polls at the same. */
const POLL_MS = 100;
/** Exits 0 at once on SIGTERM, so stop measures the engines, not a grace period. */
const IDLE_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

const environment = clusterEnvironment();
const cluster = swarmOptionsFromEnvironment(environment);
if (cluster === undefined) throw new Error("no Swarm test cluster: run 'bash scripts/swarm-cluster.sh up' first");
const swarmImage = environment.SWARM_TEST_IMAGE_ID ?? "openagent-test/busybox:latest";

const namespace = `bench-${process.pid}-${randomBytes(2).toString("hex")}`;
const swarmDriver = new SwarmDriver({ ...cluster, namespace });
const dockerDriver = new DockerDriver({ namespace });
const manager = new Docker({ socketPath: cluster.managers[0] ?? "" });
const nodeEngines = new Map(Object.entries(cluster.nodes).map(([id, socketPath]) => [id, new Docker({ socketPath })]));

const swarmConfig: ContainerConfig = createDriverConfig({
  sessionId: "bench",
  image: swarmImage,
  command: IDLE_COMMAND,
});
const dockerConfig: ContainerConfig = createDriverConfig({
  sessionId: "bench",
  image: "openagent-test/busybox:latest",
  command: IDLE_COMMAND,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signal = () => AbortSignal.timeout(60_000);

/** The placement the driver computes for the default config: every node fits on the test cluster. */
let constraints: string[] = [];

/** The spec the driver sends, with one replica at once: what a hand-written client would create. */
function rawSpec() {
  const spec = toServiceSpec(swarmConfig, {
    driver: swarmDriver.name,
    namespace,
    name: serviceName("bench-raw", randomBytes(6).toString("hex")),
    tmpfsSizeMb: 64,
    init: true,
    stopGraceMs: 2_000,
    networkId: undefined,
    constraints,
    unenforced: ["resources.disk"],
  });
  return { ...spec, Mode: { Replicated: { Replicas: 1 } } };
}

async function rawTask(id: string) {
  return sortTasks(await listTasks(manager, { service: [id] }, signal())).at(-1);
}

type Implementation = {
  createRunning(): Promise<string>;
  stopAndRemove(id: string): Promise<void>;
};

const implementations: Record<"swarm driver" | "raw services" | "docker driver", Implementation> = {
  "swarm driver": {
    async createRunning() {
      const { id } = await swarmDriver.createContainer(swarmConfig);
      await swarmDriver.startContainer(id);
      return id;
    },
    async stopAndRemove(id) {
      await swarmDriver.stopContainer(id);
      await swarmDriver.removeContainer(id);
    },
  },
  "raw services": {
    async createRunning() {
      const id = await createService(manager, rawSpec(), signal());
      for (;;) {
        const task = await rawTask(id);
        if (task?.Status.State === "running") return id;
        if (task !== undefined && hasEnded(task)) throw new Error(`raw task ${task.Status.State}: ${task.Status.Err}`);
        await sleep(POLL_MS);
      }
    },
    async stopAndRemove(id) {
      const task = await rawTask(id);
      const containerId = task === undefined ? undefined : containerIdOf(task);
      const node = task?.NodeID === undefined ? undefined : nodeEngines.get(task.NodeID);
      if (node !== undefined && containerId !== undefined) {
        await node.getContainer(containerId).stop({ t: 10 });
        for (;;) {
          const current = await rawTask(id);
          if (current === undefined || hasEnded(current)) break;
          await sleep(POLL_MS);
        }
      }
      await removeService(manager, id, signal());
      if (node !== undefined && containerId !== undefined) {
        await node
          .getContainer(containerId)
          .remove({ force: true })
          .catch(() => undefined);
      }
    },
  },
  "docker driver": {
    async createRunning() {
      const { id } = await dockerDriver.createContainer(dockerConfig);
      await dockerDriver.startContainer(id);
      return id;
    },
    async stopAndRemove(id) {
      await dockerDriver.stopContainer(id);
      await dockerDriver.removeContainer(id);
    },
  },
};
const NAMES = Object.keys(implementations) as (keyof typeof implementations)[];

const format = (ms: number) => `${ms.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function createRunningLatency(): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(NAMES.map((name) => [name, []]));
  for (let round = 0; round < SAMPLES; round++) {
    for (const name of NAMES) {
      const started = performance.now();
      const id = await implementations[name].createRunning();
      samples.get(name)?.push(performance.now() - started);
      await implementations[name].stopAndRemove(id);
    }
  }
  return samples;
}

async function lifecycleBatch(name: keyof typeof implementations, concurrency: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const id = await implementations[name].createRunning();
      await implementations[name].stopAndRemove(id);
    }),
  );
  return performance.now() - started;
}

/** The engine tests' lock (examples/docker-driver/tests/engine.ts, same directory and pid file): no Docker fault test restarts the engine under the bench. */
const ENGINE_LOCK = join(tmpdir(), "openagent-docker-tests.lock");
async function withEngineLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(ENGINE_LOCK);
      writeFileSync(join(ENGINE_LOCK, "pid"), String(process.pid));
      break;
    } catch {
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(ENGINE_LOCK, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const nodes = await listNodes(manager, signal());
  const version = (await manager.version()) as { Version?: string; ApiVersion?: string };
  console.log(
    `Swarm driver benchmark: ${nodes.length} nodes, engine ${version.Version} (API ${version.ApiVersion}), namespace ${namespace}`,
  );
  // The driver's placement for the default config, so the baseline's spec is the driver's.
  const probe = await swarmDriver.createContainer(swarmConfig);
  const probeSpec = await manager.getService(probe.id).inspect();
  constraints = probeSpec.Spec.TaskTemplate.Placement?.Constraints ?? [];
  await swarmDriver.removeContainer(probe.id);
  // One of each first, so caches (node facts, images, connections) are warm for all three.
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
    `| swarm driver / raw services | ${ratio(p("swarm driver", 50), p("raw services", 50))} | ${ratio(p("swarm driver", 95), p("raw services", 95))} |`,
    `| swarm driver / docker driver | ${ratio(p("swarm driver", 50), p("docker driver", 50))} | ${ratio(p("swarm driver", 95), p("docker driver", 95))} |`,
    "",
    `Paired (median of the per-round ratios): swarm driver / raw services ${pairedRatio(latency, "swarm driver", "raw services")}, swarm driver / docker driver ${pairedRatio(latency, "swarm driver", "docker driver")}.`,
    "",
    `### full lifecycle (create, start, stop, remove), c containers at once: wall time of a batch (median of ${ROUNDS} rounds)`,
    "",
    "| c | swarm driver | raw services | docker driver | swarm driver / raw services | swarm driver / docker driver |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const concurrency of CONCURRENCY) {
    const perName = new Map<string, number[]>(NAMES.map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let index = 0; index < NAMES.length; index++) {
        // Rotated, so none always runs first in a round.
        const name = NAMES[(index + round) % NAMES.length] as keyof typeof implementations;
        const batches: number[] = [];
        for (let batch = 0; batch < (BATCHES[concurrency] ?? 1); batch++) {
          batches.push(await lifecycleBatch(name, concurrency));
        }
        perName.get(name)?.push(batches.reduce((sum, value) => sum + value, 0) / batches.length);
      }
    }
    const median = (name: string) => percentile(perName.get(name) ?? [], 50);
    const [s, r, d] = [median("swarm driver"), median("raw services"), median("docker driver")];
    lines.push(`| ${concurrency} | ${format(s)} | ${format(r)} | ${format(d)} | ${ratio(s, r)} | ${ratio(s, d)} |`);
  }
  console.log(`\n${lines.join("\n")}\n`);
}

try {
  await withEngineLock(main);
} finally {
  const swarmLeft = await swarmDriver.cleanup();
  const dockerLeft = await dockerDriver.cleanup();
  console.log(
    `cleanup: removed ${swarmLeft.containers} swarm and ${dockerLeft.containers} docker leftover container(s)`,
  );
}
