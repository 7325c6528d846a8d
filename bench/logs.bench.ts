/**
 * The Docker driver's log reads against the local engine. Two questions:
 *
 * 1. Latency: how long from a line written in the container to the line
 *    delivered by `onLine` (a follow), against `docker logs -f` reading the
 *    same container at the same time? Each line's start is the engine's own
 *    timestamp of it (taken as it reads the container's pipe, microseconds
 *    after the write; busybox's `date` has no sub-second field, so the
 *    container cannot stamp lines itself); its end is when `onLine` runs, or
 *    when the CLI's line reaches this process through its stdout pipe. Both
 *    are truncated to the millisecond alike (the driver's `time` is in ms),
 *    so each figure carries the same up-to-1-ms rounding. p50 and p95 over
 *    `BENCH_LINES` lines (default 100, one every 50 ms) per round,
 *    `BENCH_ROUNDS` rounds (default 3).
 * 2. Memory: the RSS growth of a process reading a 200 MB log (`BENCH_LOG_MB`) with the
 *    default `maxBytes`, and the largest log the default rotation keeps, each
 *    in a fresh child process, against raw dockerode reading the same 200 MB
 *    log as the driver did before (the engine's answer buffered whole).
 *
 * Run: `bash scripts/docker-engine.sh && npx tsx bench/logs.bench.ts`. It
 * takes the engine-test lock (no fault test kills the engine meanwhile),
 * writes about 600 MB of logs to the engine's disk for the memory part, and
 * removes every container of its namespace at the end.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import Docker from "dockerode";
import { createDriverConfig } from "../src/index.js";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "../examples/docker-driver/src/options.js";
import { acquireEngineLock, releaseEngineLock } from "../examples/docker-driver/tests/engine-lock.js";
import { median, percentile } from "./harness.js";

const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;
const IMAGE = "openagent-test/busybox:latest";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LINES = Number(process.env.BENCH_LINES ?? 100);
/** Size of the log of the memory part (`BENCH_LOG_MB`, default 200). */
const LOG_BYTES = Number(process.env.BENCH_LOG_MB ?? 200) * 1024 * 1024;
/** `latency`, `memory` or both (`BENCH_PARTS`, default both). */
const PARTS = (process.env.BENCH_PARTS ?? "latency,memory").split(",");
/** The V8 heap cap of the capped probe, in MB: the default maxBytes read must fit in it whatever the log's size. */
const CAPPED_HEAP_MB = 128;
/** 99 characters and a newline: a log of 100-byte lines. */
const LINE_TEXT = `${"x".repeat(90)}-payload`;

/** Wall-clock time in ms with sub-millisecond precision. */
const now = () => performance.timeOrigin + performance.now();

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// ---------------------------------------------------------------------------
// The child process that measures one read's memory.
// ---------------------------------------------------------------------------

type ProbeResult = { baselineRss: number; peakRss: number; durationMs: number; chars: number };

async function probe(kind: string, id: string, namespace: string): Promise<ProbeResult> {
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  const docker = new Docker({ socketPath: SOCKET_PATH });
  // Warm up what both reads load, so the baseline holds the code and only the read's data grows.
  await driver.getContainerLogs(id, { tail: 1 });
  await docker.getContainer(id).logs({ follow: false, stdout: true, stderr: true, tail: 1 });
  globalThis.gc?.();
  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  const started = now();
  const text =
    kind === "driver"
      ? await driver.getContainerLogs(id)
      : (await docker.getContainer(id).logs({ follow: false, stdout: true, stderr: true, timestamps: true })).toString(
          "latin1",
        );
  const durationMs = now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { baselineRss, peakRss, durationMs, chars: text.length };
}

/** One read in a fresh process; `heapMb` caps its V8 heap, to show the read fits in a fixed memory. */
function runProbe(kind: "driver" | "buffered", id: string, namespace: string, heapMb?: number): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const heap = heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`];
    const child: ChildProcess = fork(import.meta.filename, ["probe", kind, id, namespace], {
      execArgv: [...process.execArgv, "--expose-gc", ...heap],
    });
    child.on("message", (message) => resolve(message as ProbeResult));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`the ${kind} probe exited ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------
// The measurements.
// ---------------------------------------------------------------------------

type Latencies = { driver: number[]; cli: number[] };

