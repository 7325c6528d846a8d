/**
 * Two driver instances on one namespace, as a platform with two replicas
 * runs them: each serialises the calls on one id, but not the other's. The
 * stopped marker is a rename, and a rename to the name the container already
 * has (the other instance renamed it first) was a `ConfigurationError`
 * ("Renaming a container with the same name as its current name"); a removal
 * that met the other's was one too ("removal already in progress"). Now the
 * first is success and the second waits until the container is gone.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ConfigurationError,
  ContainerNotFoundError,
  createDriverConfig,
  describeValue,
  isDriverError,
} from "../../../src/index.js";
import { createSeededRandom } from "../../../tests/mocks/random.js";
import { DockerDriver } from "../src/driver.js";
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
/** Operations on the one container, spread over both instances. */
const OPERATIONS = 200;
/** Operations in flight at once. */
const WAVE = 12;

describeWithEngine("two DockerDriver instances on one namespace", () => {
  const namespace = uniqueNamespace("replicas-test");
  let first: DockerDriver;
  let second: DockerDriver;

  beforeAll(() => {
    const options = { socketPath: SOCKET_PATH, namespace, stopTimeoutMs: 5_000, retry: { maxAttempts: 1 } };
    first = new DockerDriver(options);
    second = new DockerDriver(options);
  });

  afterAll(async () => {
    await first.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    `${OPERATIONS} mixed operations on one container from both: no ConfigurationError, only the table's answers`,
    async () => {
      const created = await first.createContainer(
        createDriverConfig({ sessionId: "replicas", image: TEST_IMAGE, command: IDLE_COMMAND }),
      );
      await first.startContainer(created.id);
      const random = createSeededRandom(10);
      const drivers = [first, second];
      // Half starts and stops (a quarter of the stops forced), half reads, from either instance.
      const operations = [
        (driver: DockerDriver) => driver.startContainer(created.id),
        (driver: DockerDriver) => driver.startContainer(created.id),
        (driver: DockerDriver) => driver.stopContainer(created.id),
        (driver: DockerDriver) => driver.stopContainer(created.id, { force: true }),
        (driver: DockerDriver) => driver.getContainer(created.id),
        (driver: DockerDriver) => driver.isContainerHealthy(created.id),
        (driver: DockerDriver) => driver.listContainers({ sessionId: "replicas" }),
        (driver: DockerDriver) => driver.getContainer(created.id),
      ];
      const failures: string[] = [];
      for (let done = 0; done < OPERATIONS; done += WAVE) {
        const wave = Array.from({ length: Math.min(WAVE, OPERATIONS - done) }, () => {
          const driver = drivers[Math.floor(random() * drivers.length)] as DockerDriver;
          const operation = operations[Math.floor(random() * operations.length)];
          return operation?.(driver).then(
            () => undefined,
            (error: unknown) => {
              failures.push(isDriverError(error) ? `${error.name}: ${error.message}` : describeValue(error));
            },
          );
        });
        await Promise.all(wave);
      }
      // Every start and stop is valid in both statuses it can meet (running, stopped): none may fail.
      expect(failures).toEqual([]);
      const status = (await second.getContainer(created.id))?.status;
      expect(["running", "stopped"]).toContain(status);

      // Both remove it at once, twice each: one removal wins, the others see it done or gone.
      const outcomes = await Promise.all(
        [first, second, first, second].map((driver) =>
          driver.removeContainer(created.id).then(
            () => "removed",
            (error: unknown) => error,
          ),
        ),
      );
      for (const outcome of outcomes) {
        if (outcome === "removed" || outcome instanceof ContainerNotFoundError) continue;
        expect.fail(`a concurrent remove rejected with ${describeValue(outcome)}`);
      }
      expect(outcomes.some((outcome) => outcome === "removed")).toBe(true);
      expect(outcomes.some((outcome) => outcome instanceof ConfigurationError)).toBe(false);
      await expect(docker.getContainer(created.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    },
    TIMEOUT * 4,
  );
});
