/**
 * A create whose engine call succeeded but whose next step failed must not
 * leave the object behind: the caller saw a rejection, so nothing may exist
 * (and the name must be free for the retry). The engine's follow-up answers
 * are made to fail through a dockerode client that wraps the real one.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, leftovers, SOCKET_PATH, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;

function engineDown(): Error {
  return Object.assign(new Error("(HTTP code 503) unexpected - engine restarting"), {
    statusCode: 503,
    json: { message: "engine restarting" },
  });
}

/** A client whose `inspect` of networks and volumes fails once `failInspects` is set. */
function flakyClient(): { client: Docker; failInspects: { on: boolean } } {
  const real = new Docker({ socketPath: SOCKET_PATH });
  const failInspects = { on: false };
  const wrapInspect = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        const value = Reflect.get(object, key, receiver);
        if (key === "inspect" && typeof value === "function") {
          return (...args: unknown[]) =>
            failInspects.on ? Promise.reject(engineDown()) : Reflect.apply(value, object, args);
        }
        return value;
      },
    });
  const client = new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if ((key === "getNetwork" || key === "getVolume") && typeof value === "function") {
        return (name: string) => wrapInspect(Reflect.apply(value, object, [name]) as object);
      }
      if ((key === "createNetwork" || key === "createVolume") && typeof value === "function") {
        return async (...args: unknown[]) => {
          const created = await Reflect.apply(value, object, args);
          failInspects.on = true;
          return created;
        };
      }
      return value;
    },
  });
  return { client, failInspects };
}

describeWithEngine("DockerDriver when a create's follow-up step fails", () => {
  const namespace = uniqueNamespace("partial-test");
  let driver: DockerDriver;
  let failInspects: { on: boolean };

  beforeAll(() => {
    const flaky = flakyClient();
    failInspects = flaky.failInspects;
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, docker: flaky.client, retry: { maxAttempts: 1 } });
  });

  afterAll(async () => {
    failInspects.on = false;
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "createNetwork that rejects leaves no network behind",
    async () => {
      failInspects.on = false;
      await expect(driver.createNetwork({ name: `${namespace}-net` })).rejects.toMatchObject({ retryable: true });
      failInspects.on = false;
      expect((await leftovers(namespace)).networks).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "createVolume that rejects leaves no volume behind",
    async () => {
      failInspects.on = false;
      await expect(driver.createVolume({ name: `${namespace}-vol` })).rejects.toMatchObject({ retryable: true });
      failInspects.on = false;
      expect((await leftovers(namespace)).volumes).toEqual([]);
    },
    TIMEOUT,
  );
});
