/**
 * Input at the edges of what the schemas allow, against the real engine:
 * network ids that look like paths (they end up in the engine's URLs), label
 * keys that contain `=` (the engine's label filter splits on the first one),
 * and a `since` so far in the future that JavaScript prints it with an
 * exponent. Each must give the contract's answer, not an engine error or a
 * crash of the process.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDriverConfig, NetworkNotFoundError, VolumeNotFoundError } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { ownerLabels } from "../src/labels.js";
import {
  describeWithEngine,
  docker,
  IDLE_COMMAND,
  leftovers,
  SOCKET_PATH,
  TEST_IMAGE,
  uniqueNamespace,
} from "./engine.js";

const TIMEOUT = 60_000;

describeWithEngine("DockerDriver with edge-case input", () => {
  const namespace = uniqueNamespace("edges-test");
  let driver: DockerDriver;

  beforeAll(() => {
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, retry: { maxAttempts: 1 } });
  });

  afterAll(async () => {
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "removeNetwork with an id that is not a network name or id is NetworkNotFoundError, and never reaches the engine's URL",
    async () => {
      // The engine answers a path with `..` or `//` with a redirect, which the HTTP client follows into a
      // request that emits an unhandled 'error' event (or throws on an invalid URL): it took the process down.
      for (const id of ["../volumes/x", "//elsewhere/x", "%2e%2e", "a/b", "x?y=1"]) {
        await expect(driver.removeNetwork(id), id).rejects.toBeInstanceOf(NetworkNotFoundError);
      }
      // Give a stray request's error event the time to surface as an unhandled error.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    TIMEOUT,
  );

  it(
    "listContainers finds a container by a label whose key contains '='",
    async () => {
      const created = await driver.createContainer(
        createDriverConfig({ sessionId: "edges-1", image: TEST_IMAGE, labels: { "team=core": "yes", plain: "1" } }),
      );
      const byOddKey = await driver.listContainers({ label: { "team=core": "yes" } });
      expect(byOddKey.map((container) => container.id)).toEqual([created.id]);
      const both = await driver.listContainers({ label: { "team=core": "yes", plain: "1" } });
      expect(both.map((container) => container.id)).toEqual([created.id]);
      expect(await driver.listContainers({ label: { "team=core": "no" } })).toEqual([]);
      // Split on the first '=' the key would have read as label `team` with value `core=yes`.
      expect(await driver.listContainers({ label: { team: "core=yes" } })).toEqual([]);
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );

  it(
    "getContainerLogs with since far in the future resolves with no lines",
    async () => {
      const created = await driver.createContainer(
        createDriverConfig({ sessionId: "edges-2", image: TEST_IMAGE, command: ["sh", "-c", "echo hello"] }),
      );
      await driver.startContainer(created.id);
      expect(await driver.getContainerLogs(created.id, { follow: true })).toBe("hello\n");
      for (const since of [Date.now() + 86_400_000, 1e21, Number.MAX_VALUE]) {
        expect(await driver.getContainerLogs(created.id, { since }), String(since)).toBe("");
      }
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );

  it(
    "createContainer refuses a volume or network of another namespace as not found, as every other method does",
    async () => {
      const foreign = `${namespace}-foreign`;
      const labels = ownerLabels("docker", `${namespace}-other`);
      await docker.createVolume({ Name: foreign, Labels: labels });
      const network = await docker.createNetwork({ Name: foreign, Labels: labels });
      try {
        // removeVolume and removeNetwork already treat them as unknown...
        await expect(driver.removeVolume(foreign)).rejects.toBeInstanceOf(VolumeNotFoundError);
        await expect(driver.removeNetwork(foreign)).rejects.toBeInstanceOf(NetworkNotFoundError);
        // ...so mounting or joining them must not work either: that would reach another deployment's data.
        const before = (await leftovers(namespace)).containers.length;
        await expect(
          driver.createContainer(
            createDriverConfig({
              sessionId: "edges-3",
              image: TEST_IMAGE,
              volumes: [{ source: foreign, target: "/data" }],
            }),
          ),
        ).rejects.toBeInstanceOf(VolumeNotFoundError);
        await expect(
          driver.createContainer(createDriverConfig({ sessionId: "edges-4", image: TEST_IMAGE, network: foreign })),
        ).rejects.toBeInstanceOf(NetworkNotFoundError);
        expect((await leftovers(namespace)).containers.length).toBe(before);
      } finally {
        for (const container of await docker.listContainers({ all: true, filters: { volume: [foreign] } })) {
          await docker.getContainer(container.Id).remove({ force: true });
        }
        for (const container of await docker.listContainers({ all: true, filters: { network: [foreign] } })) {
          await docker.getContainer(container.Id).remove({ force: true });
        }
        await cleanupForeign(foreign, network.id);
      }
    },
    TIMEOUT,
  );

  it(
    "stopContainer with a grace period longer than a timer can hold still stops the container",
    async () => {
      for (const timeout of [3e9, 1e21]) {
        const created = await driver.createContainer(
          createDriverConfig({ sessionId: "edges-5", image: TEST_IMAGE, command: IDLE_COMMAND }),
        );
        await driver.startContainer(created.id);
        // The command exits at once on SIGTERM, so the grace period is never waited out.
        await driver.stopContainer(created.id, { timeout });
        expect((await driver.getContainer(created.id))?.status, String(timeout)).toBe("stopped");
        await driver.removeContainer(created.id);
      }
    },
    TIMEOUT,
  );

  it(
    "getContainerLogs tail counts lines, not the engine's 16 KiB partial messages",
    async () => {
      const created = await driver.createContainer(
        createDriverConfig({
          sessionId: "edges-6",
          image: TEST_IMAGE,
          command: ["sh", "-c", "echo first; head -c 40000 /dev/zero | tr '\\0' x; echo; echo last"],
        }),
      );
      await driver.startContainer(created.id);
      const all = await driver.getContainerLogs(created.id, { follow: true });
      const long = "x".repeat(40_000);
      expect(all).toBe(`first\n${long}\nlast\n`);
      expect(await driver.getContainerLogs(created.id, { tail: 2 })).toBe(`${long}\nlast\n`);
      expect(await driver.getContainerLogs(created.id, { tail: 3 })).toBe(all);
      expect(await driver.getContainerLogs(created.id, { tail: 5 })).toBe(all);
      expect(await driver.getContainerLogs(created.id, { tail: 1 })).toBe("last\n");
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );

  async function cleanupForeign(volume: string, network: string): Promise<void> {
    await driver.cleanup();
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
  }
});
