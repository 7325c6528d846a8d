/**
 * What do the Docker driver's files cost on top of the engine? From the files
 * issue: moving 256 MB in and out, the driver's throughput is at least that of
 * `docker cp`, within 10% of raw dockerode archive calls, and its resident
 * memory grows by less than 64 MB while it does (streaming, not buffering).
 *
 * Every variant writes the same 256 MB host file into the same container,
 * then reads it back, in the same process and round (the order rotates from
 * round to round):
 *
 * - `driver (file)`: `writeFile(id, path, fs.createReadStream(file))`: the
 *   driver takes the size from the file and streams it straight to the
 *   engine; `readFileStream`, chunks counted and dropped.
 * - `driver (generator)`: the same chunks through an async generator, whose
 *   length nobody knows: the driver sizes it first (an unlinked spool file on
 *   the host's disk), then streams; read as above.
 * - `driver (bytes)`: `writeFile` of the same 256 MB already in memory; read
 *   as above.
 * - `dockerode`: the baseline: `putArchive` of a tar-stream archive of the
 *   file (size known from `stat`), `getArchive` drained. No checks.
 * - `docker cp`: `docker cp FILE CONTAINER:PATH`, and `docker cp
 *   CONTAINER:PATH -` (the tar on stdout, drained).
 *
 * Run: `bash scripts/docker-engine.sh && npx tsx bench/files.bench.ts`
 * (`BENCH_ROUNDS`, default 3; `BENCH_FILE_MB`, default 256). It takes the
 * engine-test lock, so engine tests of other worktrees wait rather than
 * disturb it, and removes what it made.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import tar from "tar-stream";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "../examples/docker-driver/src/options.js";
import { createDriverConfig } from "../src/index.js";
import { median } from "./harness.js";
import { acquireEngineLock, releaseEngineLock } from "../examples/docker-driver/tests/engine-lock.js";

const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MB = 1_000_000;
const SIZE = Number(process.env.BENCH_FILE_MB ?? 256) * MB;

const namespace = `bench-files-${process.pid}`;
const docker = new Docker({ socketPath: SOCKET_PATH });
const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
const run = promisify(execFile);

type Variant = {
  write(id: string, path: string): Promise<void>;
  read(id: string, path: string): Promise<number>;
};

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.byteLength;
  return bytes;
}

function variants(file: string, inMemory: Uint8Array): Record<string, Variant> {
  const readWithDriver = async (id: string, path: string) => drain(await driver.readFileStream(id, path));
  return {
    "driver (file)": {
      write: (id, path) => driver.writeFile(id, path, createReadStream(file, { highWaterMark: 1024 * 1024 })),
      read: readWithDriver,
    },
    "driver (generator)": {
      write: (id, path) =>
        driver.writeFile(
          id,
          path,
          (async function* () {
            yield* createReadStream(file, { highWaterMark: 1024 * 1024 });
          })(),
        ),
      read: readWithDriver,
    },
    "driver (bytes)": {
      write: (id, path) => driver.writeFile(id, path, inMemory),
      read: readWithDriver,
    },
    dockerode: {
      async write(id, path) {
        const pack = tar.pack();
        const slash = path.lastIndexOf("/");
        const entry = pack.entry({ name: path.slice(slash + 1), size: statSync(file).size, mode: 0o644 });
        const sent = new Promise<void>((resolve, reject) => {
          createReadStream(file, { highWaterMark: 1024 * 1024 })
            .on("error", reject)
            .pipe(entry as unknown as NodeJS.WritableStream);
          entry.on("finish", () => {
            pack.finalize();
            resolve();
          });
        });
        await Promise.all([docker.getContainer(id).putArchive(pack as never, { path: path.slice(0, slash) }), sent]);
      },
      async read(id, path) {
        return drain((await docker.getContainer(id).getArchive({ path })) as AsyncIterable<Uint8Array>);
      },
    },
    "docker cp": {
      async write(id, path) {
        await run("docker", ["-H", `unix://${SOCKET_PATH}`, "cp", file, `${id}:${path}`]);
      },
      read: (id, path) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn("docker", ["-H", `unix://${SOCKET_PATH}`, "cp", `${id}:${path}`, "-"]);
          let bytes = 0;
          child.stdout.on("data", (chunk: Buffer) => {
            bytes += chunk.byteLength;
          });
          child.on("error", reject);
          child.on("close", (code) => (code === 0 ? resolve(bytes) : reject(new Error(`docker cp exited ${code}`))));
        }),
    },
  };
}

/** Highest resident set above the start while `action` runs, sampled every 5 ms. */
async function peakRssGrowth<T>(action: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const value = await action();
    return { value, growth: Math.max(peak, process.memoryUsage().rss) - base };
  } finally {
    clearInterval(timer);
  }
}

