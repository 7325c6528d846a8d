/**
 * createContainer racing removeVolume on the volume it mounts. The driver
 * checks that the volume exists before it asks the engine to create the
 * container; a removal that slips in between used to succeed, and the engine
 * then silently made a new, empty volume of that name without the driver's
 * labels (the caller's data gone, and a volume `cleanup()` never finds). The
 * engine's create is held back through a dockerode client that wraps the real
 * one, so the interleaving is certain.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDriverConfig, VolumeRemoveError } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { OWNER_LABELS } from "../src/labels.js";
import { describeWithEngine, docker, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;

/** A client whose `createContainer` waits for `release()` after telling `reached`. */
function gatedClient() {
  const real = new Docker({ socketPath: SOCKET_PATH });
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const reachedCreate = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const client = new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key === "createContainer" && typeof value === "function") {
        return async (...args: unknown[]) => {
          reached();
          await gate;
          return Reflect.apply(value, object, args);
        };
      }
      return value;
    },
  });
  return { client, reachedCreate, release };
}

describeWithEngine("DockerDriver: createContainer racing removeVolume", () => {
  const namespace = uniqueNamespace("race-test");
  let driver: DockerDriver;
  let gated: ReturnType<typeof gatedClient>;

  beforeAll(() => {
    gated = gatedClient();
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, docker: gated.client });
  });

  afterAll(async () => {
    gated.release();
    await driver.cleanup();
    await docker
      .getVolume(`${namespace}-data`)
      .remove()
      .catch(() => undefined);
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "refuses to remove a volume that a container being created mounts",
    async () => {
      const volume = await driver.createVolume({ name: `${namespace}-data` });
      const creating = driver.createContainer(
        createDriverConfig({
          sessionId: "race-1",
          image: TEST_IMAGE,
          volumes: [{ source: volume.name, target: "/data" }],
        }),
      );
      await gated.reachedCreate;
      const removal = driver.removeVolume(volume.id).then(
        () => "removed",
        (error: unknown) => error,
      );
      // Let the removal run to its end while the create is held.
      await new Promise((resolve) => setTimeout(resolve, 500));
      gated.release();
      const container = await creating;
      expect(await removal).toBeInstanceOf(VolumeRemoveError);
      // The container mounts the driver's volume, not one the engine made up.
      const info = await docker.getVolume(volume.name).inspect();
      expect(info.Labels?.[OWNER_LABELS.namespace]).toBe(namespace);
      await driver.removeContainer(container.id);
      await driver.removeVolume(volume.id);
    },
    TIMEOUT,
  );
});
