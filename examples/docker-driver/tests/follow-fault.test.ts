/**
 * Fault test: dockerd is killed (SIGKILL, as a crash or the OOM killer would)
 * while `getContainerLogs({ follow: true })` waits. Before, the follow never
 * settled: still pending 91 s later and 30 s after the engine was back, and a
 * process with nothing else to do exited silently with the promise pending.
 * Now it ends with a retryable `NetworkError`, so a caller can retry once the
 * engine is back.
 *
 * Restarting after a SIGKILL needs care: the dead dockerd stays a zombie until
 * PID 1 reaps it (`kill -0` succeeds on a zombie, so scripts/docker-engine.sh
 * would wait for it), and the containerd it started leaves its pid file. Both
 * pid files are cleared when their process is dead or a zombie, read from
 * /proc/PID/stat. Holds the engine-test lock like every engine test file.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { createDriverConfig, isRetryableError, NetworkError } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, engineProblem, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const run = promisify(execFile);
const ENGINE_SCRIPT = join(import.meta.dirname, "../../../scripts/docker-engine.sh");
const DOCKERD_PID_FILE = "/var/run/docker.pid";
const CONTAINERD_PID_FILE = "/var/run/docker/containerd/containerd.pid";
/** Longer than any retry of the driver: a follow still pending after this would be pending for good. */
const SETTLE_BOUND_MS = 20_000;

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The process's state letter from /proc/PID/stat (`R`, `S`, `Z`, ...), or `undefined` when it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (command) state ...": the command may hold spaces and parentheses, the last ")" ends it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

function isDead(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === "Z" || state === "X";
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, attempts = 300): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

async function killEngine(): Promise<void> {
  const pid = readPid(DOCKERD_PID_FILE);
  expect(pid, "dockerd's pid file").toBeDefined();
  process.kill(pid!, "SIGKILL");
  await waitUntil(() => isDead(pid!), `dockerd (pid ${pid}) to die`);
}

/** Clear the pid files of a dead (or zombie) dockerd and containerd, then start the engine with the CI script. */
async function restartEngine(): Promise<void> {
  for (const file of [DOCKERD_PID_FILE, CONTAINERD_PID_FILE]) {
    const pid = readPid(file);
    if (pid !== undefined && isDead(pid)) rmSync(file, { force: true });
  }
  await run("bash", [ENGINE_SCRIPT], { timeout: 180_000 });
}

describeWithEngine("Docker driver: a follow whose engine is killed", () => {
  const namespace = uniqueNamespace("follow-fault");
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, retry: { maxAttempts: 2, baseDelayMs: 20 } });

  afterAll(async () => {
    if ((await engineProblem()) !== undefined) await restartEngine();
    await waitUntil(async () => (await driver.healthCheck()).status === "healthy", "the engine to answer again");
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 300_000);

  it("rejects with a retryable NetworkError instead of staying pending", async () => {
    const container = await driver.createContainer(
      createDriverConfig({
        sessionId: "follow",
        image: TEST_IMAGE,
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 0.2; done"],
      }),
    );
    await driver.startContainer(container.id);
    let lines = 0;
    let following!: Promise<string>;
    await new Promise<void>((firstLine) => {
      following = driver.getContainerLogs(container.id, {
        follow: true,
        onLine: () => {
          lines += 1;
          firstLine();
        },
      });
      following.catch(() => undefined);
    });
    const outcome = following.then(
      (text) => ({ resolved: text }),
      (error: unknown) => ({ error }),
    );

    try {
      await killEngine();
      const settled = await Promise.race([
        outcome,
        new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), SETTLE_BOUND_MS)),
      ]);
      expect(settled, "the follow is still pending after the engine died").not.toBe("pending");
      expect(settled).toHaveProperty("error");
      const { error } = settled as { error: unknown };
      expect(error).toBeInstanceOf(NetworkError);
      expect(isRetryableError(error)).toBe(true);
      expect((error as NetworkError).context).toMatchObject({
        operation: "getContainerLogs",
        containerId: container.id,
      });
      expect(lines).toBeGreaterThan(0);
    } finally {
      await restartEngine();
    }
  }, 300_000);
});
