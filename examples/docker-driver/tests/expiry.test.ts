/**
 * Expiry on the real engine: a process that owns a driver and containers
 * with short TTLs is killed (SIGKILL, no close, no goodbye); a new driver of
 * the namespace removes every container when it expires, or at its first
 * sweep when it expired while no driver ran. Removal times are the engine's
 * own (its `destroy` events), compared with each container's `expiresAt`.
 * Also: a sweep is one list call, and two instances changing one container's
 * name markers at once lose neither.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, expect, it } from "vitest";
import { createDriverConfig } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { OWNER_LABELS, ownerLabels } from "../src/labels.js";
import {
  describeWithEngine,
  docker,
  IDLE_COMMAND,
  leftovers,
  SOCKET_PATH,
  TEST_IMAGE,
  uniqueNamespace,
} from "./engine.js";

const TIMEOUT = 120_000;
const OWNER_SCRIPT = join(import.meta.dirname, "helpers", "expiring-owner.ts");
/** The new driver's sweep interval in this test, in ms. */
const SWEEP_INTERVAL_MS = 1_000;
/**
 * What "one engine call" may take here, in ms: the list and the forced
 * removal of a running container on a shared two-core machine.
 */
const ENGINE_CALL_MS = 1_500;

type Held = { readonly id: string; readonly ttlMs: number | null; readonly expiresAt: number };

/** The TTL of the containers that expire while no driver runs, in ms. */
const EARLY_TTL_MS = 2_000;
/** The TTL of those that expire once the new driver runs, in ms. */
const LATE_TTL_MS = 9_000;

/** Start the owner process, wait until it holds every container, and kill it with SIGKILL. */
async function holdThenKill(namespace: string, ttls: readonly number[]): Promise<Held[]> {
  const child = spawn(process.execPath, ["--import", "tsx", OWNER_SCRIPT, SOCKET_PATH, namespace, ttls.join(",")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const held: Held[] = [];
  let errors = "";
  child.stderr.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (line === "ready") {
          child.kill("SIGKILL");
          resolve();
        } else held.push(JSON.parse(line) as Held);
      }
    });
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`the owner exited (${code}) before it was killed: ${errors}`));
    });
  });
  await new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.on("exit", () => resolve()),
  );
  return held;
}

/** The engine's `destroy` times (ms, from its ns clock) of the namespace's containers since `sinceMs`, by id. */
async function destroyTimes(namespace: string, sinceMs: number): Promise<Map<string, number>> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const stream = (await docker.getEvents({
    since: Math.floor(sinceMs / 1000) - 1,
    until,
    filters: { type: ["container"], event: ["destroy"], label: [`${OWNER_LABELS.namespace}=${namespace}`] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  const times = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const event = JSON.parse(line) as { id: string; timeNano: number };
    times.set(event.id, Math.floor(event.timeNano / 1e6));
  }
  return times;
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A dockerode client that counts the engine calls the driver makes, by method. */
function countingClient(): { client: Docker; calls: Map<string, number> } {
  const real = new Docker({ socketPath: SOCKET_PATH });
  const calls = new Map<string, number>();
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const wrapContainer = (container: Docker.Container) =>
    new Proxy(container, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver);
        if (typeof value !== "function" || typeof key !== "string") return value;
        return (...args: unknown[]) => {
          count(`container.${key}`);
          return Reflect.apply(value, object, args);
        };
      },
    });
  const client = new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key === "getContainer") return (id: string) => wrapContainer(real.getContainer(id));
      if (key === "listContainers" && typeof value === "function") {
        return (...args: unknown[]) => {
          count("listContainers");
          return Reflect.apply(value, object, args);
        };
      }
      return value;
    },
  });
  return { client, calls };
}

