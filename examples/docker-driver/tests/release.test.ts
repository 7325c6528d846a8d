/**
 * close() and cleanup() of the Docker driver on the real engine.
 *
 * close(): leaves every container, volume and network in place, is
 * idempotent, stops the background work (no sweep after it; a pending
 * reconcile of an unknown create ends), and a driver never closed does not
 * keep its process alive. cleanup(): goes on past an object it cannot remove
 * (a volume another namespace's container uses), reports it, removes the
 * rest, and is idempotent; two broken cleanups (one that stops at the first
 * failure, one that rejects as 1.0's did) fail the same check.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, expect, it } from "vitest";
import { type CleanupReport, createDriverConfig, NetworkError } from "../../../src/index.js";
import { cleanupNamespace } from "../src/cleanup.js";
import { DockerDriver, type DockerDriverClients } from "../src/driver.js";
import type { EngineScope } from "../src/engine-call.js";
import { OWNER_LABELS } from "../src/labels.js";
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
const run = promisify(execFile);
const UNCLOSED_SCRIPT = join(import.meta.dirname, "helpers", "unclosed-driver.ts");

/** A driver that keeps its clients at hand, so a test can build a broken cleanup over them. */
class ExposedDriver extends DockerDriver {
  clients: DockerDriverClients | undefined;
  protected override createClients(scope: EngineScope): DockerDriverClients {
    this.clients = super.createClients(scope);
    return this.clients;
  }
}

/** A cleanup that reports the first object it cannot remove and stops there (what the contract forbids). */
async function cleanupStoppingAtFirstFailure(driver: ExposedDriver): Promise<CleanupReport> {
  await driver.getContainer("0".repeat(64)); // builds the clients
  const clients = driver.clients;
  if (clients === undefined) throw new Error("no clients");
  const counts = { containers: 0, networks: 0, volumes: 0 };
  const kinds = { containers: "container", networks: "network", volumes: "volume" } as const;
  for (const kind of ["containers", "networks", "volumes"] as const) {
    for (const id of [...(await clients[kind].listOwned({ operation: "cleanup" }))].sort()) {
      try {
        await clients[kind].removeOwned(id, { operation: "cleanup" });
        counts[kind] += 1;
      } catch (error) {
        const failure = { kind: kinds[kind], id, code: "VOLUME_IN_USE", message: String(error) };
        return { ...counts, failures: [failure] };
      }
    }
  }
  return { ...counts, failures: [] };
}

/** 1.0's cleanup: tries everything, then rejects with the first failure instead of reporting it. */
async function cleanupRejectingOnFailure(driver: ExposedDriver): Promise<CleanupReport> {
  await driver.getContainer("0".repeat(64));
  const clients = driver.clients;
  if (clients === undefined) throw new Error("no clients");
  const report = await cleanupNamespace(clients);
  if (report.failures.length > 0) throw new Error(report.failures[0]?.message);
  return report;
}

/**
 * The namespace holds two containers, a network and two volumes, one of them
 * used by a container of no namespace (so it cannot be removed); a correct
 * cleanup removes everything else and reports exactly that volume.
 */
async function checkCleanupGoesOn(
  cleanup: (driver: ExposedDriver) => Promise<CleanupReport>,
  options: { readonly repeat?: boolean } = {},
): Promise<void> {
  const namespace = uniqueNamespace("release-test");
  const driver = new ExposedDriver({ socketPath: SOCKET_PATH, namespace });
  // Sorted before the free one, so a cleanup that stops at the first failure leaves the free one behind.
  const used = await driver.createVolume({ name: `a-used-${namespace}` });
  await driver.createVolume({ name: `z-free-${namespace}` });
  const network = await driver.createNetwork({ name: `net-${namespace}` });
  const running = await driver.createContainer(
    createDriverConfig({ sessionId: "c1", image: TEST_IMAGE, command: IDLE_COMMAND, network: network.name }),
  );
  await driver.startContainer(running.id);
  await driver.createContainer(createDriverConfig({ sessionId: "c2", image: TEST_IMAGE }));
  const foreign = await docker.createContainer({
    Image: TEST_IMAGE,
    HostConfig: { Mounts: [{ Type: "volume", Source: used.name, Target: "/data" }] },
  });
  try {
    const report = await cleanup(driver);
    expect(report).toMatchObject({ containers: 2, networks: 1, volumes: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({ kind: "volume", id: used.name, code: expect.stringMatching(/^VOLUME_/) }),
    ]);
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [used.name], networks: [] });
    if (options.repeat === true) {
      // Once the volume is free, the next cleanup removes it; the one after finds nothing.
      await foreign.remove({ force: true });
      expect(await cleanup(driver)).toEqual({ containers: 0, networks: 0, volumes: 1, failures: [] });
      expect(await cleanup(driver)).toEqual({ containers: 0, networks: 0, volumes: 0, failures: [] });
    }
  } finally {
    await foreign.remove({ force: true }).catch(() => undefined);
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    await driver.close();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }
}

