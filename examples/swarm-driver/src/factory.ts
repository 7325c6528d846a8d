/**
 * The Swarm driver as a module for the conformance CLI:
 * `driver-conformance ./examples/swarm-driver/src/factory.ts`.
 *
 * Environment: the cluster's sockets, either in the process environment
 * (`SWARM_MANAGER_SOCKETS`, `SWARM_NODE_ID_SOCKETS` or `SWARM_NODE_SOCKETS`)
 * or in the file the test cluster writes (`SWARM_ENV_FILE`, default
 * `/run/openagent-swarm/env`, docs/SCALE.md); `SWARM_TEST_IMAGE_ID` or
 * `SWARM_TEST_IMAGE` for the image; `OPENAGENT_SWARM_NAMESPACE` (default
 * `conformance`).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { ConformanceOptions } from "../../../src/conformance/types.js";
import { SwarmDriver } from "./driver.js";
import { swarmOptionsFromEnvironment } from "./options.js";

/** Where scripts/swarm-cluster.sh writes the cluster's sockets and image. */
export const CLUSTER_ENV_FILE = process.env.SWARM_ENV_FILE ?? "/run/openagent-swarm/env";

/**
 * The `KEY=VALUE` lines of the cluster's env file merged under the process
 * environment (which wins); the process environment alone when the file is
 * not there.
 *
 * @example
 * ```ts
 * const environment = clusterEnvironment();
 * environment.SWARM_MANAGER_SOCKETS; // "/run/openagent-swarm/node1/docker.sock,..."
 * ```
 */
export function clusterEnvironment(file: string = CLUSTER_ENV_FILE): Record<string, string | undefined> {
  const fromFile: Record<string, string> = {};
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) fromFile[line.slice(0, at)] = line.slice(at + 1);
    }
  } catch {
    // No cluster file: the process environment alone.
  }
  return { ...fromFile, ...process.env };
}

/**
 * A fresh driver on the cluster, in the conformance namespace; a
 * `ConfigurationError` when no cluster is described.
 *
 * @example
 * ```ts
 * import createDriver from "./factory.js";
 * const driver = createDriver();
 * ```
 */
export default function createDriver(): SwarmDriver {
  const environment = clusterEnvironment();
  const cluster = swarmOptionsFromEnvironment(environment) ?? { managers: [], nodes: {} };
  return new SwarmDriver({ ...cluster, namespace: environment.OPENAGENT_SWARM_NAMESPACE ?? "conformance" });
}

export { createDriver };

/** The test image by ID (an ID is never pulled, docs/SCALE.md), else by tag. */
export const TEST_IMAGE: string =
  clusterEnvironment().SWARM_TEST_IMAGE_ID ?? clusterEnvironment().SWARM_TEST_IMAGE ?? "openagent-test/busybox:latest";

/** Options the conformance runner should use with this driver: the test image and the driver's declared limits. */
export const conformanceOptions: ConformanceOptions = {
  image: TEST_IMAGE,
  limits: { ...limitsOfDefaultDriver() },
};

function limitsOfDefaultDriver(): Readonly<{ cpu: number; memory: number; pids: number }> {
  try {
    return createDriver().limits;
  } catch {
    return { cpu: 1, memory: 1024, pids: 1024 };
  }
}
