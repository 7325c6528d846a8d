/**
 * How a container ended, as the engine knows it: killed by the kernel for
 * memory (`oomKilled: true`), or not. Before, a process killed for memory, a
 * `kill -9` of itself and an `exit 137` all read `exited` 137 state `error`,
 * and a process killed for memory inside a shell that then exited 0 read as a
 * clean exit. The four cases on the real engine, at once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDriverConfig } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;

/** Doubles a shell string until the memory limit stops it: 16 MB after 24 rounds. */
const HOG = "x=a; while true; do x=$x$x; done";

describeWithEngine("DockerDriver tells a kill for memory from other ends", () => {
  const namespace = uniqueNamespace("oom-test");
  let driver: DockerDriver;

  beforeAll(() => {
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, retry: { maxAttempts: 1 } });
  });

  afterAll(async () => {
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "oomKilled for a process killed for memory (also inside a shell that exits 0), not for kill -9 or exit 137",
    async () => {
      const cases = [
        { label: "the main process killed for memory", command: HOG, exitCode: 137, state: "error", oomKilled: true },
        { label: "kill -9 of itself", command: "kill -9 $$", exitCode: 137, state: "error", oomKilled: undefined },
        { label: "exit 137", command: "exit 137", exitCode: 137, state: "error", oomKilled: undefined },
        {
          label: "a child killed for memory, the shell exits 0",
          command: `sh -c '${HOG}'; exit 0`,
          exitCode: 0,
          state: "terminated",
          oomKilled: true,
        },
      ] as const;
      const created = await Promise.all(
        cases.map((ended, index) =>
          driver.createContainer(
            createDriverConfig({
              sessionId: `oom${index}`,
              image: TEST_IMAGE,
              command: ["sh", "-c", ended.command],
              resources: { memory: 16 },
            }),
          ),
        ),
      );
      await Promise.all(created.map((container) => driver.startContainer(container.id)));
      // follow returns once the container has ended.
      await Promise.all(created.map((container) => driver.getContainerLogs(container.id, { follow: true })));
      for (const [index, ended] of cases.entries()) {
        const instance = await driver.getContainer(created[index]?.id ?? "");
        expect(instance?.status, ended.label).toBe("exited");
        expect(instance?.exitCode, ended.label).toBe(ended.exitCode);
        expect(instance?.state, ended.label).toBe(ended.state);
        expect(instance?.oomKilled, ended.label).toBe(ended.oomKilled);
        expect((await driver.listContainers({ sessionId: `oom${index}` }))[0]?.oomKilled, ended.label).toBe(
          ended.oomKilled,
        );
      }
    },
    TIMEOUT,
  );
});