/** An engine client whose removals fail as an unreachable engine's do. */
function removalsFail(): Docker {
  const real = new Docker({ socketPath: SOCKET_PATH });
  const reset = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
  return new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key === "createContainer" && typeof value === "function") {
        // The create is made, its answer lost.
        return async (...args: unknown[]) => {
          await Reflect.apply(value, object, args);
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        };
      }
      if (key === "getContainer") {
        return (id: string) =>
          new Proxy(real.getContainer(id), {
            get(container, method, inner) {
              return method === "remove" ? reset : Reflect.get(container, method, inner);
            },
          });
      }
      return value;
    },
  });
}

describeWithEngine("DockerDriver: close() and cleanup()", () => {
  const namespace = uniqueNamespace("release-test");
  const drivers: DockerDriver[] = [];
  const newDriver = (extra: { docker?: Docker; expirySweepIntervalMs?: number } = {}) => {
    const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, ...extra });
    drivers.push(driver);
    return driver;
  };

  afterAll(async () => {
    const report = await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    await Promise.all(drivers.map((driver) => driver.close()));
    expect(report.failures).toEqual([]);
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "close() leaves every object in place, twice, and stops sweeping; a sweep asked for still works",
    async () => {
      const driver = newDriver({ expirySweepIntervalMs: 200 });
      const volume = await driver.createVolume({ name: `${namespace}-kept` });
      const container = await driver.createContainer(
        createDriverConfig({ sessionId: "kept", image: TEST_IMAGE, command: IDLE_COMMAND }),
      );
      await driver.startContainer(container.id);
      await driver.close();
      await driver.close();
      expect((await docker.getContainer(container.id).inspect()).State.Running).toBe(true);
      expect((await docker.getVolume(volume.name).inspect()).Name).toBe(volume.name);
      // Due now, but the closed driver no longer sweeps on its own.
      await driver.setContainerExpiry(container.id, container.createdAt);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await docker.getContainer(container.id).inspect()).Id).toBe(container.id);
      const report = await driver.sweepExpired();
      expect(report.removed).toEqual([container.id]);
      await driver.removeVolume(volume.id);
    },
    TIMEOUT,
  );

  it(
    "close() ends the reconcile of a create whose answer was lost while the engine refuses removals",
    async () => {
      const driver = newDriver({ docker: removalsFail() });
      const config = createDriverConfig({ sessionId: "unknown", image: TEST_IMAGE });
      await expect(driver.createContainer(config)).rejects.toBeInstanceOf(NetworkError);
      expect((await driver.healthCheck()).unknownCreates).toBe(1);
      const closing = Date.now();
      await driver.close();
      expect(Date.now() - closing).toBeLessThan(2_000);
      expect((await driver.healthCheck()).unknownCreates).toBe(0);
      // What the lost create made is still there (nobody could remove it); the afterAll cleanup removes it.
      const label = [`${OWNER_LABELS.namespace}=${namespace}`, `${OWNER_LABELS.session}=unknown`];
      expect(await docker.listContainers({ all: true, filters: { label } })).toHaveLength(1);
    },
    TIMEOUT,
  );

  it(
    "a process whose driver was never closed ends on its own",
    async () => {
      const started = Date.now();
      const { stdout } = await run(process.execPath, ["--import", "tsx", UNCLOSED_SCRIPT, SOCKET_PATH, namespace], {
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe("healthy");
      // Well under the 30 s kill: the sweeper's 1 s timer did not hold the process.
      expect(Date.now() - started).toBeLessThan(20_000);
    },
    TIMEOUT,
  );

  it(
    "cleanup() goes on past a volume it cannot remove, reports it, and removes the rest; once freed, again removes it; then nothing",
    async () => {
      await checkCleanupGoesOn((driver) => driver.cleanup(), { repeat: true });
    },
    TIMEOUT,
  );

  it(
    "negative controls: a cleanup that stops at the first failure, or rejects instead of reporting, fails that check",
    async () => {
      await expect(checkCleanupGoesOn(cleanupStoppingAtFirstFailure)).rejects.toThrow();
      await expect(checkCleanupGoesOn(cleanupRejectingOnFailure)).rejects.toThrow();
    },
    TIMEOUT,
  );
});
