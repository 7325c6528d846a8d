/**
 * What the Swarm driver does that the conformance suite cannot see: where
 * containers run (volumes pin them, empty volumes follow each other), what
 * a restarted container's log holds, how a task that cannot run is reported,
 * the refusals only a swarm has, and that every object of the run is gone
 * from the managers and every node at the end, checked with the engines.
 */
import Docker from "dockerode";
import { afterAll, expect, it } from "vitest";
import { ConfigurationError, ContainerStartError, createDriverConfig } from "../../../src/index.js";
import type { SwarmDriver } from "../src/driver.js";
import {
  CLUSTER,
  clusterDriver,
  describeWithCluster,
  IDLE_COMMAND,
  leftovers,
  NOTHING_LEFT,
  TEST_IMAGE,
  uniqueNamespace,
} from "./cluster.js";

describeWithCluster("Swarm driver on the test cluster", () => {
  const namespace = uniqueNamespace("swarm-driver");
  const driver: SwarmDriver = clusterDriver(namespace);
  const config = (input: Partial<Parameters<typeof createDriverConfig>[0]> = {}) =>
    createDriverConfig({ sessionId: "s", image: TEST_IMAGE, command: IDLE_COMMAND, ...input });
  const mount = (name: string, target = "/data") => ({ source: name, target, type: "volume" as const });

  afterAll(async () => {
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual(NOTHING_LEFT);
  }, 120_000);

  it("runs the containers that share a volume on the volume's node, and brings empty volumes together", async () => {
    const first = await driver.createVolume({ name: `${namespace}-a` });
    const second = await driver.createVolume({ name: `${namespace}-b` });
    // Spread: a new volume goes to the node with the fewest of the namespace's volumes.
    expect(second.nodeId).not.toBe(first.nodeId);
    const both = await driver.createContainer(
      config({ volumes: [mount(first.name, "/a"), mount(second.name, "/b")], security: { user: "0:0" } }),
    );
    await driver.startContainer(both.id);
    const running = await driver.getContainer(both.id);
    expect(running?.nodeId).toBe(first.nodeId);
    // The second, empty and unused, moved to the first's node; it is still the driver's, with its name.
    const engine = new Docker({ socketPath: CLUSTER?.nodes[first.nodeId] ?? "" });
    expect((await engine.getVolume(second.name).inspect()).Labels).toMatchObject({
      "org.openagent.namespace": namespace,
    });
    const sharer = await driver.createContainer(config({ volumes: [mount(second.name)] }));
    await driver.startContainer(sharer.id);
    expect((await driver.getContainer(sharer.id))?.nodeId).toBe(first.nodeId);
    await driver.removeContainer(both.id);
    await driver.removeContainer(sharer.id);
    await driver.removeVolume(first.id);
    await driver.removeVolume(second.id);
  }, 120_000);

  it("refuses to bring together volumes when one holds data", async () => {
    const full = await driver.createVolume({ name: `${namespace}-full` });
    const writer = await driver.createContainer(
      config({
        command: ["sh", "-c", "echo data > /data/file"],
        volumes: [mount(full.name)],
        security: { user: "0:0" },
      }),
    );
    await driver.startContainer(writer.id);
    await driver.getContainerLogs(writer.id, { follow: true });
    await driver.removeContainer(writer.id);
    // A new volume on another node (the full one's node holds one more).
    const empty = await driver.createVolume({ name: `${namespace}-empty` });
    expect(empty.nodeId).not.toBe(full.nodeId);
    // The full one cannot move; the empty one can, so it moves to the full one's node.
    const together = await driver.createContainer(
      config({ volumes: [mount(empty.name, "/e"), mount(full.name, "/f")] }),
    );
    await driver.startContainer(together.id);
    expect((await driver.getContainer(together.id))?.nodeId).toBe(full.nodeId);
    await driver.removeContainer(together.id);
    // Two volumes with data on two nodes cannot be mounted together.
    const other = await driver.createVolume({ name: `${namespace}-other` });
    expect(other.nodeId).not.toBe(full.nodeId);
    const otherWriter = await driver.createContainer(
      config({ command: ["sh", "-c", "echo x > /data/x"], volumes: [mount(other.name)], security: { user: "0:0" } }),
    );
    await driver.startContainer(otherWriter.id);
    await driver.getContainerLogs(otherWriter.id, { follow: true });
    await driver.removeContainer(otherWriter.id);
    const refused = await driver
      .createContainer(config({ volumes: [mount(other.name, "/o"), mount(full.name, "/f")] }))
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues?.[0]?.path).toBe("volumes");
    for (const volume of [full, empty, other]) await driver.removeVolume(volume.id);
  }, 180_000);

  it("keeps every run's log across a stop and a start, oldest first", async () => {
    const container = await driver.createContainer(
      config({ command: ["sh", "-c", "echo run-$(hostname); trap 'exit 0' TERM; sleep 3600 & wait"] }),
    );
    await driver.startContainer(container.id);
    await driver.stopContainer(container.id, { timeout: 1_000 });
    await driver.startContainer(container.id);
    await driver.stopContainer(container.id, { timeout: 1_000 });
    const lines = (await driver.getContainerLogs(container.id)).trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.startsWith("run-"))).toBe(true);
    // Two tasks, two containers (their host names are their container IDs).
    expect(new Set(lines).size).toBe(2);
    await driver.removeContainer(container.id);
  }, 60_000);

  it("reports a task that cannot run: the start rejects with ContainerStartError and the container is exited, state error, with Swarm's reason", async () => {
    const container = await driver.createContainer(config({ image: "openagent-test/no-such-image:1" }));
    const error = await driver.startContainer(container.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ContainerStartError);
    const after = await driver.getContainer(container.id);
    expect(after).toMatchObject({ status: "exited", state: "error", taskState: "rejected" });
    expect(after?.exitCode).toBeUndefined();
    expect(after?.taskError).toMatch(/no such image/i);
    await driver.removeContainer(container.id);
  }, 60_000);

  it("refuses what the swarm cannot honour before creating anything", async () => {
    const before = (await driver.listContainers()).length;
    const lax = await driver
      .createContainer(config({ security: { noNewPrivileges: false } }))
      .catch((caught: unknown) => caught);
    expect(lax).toBeInstanceOf(ConfigurationError);
    expect((lax as ConfigurationError).issues?.[0]?.path).toBe("security.noNewPrivileges");
    const bridge = await driver
      .createNetwork({ name: `${namespace}-br`, driver: "bridge" })
      .catch((caught: unknown) => caught);
    expect(bridge).toBeInstanceOf(ConfigurationError);
    expect((await driver.listContainers()).length).toBe(before);
  }, 60_000);

  it("says what it does not enforce, on the instance and in its health", async () => {
    const container = await driver.createContainer(config());
    expect(container.unenforced).toEqual(["resources.disk"]);
    const health = await driver.healthCheck();
    expect(health).toMatchObject({
      status: "healthy",
      unenforced: ["resources.disk"],
      swarm: { managers: 3, nodes: 3 },
    });
    const unsure = clusterDriver(namespace, { nodeNoNewPrivileges: false });
    const unsureContainer = await unsure.createContainer(config());
    expect(unsureContainer.unenforced).toEqual(["resources.disk", "security.noNewPrivileges"]);
    await driver.removeContainer(container.id);
    await driver.removeContainer(unsureContainer.id);
  }, 60_000);

  it("sees no other namespace's services", async () => {
    const other = clusterDriver(uniqueNamespace("other"));
    const theirs = await other.createContainer(config());
    try {
      expect(await driver.getContainer(theirs.id)).toBeNull();
      expect((await driver.listContainers()).some((container) => container.id === theirs.id)).toBe(false);
    } finally {
      await other.removeContainer(theirs.id);
    }
  }, 60_000);
});
