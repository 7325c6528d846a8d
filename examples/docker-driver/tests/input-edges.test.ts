/**
 * Input at the edges of what the schemas allow, against the real engine:
 * network ids that look like paths (they end up in the engine's URLs), label
 * keys that contain `=` (the engine's label filter splits on the first one),
 * a `since` so far in the future that JavaScript prints it with an exponent,
 * input that throws while being read, an image, a volume or network driver
 * the engine does not have, mount targets the runtime owns, and label
 * filters too large for one request. Each must give the contract's answer,
 * not an engine error, a retryable error for what retrying cannot fix, or a
 * crash of the process.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ConfigurationError,
  createDriverConfig,
  describeValue,
  isRetryableError,
  NetworkNotFoundError,
  VolumeNotFoundError,
} from "../../../src/index.js";
import { hostileDriverCalls, type InputDriver } from "../../../tests/property/hostile-variants.js";
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

  it(
    "rejects input that throws while being read with ConfigurationError, in every method that takes input, before the engine",
    async () => {
      const before = await leftovers(namespace);
      const config = createDriverConfig({
        sessionId: "edges-hostile",
        image: TEST_IMAGE,
        command: ["true"],
        env: { A: "1" },
        labels: { team: "core" },
        volumes: [{ source: "data", target: "/data", readOnly: true }],
      });
      const calls = hostileDriverCalls(config, "f".repeat(64));
      expect(calls.length).toBeGreaterThan(1_000);
      for (const { label, call } of calls) {
        const outcome = await call(driver as unknown as InputDriver).then(
          () => "resolved",
          (error: unknown) => error,
        );
        if (!(outcome instanceof ConfigurationError)) expect.fail(`${label}: ${describeValue(outcome)}`);
      }
      expect(await leftovers(namespace)).toEqual(before);
    },
    TIMEOUT * 2,
  );

  it(
    "a missing image is a ConfigurationError at image, not retryable, and leaves nothing",
    async () => {
      const before = await leftovers(namespace);
      const error = await driver
        .createContainer(createDriverConfig({ sessionId: "edges-7", image: "openagent-test/no-such-image:1" }))
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(isRetryableError(error)).toBe(false);
      expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual(["image"]);
      expect(await leftovers(namespace)).toEqual(before);
    },
    TIMEOUT,
  );

  it(
    "a volume or network driver the engine does not have, or one it allows once, is a ConfigurationError at driver",
    async () => {
      const refusedAt = async (promise: Promise<unknown>, what: string) => {
        const error = await promise.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, what).toBeInstanceOf(ConfigurationError);
        expect(isRetryableError(error), what).toBe(false);
        return (error as ConfigurationError).issues.map((issue) => issue.path);
      };
      // A driver name that reads as a path never reaches the engine.
      expect(await refusedAt(driver.createVolume({ name: `${namespace}-v1`, driver: "../../x" }), "../../x")).toEqual([
        "driver",
      ]);
      // The engine looks for an unknown plugin for 15 s before it answers; both lookups run at once.
      const [volume, network, host, none] = await Promise.all([
        refusedAt(driver.createVolume({ name: `${namespace}-v2`, driver: "nope" }), "volume nope"),
        refusedAt(driver.createNetwork({ name: `${namespace}-n1`, driver: "nope" }), "network nope"),
        refusedAt(driver.createNetwork({ name: `${namespace}-n2`, driver: "host" }), "network host"),
        refusedAt(driver.createNetwork({ name: `${namespace}-n3`, driver: "null" }), "network null"),
      ]);
      expect([volume, network, host, none]).toEqual([["driver"], ["driver"], ["driver"], ["driver"]]);
      expect(await leftovers(namespace)).toMatchObject({ volumes: [], networks: [] });
    },
    TIMEOUT,
  );

  it(
    "mount targets the runtime owns are refused before the create, so no container is left in created",
    async () => {
      const before = await leftovers(namespace);
      const volume = await driver.createVolume({ name: `${namespace}-targets` });
      for (const target of [
        "/proc",
        "/proc/sys",
        "/dev",
        "/dev/shm",
        "/sys",
        "/etc/hosts",
        "/etc/hostname",
        "/etc/resolv.conf",
      ]) {
        const error = await driver
          .createContainer(
            createDriverConfig({ sessionId: "edges-8", image: TEST_IMAGE, volumes: [{ source: volume.name, target }] }),
          )
          .then(
            () => undefined,
            (reason: unknown) => reason,
          );
        expect(error, target).toBeInstanceOf(ConfigurationError);
        expect(
          (error as ConfigurationError).issues.map((issue) => issue.path),
          target,
        ).toEqual(["volumes.0.target"]);
      }
      expect((await leftovers(namespace)).containers).toEqual(before.containers);
      await driver.removeVolume(volume.id);
    },
    TIMEOUT,
  );

  it(
    "listContainers with label filters too large for one request matches them itself instead of failing with 431",
    async () => {
      const large = "v".repeat(60_000);
      const created = await driver.createContainer(
        createDriverConfig({ sessionId: "edges-9", image: TEST_IMAGE, labels: { big: large, small: "1" } }),
      );
      // 32 labels of 8,000 characters (the most a filter may hold in all), each 'é' six once encoded: 1.5 MB.
      const noise = Object.fromEntries(Array.from({ length: 32 }, (_, index) => [`n${index}`, "é".repeat(8_000)]));
      expect(await driver.listContainers({ label: { ...noise } })).toEqual([]);
      const found = await driver.listContainers({ label: { big: large, small: "1" } });
      expect(found.map((container) => container.id)).toEqual([created.id]);
      expect(await driver.listContainers({ label: { big: `${large}x` } })).toEqual([]);
      // A session id no container can have, of a megabyte, is no container rather than a refused request.
      expect(await driver.listContainers({ sessionId: "s".repeat(1_048_576) })).toEqual([]);
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
