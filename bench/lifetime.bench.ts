/**
 * What do expiry and idempotency cost the Docker driver? Two questions from
 * the lifetime issue:
 *
 * 1. The sweep with 1,000 containers in the namespace: one list call (no
 *    inspect per container), so it should cost about what that list call
 *    costs. Baseline: the same label-filtered `listContainers` through raw
 *    dockerode. The 1,000 containers are made with raw dockerode in status
 *    `created`, labelled as the driver labels them, with an expiry an hour
 *    away (so the sweep reads every one and removes none); the engine calls
 *    of one sweep are counted.
 * 2. A keyed create against a plain one (target: at most 1.10×; not met,
 *    see docs/PERFORMANCE.md): the keyed create lists the key's containers
 *    before and after the engine's create.
 *    Paired, one after the other in alternating order, each followed by an
 *    untimed removal; measured in an empty namespace and beside the 1,000.
 *
 * Every figure is a median over `BENCH_ROUNDS` rounds (default 3) of
 * `BENCH_SAMPLES` samples (default 15), with the range of the rounds.
 *
 * Run: `bash scripts/docker-engine.sh && npx tsx bench/lifetime.bench.ts`.
 * It takes the engine-test lock (no engine test runs meanwhile), and removes
 * everything it made at the end.
 */
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { type ContainerConfig, createDriverConfig } from "../src/index.js";
import { DockerDriver } from "../examples/docker-driver/src/driver.js";
import { OWNER_LABELS, ownerLabelFilter, ownerLabels } from "../examples/docker-driver/src/labels.js";
import { DOCKER_DRIVER_DEFAULTS } from "../examples/docker-driver/src/options.js";
import { acquireEngineLock, releaseEngineLock } from "../examples/docker-driver/tests/engine-lock.js";
import { median, summary } from "./harness.js";

const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;
const IMAGE = "openagent-test/busybox:latest";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const POPULATION = Number(process.env.BENCH_POPULATION ?? 1_000);
/** Raw creates and removals in flight at once while filling and emptying the namespace. */
const FILL_CONCURRENCY = 16;

const docker = new Docker({ socketPath: SOCKET_PATH });
const suffix = `${process.pid}-${randomBytes(2).toString("hex")}`;

/** The bench runs alone on the engine: it holds the engine tests' lock meanwhile. */
async function withEngineLock<T>(work: () => Promise<T>): Promise<T> {
  await acquireEngineLock();
  try {
    return await work();
  } finally {
    releaseEngineLock();
  }
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let index = 0; index < items.length; index += FILL_CONCURRENCY) {
    await Promise.all(items.slice(index, index + FILL_CONCURRENCY).map(work));
  }
}

/** `POPULATION` containers in `created`, labelled as the driver labels them, expiring in an hour. */
async function fill(namespace: string): Promise<void> {
  const expiresAt = String(Date.now() + 3_600_000);
  const indexes = Array.from({ length: POPULATION }, (_, index) => index);
  await inBatches(indexes, async (index) => {
    const name = `oa-${namespace}-fill${index}-${randomBytes(4).toString("hex")}`;
    await docker.createContainer({
      name,
      Image: IMAGE,
      Labels: {
        ...ownerLabels("docker", namespace),
        [OWNER_LABELS.session]: `fill${index}`,
        [OWNER_LABELS.name]: name,
        [OWNER_LABELS.expiresAt]: expiresAt,
      },
    });
  });
}

