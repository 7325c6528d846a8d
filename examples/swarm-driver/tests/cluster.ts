/**
 * What every Swarm test file shares: whether the test cluster is up
 * (scripts/swarm-cluster.sh), a namespace unique to the run, a check with
 * the engines themselves that nothing of the run is left (on the managers:
 * services and networks; on every node: containers and volumes), and a lock
 * that keeps cluster test files from running at the same time (the fault
 * tests kill nodes; the others must not be running then). The lock is the
 * cluster's own: the cluster shares no daemon with the main engine, so these
 * files run alongside the Docker driver's.
 *
 * Availability: when the cluster is not up, the tests are skipped with a
 * message, unless `CI` is set: then they fail, because CI must show the
 * driver on a real cluster (.ci/run brings it up).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_LABELS } from "../../docker-driver/src/labels.js";
import { SwarmDriver } from "../src/driver.js";
import { clusterEnvironment } from "../src/factory.js";
import { type SwarmDriverOptions, swarmOptionsFromEnvironment } from "../src/options.js";

const run = promisify(execFile);

/** The cluster's script, for the fault tests. */
export const CLUSTER_SCRIPT = join(import.meta.dirname, "../../../scripts/swarm-cluster.sh");

const environment = clusterEnvironment();

/** The managers' and nodes' sockets, when the cluster is described. */
export const CLUSTER = swarmOptionsFromEnvironment(environment);

/** The test image by ID: present on every node, never pulled. */
export const TEST_IMAGE = environment.SWARM_TEST_IMAGE_ID ?? environment.SWARM_TEST_IMAGE ?? "";

/** A command that runs until SIGTERM and then exits 0 at once. */
export const IDLE_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

/** The socket of node N (1-based), by host name `swarm-nodeN`. */
export function nodeSocket(n: number): string {
  const pairs = (environment.SWARM_NODE_SOCKETS ?? "").split(",");
  const pair = pairs.find((entry) => entry.startsWith(`swarm-node${n}=`));
  return pair?.slice(pair.indexOf("=") + 1) ?? "";
}

/** A raw dockerode client per node socket, for checking the driver's work with the engines themselves. */
export const nodeEngines: readonly Docker[] = Object.values(CLUSTER?.nodes ?? {}).map(
  (socketPath) => new Docker({ socketPath }),
);

/** Why the cluster tests cannot run, or `undefined` when they can. */
export async function clusterProblem(): Promise<string | undefined> {
  if (CLUSTER === undefined)
    return `no Swarm test cluster is described (no ${environment.SWARM_ENV_FILE ?? "/run/openagent-swarm/env"})`;
  const answers = await Promise.all(
    CLUSTER.managers.map(async (socketPath) => {
      try {
        const info = (await new Docker({ socketPath }).info()) as { Swarm?: { ControlAvailable?: boolean } };
        return info.Swarm?.ControlAvailable === true;
      } catch {
        return false;
      }
    }),
  );
  if (!answers.some(Boolean)) return "no manager of the Swarm test cluster answers";
  try {
    await Promise.all(nodeEngines.map((engine) => engine.getImage(TEST_IMAGE).inspect()));
  } catch {
    return `a node of the Swarm test cluster lacks the image ${TEST_IMAGE}`;
  }
  return undefined;
}

const problem = await clusterProblem();

/** A namespace no other run uses, so cleanup checks see only this run's objects. */
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** A driver on the cluster in `namespace`, with `overrides`. */
export function clusterDriver(namespace: string, overrides: Partial<SwarmDriverOptions> = {}): SwarmDriver {
  if (CLUSTER === undefined) throw new Error("no cluster");
  return new SwarmDriver({ ...CLUSTER, namespace, ...overrides });
}

