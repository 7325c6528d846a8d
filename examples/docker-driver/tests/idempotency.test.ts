/**
 * Idempotency keys on the real engine, counted with the engine itself
 * (dockerode, list by the key label), not with the driver: concurrent
 * creates with one key across several driver instances, creates racing a
 * name freed by the stopped marker, and creates whose answer is lost, as
 * `withPolicies` retries them (a dockerode client that makes the real create
 * and then loses or delays its answer).
 */
import Docker from "dockerode";
import { afterAll, expect, it } from "vitest";
import {
  type ContainerConfig,
  createDriverConfig,
  IdempotencyConflictError,
  NetworkError,
  withPolicies,
} from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
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

/** The engine's containers of `namespace` that carry `key`. */
async function engineHolders(namespace: string, key: string): Promise<string[]> {
  const label = [`${OWNER_LABELS.namespace}=${namespace}`, `${OWNER_LABELS.idempotencyKey}=${key}`];
  return (await docker.listContainers({ all: true, filters: { label } })).map((container) => container.Id);
}

/** An error as dockerode gives it when the engine's connection resets. */
function connectionReset(): Error {
  return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
}

/**
 * A dockerode client whose `createContainer` makes the real create, then
 * (once `mode.lose` or `mode.delayMs` is set) rejects as a reset connection
 * or answers late; counts the creates that reached the engine.
 */
function faultyClient() {
  const real = new Docker({ socketPath: SOCKET_PATH });
  const mode = { lose: 0, delayMs: 0, creates: 0 };
  const client = new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key === "createContainer" && typeof value === "function") {
        return async (...args: unknown[]) => {
          const created = await Reflect.apply(value, object, args);
          mode.creates += 1;
          if (mode.lose > 0) {
            mode.lose -= 1;
            throw connectionReset();
          }
          if (mode.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, mode.delayMs));
          return created;
        };
      }
      return value;
    },
  });
  return { client, mode };
}

