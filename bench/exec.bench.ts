/**
 * What does the Docker driver's `execInContainer` cost on top of the engine?
 * From the exec issue: at most 1.10x raw dockerode at p50, faster than the
 * `docker exec` command line, and a bounded heap however much a command prints.
 *
 * Three implementations run `echo hi` in the same running container, in the
 * same process, interleaved sample by sample (the order rotates):
 *
 * - `driver`: `DockerDriver.execInContainer` (validation, the ownership and
 *   status check, the kill wrapper, demultiplexing, the cap, the exit code).
 * - `dockerode`: raw dockerode: create the exec, start it attached, read to
 *   the end, inspect for the exit code. The baseline.
 * - `cli`: `docker exec <id> echo hi`, one process per call.
 *
 * Two figures per implementation, p50 and p95 over `BENCH_SAMPLES` samples
 * (default 40): the round trip (call to result) and the time to the first
 * output byte (call to the first chunk of stdout). Then the driver's heap
 * growth while a command prints 1 GB with the default cap (1 MiB per
 * stream kept), sampled every 50 ms, and every second after a forced
 * collection (what is really kept): needs `--expose-gc`.
 *
 * Run: `bash scripts/docker-engine.sh && node --expose-gc --import tsx bench/exec.bench.ts`.
 * Everything it creates carries a bench namespace and is removed at the end.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { createDriverConfig } from "../src/index.js";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "../examples/docker-driver/src/options.js";
import { median, percentile } from "./harness.js";

const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;
const IMAGE = "openagent-test/busybox:latest";
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const WARMUP = 5;
/** Bytes the heap case prints (`BENCH_EXEC_BYTES`, default 1 GiB). */
const FLOOD_BYTES = Number(process.env.BENCH_EXEC_BYTES ?? 1024 ** 3);

const namespace = `bench-exec-${process.pid}-${randomBytes(2).toString("hex")}`;
const docker = new Docker({ socketPath: SOCKET_PATH });
const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });

type Sample = { readonly total: number; readonly firstByte: number };
type Implementation = (id: string) => Promise<Sample>;

async function viaDriver(id: string): Promise<Sample> {
  const started = performance.now();
  let firstByte = Number.NaN;
  const result = await driver.execInContainer(
    id,
    { command: ["echo", "hi"] },
    {
      onOutput: () => {
        if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
      },
    },
  );
  if (result.stdout !== "hi\n" || result.exitCode !== 0) throw new Error(`driver: ${JSON.stringify(result)}`);
  return { total: performance.now() - started, firstByte };
}

async function viaDockerode(id: string): Promise<Sample> {
  const started = performance.now();
  let firstByte = Number.NaN;
  const exec = await docker
    .getContainer(id)
    .exec({ Cmd: ["echo", "hi"], AttachStdout: true, AttachStderr: true, Tty: false });
  const socket = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      // The first frame's header comes with its payload: the first byte of output has arrived.
      if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
      chunks.push(chunk);
    });
    socket.on("end", () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
  const info = await exec.inspect();
  const raw = Buffer.concat(chunks);
  // One frame: an 8-byte header, then "hi\n".
  if (info.ExitCode !== 0 || raw.subarray(8).toString() !== "hi\n") throw new Error("dockerode: unexpected output");
  return { total: performance.now() - started, firstByte };
}