const throughput = (seconds: number) => SIZE / MB / seconds;
const range = (values: readonly number[], digits = 0) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

async function main(workDir: string): Promise<void> {
  const engine = await docker.version();
  const file = join(workDir, "payload.bin");
  writeFileSync(file, randomBytes(SIZE));
  const inMemory = readFileSync(file);
  const implementations = variants(file, inMemory);
  const names = Object.keys(implementations);
  const { id } = await driver.createContainer(
    createDriverConfig({
      sessionId: "bench-files",
      image: "openagent-test/busybox:latest",
      command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
      security: { readOnly: false },
    }),
  );
  await driver.startContainer(id);
  await driver.writeFile(id, "/bench/warm", "x");
  console.log(
    `Files benchmark: engine ${engine.Version}, ${SIZE / MB} MB each way, ${ROUNDS} rounds, namespace ${namespace}`,
  );

  const writes = new Map<string, number[]>(names.map((name) => [name, []]));
  const reads = new Map<string, number[]>(names.map((name) => [name, []]));
  const growth = new Map<string, { write: number[]; read: number[] }>(
    names.filter((name) => name.startsWith("driver")).map((name) => [name, { write: [], read: [] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length] as string;
      const implementation = implementations[name] as Variant;
      const path = `/bench/${name.replace(/\W+/g, "-")}.bin`;
      let started = performance.now();
      const written = await peakRssGrowth(() => implementation.write(id, path));
      writes.get(name)?.push((performance.now() - started) / 1000);
      started = performance.now();
      const read = await peakRssGrowth(() => implementation.read(id, path));
      reads.get(name)?.push((performance.now() - started) / 1000);
      if (read.value < SIZE) throw new Error(`${name} read ${read.value} bytes of ${SIZE}`);
      growth.get(name)?.write.push(written.growth / MB);
      growth.get(name)?.read.push(read.growth / MB);
    }
  }

  const perRound = (map: Map<string, number[]>, name: string, baseline: string) =>
    (map.get(name) ?? []).map((seconds, index) => (map.get(baseline)?.[index] ?? Number.NaN) / seconds);
  const lines = [
    `### ${SIZE / MB} MB through the archive API: throughput in MB/s, median (lowest–highest) of ${ROUNDS} rounds`,
    "",
    "| | write | read | write vs dockerode | read vs dockerode | write vs docker cp | read vs docker cp |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...names.map((name) => {
      const w = (writes.get(name) ?? []).map(throughput);
      const r = (reads.get(name) ?? []).map(throughput);
      return `| ${name} | ${range(w)} | ${range(r)} | ${range(perRound(writes, name, "dockerode"), 2)} | ${range(perRound(reads, name, "dockerode"), 2)} | ${range(perRound(writes, name, "docker cp"), 2)} | ${range(perRound(reads, name, "docker cp"), 2)} |`;
    }),
    "",
    "Peak RSS growth while moving the file (MB, median (lowest–highest)); `driver (bytes)` holds the file in memory before it starts, which is not counted:",
    "",
    "| | write | read |",
    "| --- | --- | --- |",
    ...[...growth].map(([name, { write, read }]) => `| ${name} | ${range(write, 1)} | ${range(read, 1)} |`),
  ];
  console.log(`\n${lines.join("\n")}\n`);
}

const workDir = mkdtempSync(join(tmpdir(), "oa-bench-files-"));
await acquireEngineLock();
try {
  await main(workDir);
} finally {
  releaseEngineLock();
  rmSync(workDir, { recursive: true, force: true });
  const removed = await driver.cleanup();
  console.log(`cleanup: removed ${removed.containers} container(s), ${removed.volumes} volume(s)`);
}