async function empty(namespace: string): Promise<number> {
  const label = [`${OWNER_LABELS.namespace}=${namespace}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  await inBatches(containers, (container) => docker.getContainer(container.Id).remove({ force: true }));
  return containers.length;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** A dockerode client that counts the engine calls made through it, by method. */
function countingClient(calls: Map<string, number>): Docker {
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const real = new Docker({ socketPath: SOCKET_PATH });
  return new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      if (key === "getContainer") {
        return (id: string) => {
          const container = real.getContainer(id);
          return new Proxy(container, {
            get(target, method, inner) {
              const member = Reflect.get(target, method, inner);
              if (typeof member !== "function" || typeof method !== "string") return member;
              return (...args: unknown[]) => {
                count(`container.${method}`);
                return Reflect.apply(member, target, args);
              };
            },
          });
        };
      }
      return (...args: unknown[]) => {
        count(key);
        return Reflect.apply(value, object, args);
      };
    },
  });
}

/** Sweep time and list time, per round: medians of `SAMPLES` each, in ms. */
async function measureSweep(namespace: string): Promise<{ sweep: number[]; list: number[]; calls: string }> {
  const calls = new Map<string, number>();
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, docker: countingClient(calls) });
  const label = ownerLabelFilter("docker", namespace);
  const sweep: number[] = [];
  const list: number[] = [];
  await driver.sweepExpired(); // warm-up; the first call also starts the background sweeper, stopped here
  await driver.close();
  calls.clear();
  await driver.sweepExpired();
  const oneSweep = [...calls].map(([name, count]) => `${name} x${count}`).join(", ");
  for (let round = 0; round < ROUNDS; round++) {
    const sweeps: number[] = [];
    const lists: number[] = [];
    for (let sample = 0; sample < SAMPLES; sample++) {
      const sweepOnce = async () => sweeps.push(await timed(() => driver.sweepExpired()));
      const listOnce = async () =>
        lists.push(await timed(() => docker.listContainers({ all: true, filters: { label } })));
      if ((round + sample) % 2 === 0) {
        await sweepOnce();
        await listOnce();
      } else {
        await listOnce();
        await sweepOnce();
      }
    }
    sweep.push(median(sweeps));
    list.push(median(lists));
  }
  return { sweep, list, calls: oneSweep };
}

/** Plain and keyed create times, per round: medians of `SAMPLES` pairs, in ms. */
async function measureCreates(namespace: string): Promise<{ plain: number[]; keyed: number[]; ratio: number[] }> {
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  const config = (sessionId: string, key?: string): ContainerConfig =>
    createDriverConfig({ sessionId, image: IMAGE, ...(key === undefined ? {} : { idempotencyKey: key }) });
  const plain: number[] = [];
  const keyed: number[] = [];
  const ratio: number[] = [];
  let sequence = 0;
  const once = async (key: boolean): Promise<number> => {
    sequence += 1;
    let id = "";
    const ms = await timed(async () => {
      id = (await driver.createContainer(config(`b${sequence}`, key ? `key-${suffix}-${sequence}` : undefined))).id;
    });
    await driver.removeContainer(id);
    return ms;
  };
  await once(false); // warm-up
  await once(true);
  for (let round = 0; round < ROUNDS; round++) {
    const plains: number[] = [];
    const keyeds: number[] = [];
    for (let sample = 0; sample < SAMPLES; sample++) {
      if ((round + sample) % 2 === 0) {
        plains.push(await once(false));
        keyeds.push(await once(true));
      } else {
        keyeds.push(await once(true));
        plains.push(await once(false));
      }
    }
    plain.push(median(plains));
    keyed.push(median(keyeds));
    ratio.push(median(keyeds) / median(plains));
  }
  await driver.close();
  return { plain, keyed, ratio };
}

await withEngineLock(async () => {
  const crowded = `bench-life-${suffix}`;
  const quiet = `bench-quiet-${suffix}`;
  try {
    const filling = await timed(() => fill(crowded));
    console.log(`filled ${crowded} with ${POPULATION} created containers in ${(filling / 1000).toFixed(1)} s`);

    const sweep = await measureSweep(crowded);
    console.log(
      `\nSweep of a namespace of ${POPULATION} containers, none expired (ms, median of ${SAMPLES} per round):`,
    );
    console.log(`  one sweep's engine calls: ${sweep.calls}`);
    console.log(`  raw dockerode list (baseline): ${summary(sweep.list, 1)}`);
    console.log(`  driver.sweepExpired():         ${summary(sweep.sweep, 1)}`);
    console.log(`  ratio:                         ${summary(sweep.sweep.map((s, i) => s / (sweep.list[i] ?? s)))}`);

    for (const [what, namespace] of [
      ["empty namespace", quiet],
      [`beside ${POPULATION} containers`, crowded],
    ] as const) {
      const creates = await measureCreates(namespace);
      console.log(`\nKeyed create against plain create, ${what} (ms, median of ${SAMPLES} per round):`);
      console.log(`  plain createContainer (baseline): ${summary(creates.plain, 1)}`);
      console.log(`  keyed createContainer:            ${summary(creates.keyed, 1)}`);
      console.log(`  time ratio:                       ${summary(creates.ratio)}`);
    }
  } finally {
    const removed = (await empty(crowded)) + (await empty(quiet));
    console.log(`\nremoved ${removed} containers`);
  }
});