describeWithEngine("DockerDriver: expiry on the engine", () => {
  // One namespace per test, so what one test leaves cannot be swept by another.
  const namespaces: string[] = [];
  const drivers: DockerDriver[] = [];
  const newNamespace = () => {
    const namespace = uniqueNamespace("expiry-test");
    namespaces.push(namespace);
    return namespace;
  };
  const newDriver = (namespace: string, extra: { docker?: Docker; expirySweepIntervalMs?: number } = {}) => {
    const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, ...extra });
    drivers.push(driver);
    return driver;
  };

  afterAll(async () => {
    for (const namespace of namespaces) {
      const report = await newDriver(namespace).cleanup();
      expect(report.failures).toEqual([]);
    }
    await Promise.all(drivers.map((driver) => driver.close()));
    for (const namespace of namespaces) {
      expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
    }
  }, TIMEOUT);

  it(
    "after the owning process is killed, a new driver removes each container at its expiry, or at once when it expired meanwhile",
    async () => {
      const namespace = newNamespace();
      const started = Date.now();
      // Two expire while no driver runs; two expire while the new driver runs.
      const held = await holdThenKill(namespace, [EARLY_TTL_MS, EARLY_TTL_MS, LATE_TTL_MS, LATE_TTL_MS]);
      expect(held).toHaveLength(4);
      for (const container of held) expect((await docker.getContainer(container.id).inspect()).Id).toBe(container.id);
      const early = held.filter((container) => container.ttlMs !== null && container.ttlMs < LATE_TTL_MS - 1_000);
      const late = held.filter((container) => !early.includes(container));
      expect(early).toHaveLength(2);
      // No driver runs: the expired ones stay until one does.
      const lastEarly = Math.max(...early.map((container) => container.expiresAt));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastEarly - Date.now()) + 500));
      for (const container of early) expect((await docker.getContainer(container.id).inspect()).Id).toBe(container.id);

      const driver = newDriver(namespace, { expirySweepIntervalMs: SWEEP_INTERVAL_MS });
      const driverStart = Date.now();
      await driver.healthCheck(); // its first call starts the sweeper
      await waitUntil(
        async () => (await leftovers(namespace)).containers.length === 0,
        "every held container to be removed",
      );

      const removed = await destroyTimes(namespace, started);
      const lateness: string[] = [];
      for (const container of held) {
        const removedAt = removed.get(container.id);
        expect(removedAt, `destroy event of ${container.id}`).toBeDefined();
        const dueAt = Math.max(container.expiresAt, driverStart);
        lateness.push(`TTL ${container.ttlMs} ms: removed ${(removedAt ?? 0) - dueAt} ms after due`);
        expect(removedAt).toBeGreaterThanOrEqual(container.expiresAt);
        expect((removedAt ?? 0) - dueAt).toBeLessThanOrEqual(SWEEP_INTERVAL_MS + ENGINE_CALL_MS);
      }
      for (const container of late) expect(container.expiresAt).toBeGreaterThan(driverStart);
      console.info(`[expiry] removal after due (sweep ${SWEEP_INTERVAL_MS} ms): ${lateness.join("; ")}`);
    },
    TIMEOUT,
  );

  it(
    "a sweep is one list call, then one removal per expired container: no inspect",
    async () => {
      const namespace = newNamespace();
      // Made with raw dockerode, as the driver labels them, so no driver's sweeper removes them first.
      const make = async (session: string, expiresAt?: number) => {
        const name = `oa-${namespace}-${session}-0000000${session.length}`;
        const labels: Record<string, string> = {
          ...ownerLabels("docker", namespace),
          [OWNER_LABELS.session]: session,
          [OWNER_LABELS.name]: name,
          ...(expiresAt === undefined ? {} : { [OWNER_LABELS.expiresAt]: String(expiresAt) }),
        };
        return (await docker.createContainer({ name, Image: TEST_IMAGE, Labels: labels })).id;
      };
      const now = Date.now();
      const expiring = await Promise.all([make("a", now - 1_000), make("bb", now - 1)]);
      const staying = await Promise.all([make("ccc", now + 600_000), make("dddd")]);
      const { client, calls } = countingClient();
      const sweeper = newDriver(namespace, { docker: client, expirySweepIntervalMs: 600_000 });
      const report = await sweeper.sweepExpired();
      expect([...report.removed].sort()).toEqual([...expiring].sort());
      expect(report.failed).toEqual([]);
      expect(Object.fromEntries(calls)).toEqual({ listContainers: 1, "container.remove": 2 });
      for (const id of staying) expect((await docker.getContainer(id).inspect()).Id).toBe(id);
      await sweeper.close();
    },
    TIMEOUT,
  );

  it(
    "two instances stopping a container and moving its expiry at once keep both markers",
    async () => {
      const namespace = newNamespace();
      const [first, second] = [newDriver(namespace), newDriver(namespace)];
      const containers = await Promise.all(
        Array.from({ length: 8 }, (_, round) =>
          first.createContainer(
            createDriverConfig({
              sessionId: `race-${round}`,
              image: TEST_IMAGE,
              command: IDLE_COMMAND,
              ttlMs: 600_000,
            }),
          ),
        ),
      );
      await Promise.all(containers.map((container) => first.startContainer(container.id)));
      for (const [round, container] of containers.entries()) {
        const expiresAt = container.createdAt + 900_000 + round;
        await Promise.all([first.stopContainer(container.id), second.setContainerExpiry(container.id, expiresAt)]);
        const after = await second.getContainer(container.id);
        expect(after?.status).toBe("stopped");
        expect(after?.expiresAt).toBe(expiresAt);
      }
      await Promise.all(containers.map((container) => first.removeContainer(container.id)));
    },
    TIMEOUT,
  );
});
