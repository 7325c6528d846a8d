/**
 * What every Docker engine test file shares: whether the engine is there, a
 * namespace unique to the run, a check that nothing of the run is left on the
 * engine, and a lock that keeps engine test files from running at the same
 * time (the fault test kills the engine; the others must not be running then).
 *
 * Availability: when the engine's socket does not answer, the engine tests
 * are skipped with a message, unless `CI` is set: then they fail, because CI
 * must show the driver against a real engine (scripts/docker-engine.sh
 * starts one).
 */
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_LABELS } from "../src/labels.js";
import { DOCKER_DRIVER_DEFAULTS } from "../src/options.js";
import { acquireEngineLock, LOCK_MAX_AGE_MS, releaseEngineLock } from "./engine-lock.js";

/** The engine socket the tests use: `DOCKER_SOCKET`, default `/var/run/docker.sock`. */
export const SOCKET_PATH = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;

/** The image scripts/docker-engine.sh builds. */
export const TEST_IMAGE = "openagent-test/busybox:latest";

/** A command that runs until SIGTERM and then exits 0 at once. */
export const IDLE_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"];

/** A raw dockerode client, for checking the driver's work with the engine itself. */
export const docker = new Docker({ socketPath: SOCKET_PATH });

/** Why the engine tests cannot run, or `undefined` when they can. */
export async function engineProblem(): Promise<string | undefined> {
  try {
    await docker.ping({ abortSignal: AbortSignal.timeout(3_000) } as never);
  } catch (error) {
    return `the Docker engine does not answer on ${SOCKET_PATH} (${String(error)})`;
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return `the engine answers but has no image ${TEST_IMAGE}`;
  }
  return undefined;
}

const problem = await engineProblem();

/** A namespace no other run uses, so cleanup checks see only this run's objects. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** The engine's containers, volumes and networks that carry `namespace`'s ownership label. */
export async function leftovers(
  namespace: string,
): Promise<{ containers: string[]; volumes: string[]; networks: string[] }> {
  const label = [`${OWNER_LABELS.namespace}=${namespace}`];
  const [containers, volumes, networks] = await Promise.all([
    docker.listContainers({ all: true, filters: { label } }),
    docker.listVolumes({ filters: { label } }),
    docker.listNetworks({ filters: { label } }),
  ]);
  return {
    containers: containers.map((container) => container.Id),
    volumes: (volumes.Volumes ?? []).map((volume) => volume.Name),
    networks: networks.map((network) => network.Id),
  };
}

/**
 * `describe` for tests that need the engine: runs them while holding the
 * engine-test lock; fails in CI and skips elsewhere when the engine is not
 * there.
 */
export function describeWithEngine(name: string, body: () => void): void {
  if (problem !== undefined) {
    if (process.env.CI) {
      describe(name, () => {
        it("needs a reachable Docker engine", () => {
          expect.fail(`${problem}. In CI the Docker tests are required: run scripts/docker-engine.sh (as root) first.`);
        });
      });
    } else {
      console.warn(`[docker-driver tests] skipped: ${problem}. Run scripts/docker-engine.sh (as root) to enable them.`);
      describe.skip(`${name} [skipped: ${problem}; run scripts/docker-engine.sh (as root) to enable]`, body);
    }
    return;
  }
  describe(name, () => {
    beforeAll(acquireEngineLock, LOCK_MAX_AGE_MS + 60_000);
    afterAll(releaseEngineLock);
    body();
  });
}