describeWithEngine("DockerDriver: idempotency keys on the engine", () => {
  const namespace = uniqueNamespace("idem-test");
  const drivers: DockerDriver[] = [];
  const newDriver = (docker?: Docker) => {
    const driver = new DockerDriver({
      socketPath: SOCKET_PATH,
      namespace,
      ...(docker === undefined ? {} : { docker }),
    });
    drivers.push(driver);
    return driver;
  };
  const keyed = (key: string, extra: Partial<ContainerConfig> = {}): ContainerConfig =>
    createDriverConfig({
      sessionId: `s-${key}`,
      image: TEST_IMAGE,
      command: IDLE_COMMAND,
      idempotencyKey: key,
      ...extra,
    });

  afterAll(async () => {
    const report = await newDriver().cleanup();
    await Promise.all(drivers.map((driver) => driver.close()));
    expect(report.failures).toEqual([]);
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "20 concurrent creates with one key, spread over 4 driver instances, give one container",
    async () => {
      const instances = [newDriver(), newDriver(), newDriver(), newDriver()];
      const config = keyed("twenty");
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => instances[index % instances.length]?.createContainer(config)),
      );
      const ids = new Set(results.map((result) => result?.id));
      expect(ids.size).toBe(1);
      expect(await engineHolders(namespace, "twenty")).toEqual([...ids]);
      expect(results[0]?.idempotencyKey).toBe("twenty");
    },
    TIMEOUT,
  );

  it(
    "the key's container stopped (its name freed by the marker): 10 concurrent creates still return it",
    async () => {
      const driver = newDriver();
      const first = await driver.createContainer(keyed("stopped-key"));
      await driver.startContainer(first.id);
      await driver.stopContainer(first.id);
      const again = await Promise.all(
        Array.from({ length: 10 }, () => newDriver().createContainer(keyed("stopped-key"))),
      );
      expect(new Set(again.map((container) => container.id))).toEqual(new Set([first.id]));
      expect(again[0]?.status).toBe("stopped");
      expect(await engineHolders(namespace, "stopped-key")).toEqual([first.id]);
    },
    TIMEOUT,
  );

  it(
    "two containers with one key (a racer died before its reconcile): the next create returns the older and removes the newer",
    async () => {
      const driver = newDriver();
      const older = await driver.createContainer(keyed("duplicate"));
      await driver.startContainer(older.id);
      await driver.stopContainer(older.id); // the stopped marker frees the name
      // The racer's container, made as the driver makes it, never reconciled.
      const body = (await docker.getContainer(older.id).inspect()).Config;
      const newer = await docker.createContainer({
        name: `oa-${namespace}-key-duplicate`,
        Image: TEST_IMAGE,
        Labels: body.Labels,
      });
      expect(await engineHolders(namespace, "duplicate")).toHaveLength(2);
      const returned = await driver.createContainer(keyed("duplicate"));
      expect(returned.id).toBe(older.id);
      expect(await engineHolders(namespace, "duplicate")).toEqual([older.id]);
      await expect(docker.getContainer(newer.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    },
    TIMEOUT,
  );

  it(
    "the same key with another config is IdempotencyConflictError, not retryable, and creates nothing",
    async () => {
      const driver = newDriver();
      const first = await driver.createContainer(keyed("conflict"));
      const error = await driver.createContainer(keyed("conflict", { env: { OTHER: "1" } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConflictError);
      expect(error).toMatchObject({ retryable: false, idempotencyKey: "conflict", containerId: first.id });
      expect(await engineHolders(namespace, "conflict")).toEqual([first.id]);
    },
    TIMEOUT,
  );

  it(
    "withPolicies retries a keyed create whose answer was lost, and the retry adopts what the lost one made",
    async () => {
      const { client, mode } = faultyClient();
      const retries: string[] = [];
      const driver = withPolicies(newDriver(client), {
        retry: { maxAttempts: 3, baseDelayMs: 10 },
        onRetry: (info) => retries.push(info.method),
      });
      mode.lose = 1;
      const container = await driver.createContainer(keyed("lost-answer"));
      expect(retries).toEqual(["createContainer"]);
      expect(mode.creates).toBe(1); // the retry found the container: no second engine create
      expect(await engineHolders(namespace, "lost-answer")).toEqual([container.id]);
    },
    TIMEOUT,
  );

  it(
    "withPolicies keeps a keyed container whose create answered after the attempt's deadline (the retry returned it)",
    async () => {
      const { client, mode } = faultyClient();
      const late: { id: string; removed: boolean }[] = [];
      const driver = withPolicies(newDriver(client), {
        retry: { maxAttempts: 3, baseDelayMs: 10 },
        methods: { createContainer: { timeoutMs: 1_000 } },
        onLateCreation: (info) => late.push({ id: info.id, removed: info.removed }),
      });
      mode.delayMs = 2_500;
      const container = await driver.createContainer(keyed("late-answer"));
      mode.delayMs = 0;
      // Let the first attempt's late answer arrive and be handled.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(late).toEqual([]);
      expect(await engineHolders(namespace, "late-answer")).toEqual([container.id]);
    },
    TIMEOUT,
  );

  it(
    "an unkeyed create whose answer was lost is not retried, and what it made is removed at once",
    async () => {
      const { client, mode } = faultyClient();
      const retries: string[] = [];
      const driver = withPolicies(newDriver(client), {
        retry: { maxAttempts: 3, baseDelayMs: 10 },
        onRetry: (info) => retries.push(info.method),
      });
      mode.lose = 1;
      const config = createDriverConfig({ sessionId: "unkeyed-lost", image: TEST_IMAGE });
      await expect(driver.createContainer(config)).rejects.toBeInstanceOf(NetworkError);
      expect(retries).toEqual([]);
      expect(mode.creates).toBe(1);
      const label = [`${OWNER_LABELS.namespace}=${namespace}`, `${OWNER_LABELS.session}=unkeyed-lost`];
      expect(await docker.listContainers({ all: true, filters: { label } })).toEqual([]);
    },
    TIMEOUT,
  );
});
