/**
 * The Docker driver as a module for the conformance CLI:
 * `driver-conformance ./examples/docker-driver/src/factory.ts`.
 *
 * Environment (optional): `DOCKER_SOCKET` (default `/var/run/docker.sock`),
 * `OPENAGENT_DOCKER_NAMESPACE` (default `conformance`, so a conformance run
 * never touches the objects of another namespace on a shared engine).
 *
 * @module
 */
import Docker from "dockerode";
import type { ConformanceOptions } from "../../../src/conformance/types.js";
import { DockerDriver } from "./driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "./options.js";

/** The test image scripts/docker-engine.sh builds: busybox applets and a user `openagent`. */
export const TEST_IMAGE = "openagent-test/busybox:latest";

const socketPath = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;

/**
 * A fresh driver on the local engine, in the conformance namespace.
 *
 * @example
 * ```ts
 * import createDriver from "./factory.js";
 * const driver = createDriver();
 * ```
 */
export default function createDriver(): DockerDriver {
  return new DockerDriver({ socketPath, namespace: process.env.OPENAGENT_DOCKER_NAMESPACE ?? "conformance" });
}

export { createDriver };

/**
 * Options the conformance runner should use with this driver: the test image
 * and a way to reach `paused`, which the contract has no method for: the
 * engine's own pause, as an operator would do it (the hook gets the
 * `DockerDriver` itself, typed). The driver's maxima need no option: the
 * suite reads the driver's own `limits` property.
 */
export const conformanceOptions: ConformanceOptions<DockerDriver> = {
  image: TEST_IMAGE,
  arrange: {
    paused: async (driver, id) => {
      await new Docker({ socketPath: driver.socketPath }).getContainer(id).pause();
    },
  },
};