async function viaCli(id: string): Promise<Sample> {
  const started = performance.now();
  let firstByte = Number.NaN;
  let output = "";
  const child = spawn("docker", ["-H", `unix://${SOCKET_PATH}`, "exec", id, "echo", "hi"]);
  child.stdout.on("data", (chunk: Buffer) => {
    if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0 || output !== "hi\n") throw new Error(`cli: exit ${code}, ${JSON.stringify(output)}`);
  return { total: performance.now() - started, firstByte };
}

async function roundTrips(id: string): Promise<void> {
  const implementations: [string, Implementation][] = [
    ["driver", viaDriver],
    ["dockerode", viaDockerode],
    ["cli", viaCli],
  ];
  const samples = new Map<string, Sample[]>(implementations.map(([name]) => [name, []]));
  for (let index = 0; index < WARMUP + SAMPLES; index++) {
    for (let turn = 0; turn < implementations.length; turn++) {
      const [name, run] = implementations[(index + turn) % implementations.length] as [string, Implementation];
      const sample = await run(id);
      if (index >= WARMUP) samples.get(name)?.push(sample);
    }
  }
  const figures = (name: string, pick: (sample: Sample) => number) => {
    const values = (samples.get(name) ?? []).map(pick);
    return { p50: percentile(values, 50), p95: percentile(values, 95) };
  };
  const paired = (pick: (sample: Sample) => number, baseline: string) => {
    const ours = samples.get("driver") ?? [];
    const theirs = samples.get(baseline) ?? [];
    return median(ours.map((sample, index) => pick(sample) / pick(theirs[index] as Sample)));
  };
  for (const [label, pick] of [
    ["round trip (call to result)", (sample: Sample) => sample.total],
    ["first output byte", (sample: Sample) => sample.firstByte],
  ] as const) {
    console.log(`\n${label}, ${SAMPLES} samples each`);
    const rows = implementations.map(([name]) => [name, figures(name, pick)] as const);
    for (const [name, { p50, p95 }] of rows) {
      console.log(`  ${name.padEnd(10)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms`);
    }
    const driver = figures("driver", pick);
    for (const baseline of ["dockerode", "cli"]) {
      const base = figures(baseline, pick);
      console.log(
        `  driver / ${baseline.padEnd(9)} p50 ${(driver.p50 / base.p50).toFixed(2)}x   p95 ${(driver.p95 / base.p95).toFixed(2)}x   paired median ${paired(pick, baseline).toFixed(2)}x`,
      );
    }
  }
}

function heapNow(): { heap: number; buffers: number } {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

async function heapGrowth(id: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) console.log("\n(run with node --expose-gc for a clean baseline and the live figures)");
  gc?.();
  const before = heapNow();
  const peak = { heap: 0, total: 0, liveHeap: 0, liveTotal: 0 };
  const growth = () => {
    const now = heapNow();
    const heap = now.heap - before.heap;
    return { heap, total: heap + now.buffers - before.buffers };
  };
  // Every 50 ms: what the process holds, garbage included.
  const sampler = setInterval(() => {
    const { heap, total } = growth();
    peak.heap = Math.max(peak.heap, heap);
    peak.total = Math.max(peak.total, total);
  }, 50);
  // Every second, after a collection (twice, around a short pause that lets freed buffers be released): what is kept.
  let sampling = gc !== undefined;
  const live = (async () => {
    while (sampling && gc !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
      gc();
      const { heap, total } = growth();
      peak.liveHeap = Math.max(peak.liveHeap, heap);
      peak.liveTotal = Math.max(peak.liveTotal, total);
    }
  })();
  const started = performance.now();
  const result = await driver.execInContainer(id, { command: ["head", "-c", String(FLOOD_BYTES), "/dev/zero"] });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  sampling = false;
  await live;
  const mb = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
  console.log(
    `\n${mb(FLOOD_BYTES)} MB printed in ${seconds.toFixed(1)} s (${mb(FLOOD_BYTES / seconds)} MB/s), kept ${mb(result.stdout.length)} MB, truncated ${result.truncated}`,
  );
  console.log(
    `  peak growth, garbage included: ${mb(peak.heap)} MB heapUsed, ${mb(peak.total)} MB with array buffers (socket chunks)`,
  );
  if (gc !== undefined) {
    console.log(
      `  peak growth after a forced gc (what is kept): ${mb(peak.liveHeap)} MB heapUsed, ${mb(peak.liveTotal)} MB with array buffers`,
    );
  }
  gc?.();
  const after = heapNow();
  console.log(`  after the call and a gc, the result still held: ${mb(after.heap - before.heap)} MB heapUsed`);
}

const created = await driver.createContainer(
  createDriverConfig({
    sessionId: "bench",
    image: IMAGE,
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
  }),
);
try {
  await driver.startContainer(created.id);
  await roundTrips(created.id);
  await heapGrowth(created.id);
} finally {
  await driver.cleanup();
}