/** One container writing LINES lines, read by a driver follow and by `docker logs -f` at once. */
async function latencyRound(driver: DockerDriver): Promise<Latencies> {
  const script = `sleep 1; i=0; while [ $i -lt ${LINES} ]; do echo "tick $i"; i=$((i+1)); sleep 0.05; done`;
  const { id } = await driver.createContainer(
    createDriverConfig({ sessionId: "latency", image: IMAGE, command: ["sh", "-c", script] }),
  );
  await driver.startContainer(id);
  const driverDelays: number[] = [];
  const following = driver.getContainerLogs(id, {
    follow: true,
    onLine: (line) => {
      if (line.line.startsWith("tick ")) driverDelays.push(now() - line.time);
    },
  });
  const cliDelays: number[] = [];
  const cli = spawn("docker", ["-H", `unix://${SOCKET_PATH}`, "logs", "-f", "--timestamps", id]);
  const lines = createInterface({ input: cli.stdout });
  lines.on("line", (text) => {
    const arrived = now();
    const space = text.indexOf(" ");
    if (!text.slice(space + 1).startsWith("tick ")) return;
    cliDelays.push(arrived - Date.parse(text.slice(0, space)));
  });
  await Promise.all([following, new Promise((resolve) => cli.on("close", resolve))]);
  await driver.removeContainer(id);
  if (driverDelays.length !== LINES || cliDelays.length !== LINES) {
    throw new Error(`expected ${LINES} lines each; the driver saw ${driverDelays.length}, the CLI ${cliDelays.length}`);
  }
  return { driver: driverDelays, cli: cliDelays };
}

/** A container that wrote LOG_BYTES of output and ended. */
async function loggedContainer(driver: DockerDriver, sessionId: string): Promise<string> {
  const command = ["sh", "-c", `yes '${LINE_TEXT}' | head -c ${LOG_BYTES}`];
  const { id } = await driver.createContainer(createDriverConfig({ sessionId, image: IMAGE, command }));
  await driver.startContainer(id);
  await new Docker({ socketPath: SOCKET_PATH }).getContainer(id).wait();
  return id;
}

function memoryLine(name: string, result: ProbeResult): string {
  return `| ${name} | ${mb(result.peakRss - result.baselineRss)} | ${(result.durationMs / 1000).toFixed(1)} s | ${result.chars.toLocaleString("en")} |`;
}

async function main(): Promise<void> {
  const namespace = `bench-logs-${process.pid}-${randomBytes(2).toString("hex")}`;
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  const unrotated = new DockerDriver({ socketPath: SOCKET_PATH, namespace, logConfig: "engine-default" });
  await acquireEngineLock();
  try {
    if (PARTS.includes("latency")) await latency(driver);
    if (PARTS.includes("memory")) await memory(driver, unrotated, namespace);
  } finally {
    await driver.cleanup();
    releaseEngineLock();
  }
}

async function latency(driver: DockerDriver): Promise<void> {
  console.log(`latency: ${ROUNDS} round(s) of ${LINES} lines, one every 50 ms`);
  const rounds: Latencies[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const result = await latencyRound(driver);
    rounds.push(result);
    console.log(
      `  round ${round + 1}: driver p50 ${percentile(result.driver, 50).toFixed(1)} ms p95 ${percentile(result.driver, 95).toFixed(1)} ms; docker logs -f p50 ${percentile(result.cli, 50).toFixed(1)} ms p95 ${percentile(result.cli, 95).toFixed(1)} ms`,
    );
  }
  const summary = (pick: (round: Latencies) => number[], p: number) => {
    const values = rounds.map((round) => percentile(pick(round), p));
    return `${median(values).toFixed(1)} ms (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
  };
  console.log("\n| line written → delivered | p50 | p95 |\n| --- | --- | --- |");
  console.log(`| driver, onLine | ${summary((r) => r.driver, 50)} | ${summary((r) => r.driver, 95)} |`);
  console.log(`| docker logs -f | ${summary((r) => r.cli, 50)} | ${summary((r) => r.cli, 95)} |`);
}

async function memory(driver: DockerDriver, unrotated: DockerDriver, namespace: string): Promise<void> {
  console.log(`\nmemory: writing ${mb(LOG_BYTES)} of logs, twice`);
  const big = await loggedContainer(unrotated, "unrotated");
  const rotated = await loggedContainer(driver, "rotated");
  const results = {
    bigDriver: await runProbe("driver", big, namespace),
    bigCapped: await runProbe("driver", big, namespace, CAPPED_HEAP_MB),
    bigBuffered: await runProbe("buffered", big, namespace),
    rotatedDriver: await runProbe("driver", rotated, namespace),
  };
  console.log("\n| read | RSS growth | time | characters returned |\n| --- | --- | --- | --- |");
  console.log(memoryLine(`${mb(LOG_BYTES)} log (no rotation), driver, default maxBytes`, results.bigDriver));
  console.log(
    memoryLine(`${mb(LOG_BYTES)} log (no rotation), driver, V8 heap capped at ${CAPPED_HEAP_MB} MB`, results.bigCapped),
  );
  console.log(memoryLine(`${mb(LOG_BYTES)} log (no rotation), dockerode buffered whole (1.0)`, results.bigBuffered));
  console.log(memoryLine("default rotation (10 MB × 3 kept), driver, default maxBytes", results.rotatedDriver));
}

if (process.argv[2] === "probe") {
  const [, , , kind = "", id = "", namespace = ""] = process.argv;
  probe(kind, id, namespace).then(
    (result) => {
      process.send?.(result);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  await main();
}
