/**
 * What a reader sees while stopContainer or startContainer is half done. The
 * engine has no `stopped`; the driver marks a container it stopped by
 * renaming it. Between the engine's stop and the rename, the container read
 * as `exited` (ended on its own, state `error` for a non-zero code): a
 * platform polling its sessions took that for a crash. Each engine call of
 * the operation is held back in turn through a dockerode client that wraps
 * the real one, and the status read at every point must be the one before or
 * the one after the operation.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ContainerStatus, createDriverConfig } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, IDLE_COMMAND, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;
const HELD = ["start", "stop", "rename", "remove"] as const;
type Held = (typeof HELD)[number];

/** A client that, while `hold` names a container method, runs `onHold` before each call of it. */
function holdingClient(onHold: { current: ((method: Held) => Promise<void>) | undefined }) {
  const real = new Docker({ socketPath: SOCKET_PATH });
  return new Proxy(real, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (key !== "getContainer" || typeof value !== "function") return value;
      return (id: string) =>
        new Proxy(Reflect.apply(value, object, [id]) as object, {
          get(container, method, inner) {
            const original = Reflect.get(container, method, inner);
            if (typeof original !== "function" || !(HELD as readonly unknown[]).includes(method)) return original;
            return async (...args: unknown[]) => {
              await onHold.current?.(method as Held);
              return Reflect.apply(original, container, args);
            };
          },
        });
    },
  });
}

describeWithEngine("DockerDriver: status while a stop or start is under way", () => {
  const namespace = uniqueNamespace("window-test");
  const onHold: { current: ((method: Held) => Promise<void>) | undefined } = { current: undefined };
  let driver: DockerDriver;
  let reader: DockerDriver;

  beforeAll(() => {
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, docker: holdingClient(onHold) });
    reader = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  });

  afterAll(async () => {
    onHold.current = undefined;
    await reader.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  /** Runs `operation`, reading the status before each held engine call and once more after the call. */
  async function statusesDuring(id: string, operation: () => Promise<void>): Promise<ContainerStatus[]> {
    const seen: ContainerStatus[] = [];
    const read = async () => {
      const status = (await reader.getContainer(id))?.status;
      if (status !== undefined) seen.push(status);
    };
    onHold.current = read;
    try {
      await operation();
    } finally {
      onHold.current = undefined;
    }
    await read();
    return seen;
  }

  it(
    "a container being stopped, started or removed reads running or stopped, never exited",
    async () => {
      const created = await driver.createContainer(
        createDriverConfig({ sessionId: "window-1", image: TEST_IMAGE, command: IDLE_COMMAND }),
      );
      await driver.startContainer(created.id);
      const whileStopping = await statusesDuring(created.id, () => driver.stopContainer(created.id));
      expect(whileStopping.at(-1)).toBe("stopped");
      expect(whileStopping.filter((status) => status !== "running" && status !== "stopped")).toEqual([]);
      const whileStarting = await statusesDuring(created.id, () => driver.startContainer(created.id));
      expect(whileStarting.at(-1)).toBe("running");
      expect(whileStarting.filter((status) => status !== "running" && status !== "stopped")).toEqual([]);
      const whileRemoving = await statusesDuring(created.id, () => driver.removeContainer(created.id));
      expect(whileRemoving.filter((status) => status !== "running" && status !== "stopped")).toEqual([]);
      expect(await reader.getContainer(created.id)).toBeNull();
    },
    TIMEOUT,
  );
});
