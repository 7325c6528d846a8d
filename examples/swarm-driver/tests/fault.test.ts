/**
 * Fault tests on the test cluster, with the cluster's own script:
 *
 * - the leader's dockerd is killed (SIGKILL) while a driver is in use: calls
 *   fail only with retryable, typed errors, for no longer than the election,
 *   then succeed through another manager, with the same driver instance, and
 *   nothing the swarm held is lost;
 * - a node is crashed (every process killed, as in a power cut): its
 *   container is reported `dead` once the managers see the node down (not
 *   `running` forever), and `exited` with its real exit code once the node is
 *   back; containers elsewhere are untouched, and removal works throughout.
 *
 * Every node killed is started again in a `finally`, and `afterAll` waits
 * until the cluster is healthy again, so the files after this one find it as
 * they expect. It holds the cluster-test lock like every cluster test file.
 */
import { afterAll, expect, it } from "vitest";
import { createDriverConfig, isDriverError, isRetryableError } from "../../../src/index.js";
import type { SwarmDriver } from "../src/driver.js";
import type { SwarmContainerInstance } from "../src/service-status.js";
import {
  CLUSTER,
  clusterCommand,
  clusterDriver,
  describeWithCluster,
  IDLE_COMMAND,
  leftovers,
  NOTHING_LEFT,
  nodeSocket,
  TEST_IMAGE,
  uniqueNamespace,
} from "./cluster.js";

/** swarmkit's election takes about 10 s after a leader is lost (docs/SCALE.md measured 11-15 s); generous for a loaded CI host. */
const ELECTION_BOUND_MS = 45_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The node number (1-3) whose socket is `socketPath`. */
function nodeNumberOf(nodeId: string | undefined): number | undefined {
  const socketPath = nodeId === undefined ? undefined : CLUSTER?.nodes[nodeId];
  for (const n of [1, 2, 3]) if (nodeSocket(n) === socketPath) return n;
  return undefined;
}

async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`gave up waiting ${ms} ms until ${what}; last: ${JSON.stringify(value)}`);
    await sleep(250);
  }
}

async function clusterHealthy(): Promise<boolean> {
  try {
    await clusterCommand("status");
    return true;
  } catch {
    return false;
  }
}

