/**
 * Fault test: the engine goes away while a driver is in use, and comes back.
 * While it is down, every call fails with a retryable, typed error and
 * `healthCheck` reports unhealthy without throwing; once it is back, the same
 * driver instance works again. The engine is restarted in a `finally` (and
 * again in `afterAll` if that failed), with the same script CI uses.
 *
 * It holds the engine-test lock like every engine test file, so no other
 * engine test runs while the engine is down.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { createDriverConfig, isRetryableError, NetworkError } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import {
  describeWithEngine,
  docker,
  engineProblem,
  IDLE_COMMAND,
  leftovers,
  SOCKET_PATH,
  TEST_IMAGE,
  uniqueNamespace,
} from "./engine.js";

const run = promisify(execFile);
const ENGINE_SCRIPT = join(import.meta.dirname, "../../../scripts/docker-engine.sh");
const DOCKERD_PID_FILE = "/var/run/docker.pid";

async function waitFor(condition: () => Promise<boolean>, what: string, attempts = 150): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`gave up waiting: ${what}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stop the engine the way an operator or a crash would: SIGTERM to dockerd, then wait until it is gone. */
async function stopEngine(): Promise<void> {
  const pid = Number(readFileSync(DOCKERD_PID_FILE, "utf8").trim());
  expect(Number.isInteger(pid) && pid > 0).toBe(true);
  process.kill(pid, "SIGTERM");
  await waitFor(async () => !processAlive(pid), `dockerd (pid ${pid}) to exit`);
}

async function startEngine(): Promise<void> {
  await run("bash", [ENGINE_SCRIPT], { timeout: 120_000 });
}

describeWithEngine("Docker driver when the engine goes away and comes back", () => {
  const namespace = uniqueNamespace("fault-test");
  const driver = new DockerDriver({
    socketPath: SOCKET_PATH,
    namespace,
    // Short backoff: the point is the error's type, not how long the driver insists.
    retry: { maxAttempts: 2, baseDelayMs: 20 },
  });

  afterAll(async () => {
    if ((await engineProblem()) !== undefined) await startEngine();
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 180_000);

  it("fails with retryable typed errors and reports unhealthy while down, and recovers without a new driver", async () => {
    const container = await driver.createContainer(
      createDriverConfig({ sessionId: "fault", image: TEST_IMAGE, command: IDLE_COMMAND }),
    );
    await driver.startContainer(container.id);
    expect((await driver.healthCheck()).status).toBe("healthy");

    try {
      await stopEngine();

      const calls: [string, () => Promise<unknown>][] = [
        ["getContainer", () => driver.getContainer(container.id)],
        ["listContainers", () => driver.listContainers()],
        ["startContainer", () => driver.startContainer(container.id)],
        ["stopContainer", () => driver.stopContainer(container.id)],
        ["getContainerLogs", () => driver.getContainerLogs(container.id)],
        [
          "createContainer",
          () => driver.createContainer(createDriverConfig({ sessionId: "fault-2", image: TEST_IMAGE })),
        ],
        ["createVolume", () => driver.createVolume({ name: `${namespace}-v` })],
        ["createNetwork", () => driver.createNetwork({ name: `${namespace}-n` })],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(
          () => new Error(`${name} resolved while the engine was down`),
          (rejection: unknown) => rejection,
        );
        expect(error, name).toBeInstanceOf(NetworkError);
        expect(isRetryableError(error), name).toBe(true);
      }
      const health = await driver.healthCheck();
      expect(health.status).toBe("unhealthy");
      expect(health.error).toMatch(/could not be reached/);
    } finally {
      await startEngine();
    }

    await waitFor(async () => (await driver.healthCheck()).status === "healthy", "the driver to report healthy");
    // The same instance, not a new one: it finds its container on the engine and manages it.
    const after = await driver.getContainer(container.id);
    expect(after).not.toBeNull();
    await driver.startContainer(container.id);
    expect((await driver.getContainer(container.id))?.status).toBe("running");
    const fresh = await driver.createContainer(createDriverConfig({ sessionId: "fault-3", image: TEST_IMAGE }));
    await driver.removeContainer(fresh.id);
    await driver.removeContainer(container.id);
    await expect(docker.getContainer(container.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 180_000);
});