/** `read` against the first manager that answers. */
async function fromAnyManager<T>(read: (docker: Docker) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const socketPath of CLUSTER?.managers ?? []) {
    try {
      return await read(new Docker({ socketPath }));
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** What of `namespace` the engines still hold: services and networks (managers), containers and volumes (every node). */
export async function leftovers(
  namespace: string,
): Promise<{ services: string[]; networks: string[]; containers: string[]; volumes: string[]; images: string[] }> {
  const label = [`${OWNER_LABELS.namespace}=${namespace}`];
  const [services, networks, perNode] = await Promise.all([
    fromAnyManager(async (docker) => (await docker.listServices({ filters: { label } })).map((service) => service.ID)),
    fromAnyManager(async (docker) => (await docker.listNetworks({ filters: { label } })).map((network) => network.Id)),
    Promise.all(
      nodeEngines.map(async (engine) => {
        const [containers, volumes, images] = await Promise.all([
          engine.listContainers({ all: true, filters: { label } }).catch(() => []),
          engine.listVolumes({ filters: { label } }).catch(() => ({ Volumes: [] })),
          // The file systems restarts committed carry the containers' labels.
          engine.listImages({ all: true, filters: { label } }).catch(() => []),
        ]);
        return {
          containers: containers.map((container) => container.Id),
          volumes: (volumes.Volumes ?? []).map((volume) => volume.Name),
          images: images.map((image) => image.Id),
        };
      }),
    ),
  ]);
  return {
    services,
    networks,
    containers: perNode.flatMap((node) => node.containers),
    volumes: perNode.flatMap((node) => node.volumes),
    images: perNode.flatMap((node) => node.images),
  };
}

/** Nothing of anyone, as {@link leftovers} reports it. */
export const NOTHING_LEFT = { services: [], networks: [], containers: [], volumes: [], images: [] };

/**
 * How long the script may wait for a node to come back, in seconds. A node's
 * dockerd removes, at its start, one stale network sandbox per container it
 * ran since its last start (moby#46583: a daemon without a default bridge
 * leaks them), about a second each on a loaded 2-core host; after a
 * conformance run that is a minute or more.
 */
const NODE_START_WAIT_S = 240;

/** Run a command of the cluster script (`kill-node 2`, `start-node 2`, `leader`); resolves its stdout. */
export async function clusterCommand(...args: string[]): Promise<string> {
  const { stdout } = await run("bash", [CLUSTER_SCRIPT, ...args], {
    timeout: (NODE_START_WAIT_S + 60) * 1000,
    env: { ...process.env, SWARM_WAIT_S: String(NODE_START_WAIT_S) },
  });
  return stdout;
}

const LOCK_DIR = join(tmpdir(), "openagent-swarm-tests.lock");

/** A holder that kept the lock this long has hung or lost its afterAll; the lock is taken over. */
const LOCK_MAX_AGE_MS = 20 * 60_000;

function lockHolderAlive(): boolean {
  try {
    if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_MAX_AGE_MS) return false;
    const pid = Number(readFileSync(join(LOCK_DIR, "pid"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Take the cross-process cluster-test lock: a directory, created atomically; a dead holder's lock is taken over. */
async function acquireClusterLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, "pid"), String(process.pid));
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (!lockHolderAlive()) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (!lockHolderAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
      }
    }
  }
}

function releaseClusterLock(): void {
  rmSync(LOCK_DIR, { recursive: true, force: true });
}

/**
 * `describe` for tests that need the cluster: runs them while holding the
 * cluster-test lock; fails in CI and skips elsewhere when the cluster is not up.
 */
export function describeWithCluster(name: string, body: () => void): void {
  if (problem !== undefined) {
    if (process.env.CI) {
      describe(name, () => {
        it("needs the Swarm test cluster", () => {
          expect.fail(
            `${problem}. In CI the Swarm tests are required: run 'bash scripts/swarm-cluster.sh up' (as root) first.`,
          );
        });
      });
    } else {
      console.warn(
        `[swarm-driver tests] skipped: ${problem}. Run 'bash scripts/swarm-cluster.sh up' (as root) to enable them.`,
      );
      // The body is not run: it makes drivers on the cluster as it declares its tests.
      describe.skip(`${name} [skipped: ${problem}; run scripts/swarm-cluster.sh up (as root) to enable]`, () => {
        it.skip("needs the Swarm test cluster", () => undefined);
      });
    }
    return;
  }
  describe(name, () => {
    beforeAll(acquireClusterLock, LOCK_MAX_AGE_MS + 60_000);
    afterAll(releaseClusterLock);
    body();
  });
}