describeWithCluster("Swarm driver under faults", () => {
  const namespace = uniqueNamespace("swarm-fault");
  const driver: SwarmDriver = clusterDriver(namespace);
  const down = new Set<number>();
  const config = (sessionId: string) => createDriverConfig({ sessionId, image: TEST_IMAGE, command: IDLE_COMMAND });

  async function restart(n: number): Promise<void> {
    await clusterCommand("start-node", String(n));
    down.delete(n);
  }

  afterAll(async () => {
    try {
      for (const n of [...down]) await restart(n);
      await waitUntil(clusterHealthy, Boolean, "the cluster is healthy again", 120_000);
    } finally {
      // Even when a node did not come back: the managers left may still hold a quorum.
      await driver.cleanup();
    }
    // A crashed node's containers are removed by its agent once it is back; give it the time.
    const left = await waitUntil(
      () => leftovers(namespace),
      (found) => JSON.stringify(found) === JSON.stringify(NOTHING_LEFT),
      "nothing of the run is left",
      60_000,
    ).catch(() => leftovers(namespace));
    expect(left).toEqual(NOTHING_LEFT);
  }, 600_000);

  it("fails over when the leader's dockerd is killed: retryable errors (or waiting) for at most the election, then the same driver works through another manager, and nothing is lost", async () => {
    const before = await driver.createContainer(config("before"));
    await driver.startContainer(before.id);
    const leader = Number((await clusterCommand("leader")).trim());
    expect([1, 2, 3]).toContain(leader);

    const killedAt = Date.now();
    down.add(leader);
    await clusterCommand("kill-node", String(leader));
    const failures: unknown[] = [];
    let recoveredAt: number | undefined;
    while (recoveredAt === undefined && Date.now() - killedAt < ELECTION_BOUND_MS + 30_000) {
      try {
        await driver.listContainers();
        recoveredAt = Date.now();
      } catch (error) {
        failures.push(error);
        await sleep(250);
      }
    }
    expect(recoveredAt, "the driver never recovered").toBeDefined();
    expect((recoveredAt ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThanOrEqual(ELECTION_BOUND_MS);
    for (const failure of failures) {
      expect(isDriverError(failure), String(failure)).toBe(true);
      expect(isRetryableError(failure), String(failure)).toBe(true);
    }
    console.info(
      `[swarm fault] leader node ${leader} killed: ${failures.length} failed call(s), recovered after ${(recoveredAt ?? 0) - killedAt} ms through ${driver.managers.current()}`,
    );
    expect(driver.managers.current()).not.toBe(nodeSocket(leader));
    expect((await driver.healthCheck()).status).toBe("healthy");

    // Nothing the swarm held is lost: the container is still there. Its task runs on unless it ran on the killed
    // node, which the new leader reports down only after its heartbeat period: until then it says running.
    const survivor = await driver.getContainer(before.id);
    expect(survivor).not.toBeNull();
    expect(nodeNumberOf(survivor?.nodeId) === leader ? ["running", "dead"] : ["running"]).toContain(survivor?.status);
    // And the same driver instance does everything through the managers left.
    const after = await driver.createContainer(config("after"));
    await driver.startContainer(after.id);
    expect((await driver.getContainer(after.id))?.status).toBe("running");
    await driver.stopContainer(after.id, { timeout: 1_000 });
    expect((await driver.getContainer(after.id))?.status).toBe("stopped");
    await driver.removeContainer(after.id);

    await restart(leader);
    await waitUntil(clusterHealthy, Boolean, "the cluster is healthy again", 120_000);
    await driver.removeContainer(before.id);
  }, 600_000);

  it("reports a crashed node's container dead while the node is down and exited once it is back, and leaves the others alone", async () => {
    const leader = Number((await clusterCommand("leader")).trim());
    // Containers until one runs on a node other than the leader (Swarm spreads them): that node is crashed.
    const containers: SwarmContainerInstance[] = [];
    let victim: SwarmContainerInstance | undefined;
    for (let attempt = 0; attempt < 6 && victim === undefined; attempt++) {
      const created = await driver.createContainer(config(`crash-${attempt}`));
      await driver.startContainer(created.id);
      const running = await driver.getContainer(created.id);
      if (running === null) throw new Error(`container ${created.id} vanished`);
      containers.push(running);
      if (nodeNumberOf(running.nodeId) !== leader) victim = running;
    }
    if (victim === undefined) throw new Error("Swarm placed every container on the leader");
    const crashed = nodeNumberOf(victim.nodeId) ?? 0;
    const bystanders = containers.filter((container) => nodeNumberOf(container.nodeId) !== crashed);

    const crashedAt = Date.now();
    down.add(crashed);
    await clusterCommand("crash-node", String(crashed));
    const dead = await waitUntil(
      () => driver.getContainer(victim.id),
      (found) => found?.status !== "running",
      `container ${victim.id} on the crashed node ${crashed} is no longer reported running`,
      90_000,
    );
    console.info(
      `[swarm fault] node ${crashed} crashed: its container reported ${dead?.status} after ${Date.now() - crashedAt} ms`,
    );
    expect(dead).toMatchObject({ status: "dead", state: "error" });
    expect(await driver.isContainerHealthy(victim.id)).toBe(false);
    for (const bystander of bystanders) {
      expect(
        (await driver.getContainer(bystander.id))?.status,
        `container on node ${nodeNumberOf(bystander.nodeId)}`,
      ).toBe("running");
    }
    // A dead container cannot be started (the table's ContainerStartError) and a stop changes nothing.
    await expect(driver.startContainer(victim.id)).rejects.toMatchObject({ code: "CONTAINER_START_FAILED" });
    await driver.stopContainer(victim.id);
    expect((await driver.getContainer(victim.id))?.status).toBe("dead");

    await restart(crashed);
    const ended = await waitUntil(
      () => driver.getContainer(victim.id),
      (found) => found?.status !== "dead",
      `container ${victim.id} reported ended once node ${crashed} is back`,
      90_000,
    );
    expect(ended).toMatchObject({ status: "exited", state: "error" });
    expect(typeof ended?.exitCode).toBe("number");
    console.info(`[swarm fault] node ${crashed} back: the container is exited with code ${ended?.exitCode}`);
    for (const container of containers) await driver.removeContainer(container.id);
  }, 600_000);
});
