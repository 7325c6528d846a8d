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
import type { ConformanceOptions } from "../../../src/conformance/types.js";
import { DockerDriver } from "./driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "./options.js";

/** The test image scripts/docker-engine.sh builds: busybox applets and a user `openagent`. */
export const TEST_IMAGE = "openagent-test/busybox:latest";

const socketPath = process.env.DOCKER_SOCKET ?? DOCKER_DRIVER_DEFAULTS.socketPath;

/**
 * The expiry sweep interval of conformance drivers, in ms: the expiry cases
 * wait for containers another driver instance's expiry made due (the
 * default, 10 s, would make each of them wait that long).
 */
export const CONFORMANCE_SWEEP_INTERVAL_MS = 250;

/**
 * A fresh driver on the local engine, in the conformance namespace, with a
 * short expiry sweep interval.
 *
 * @example
 * ```ts
 * import createDriver from "./factory.js";
 * const driver = createDriver();
 * ```
 */
export default function createDriver(): DockerDriver {
  return new DockerDriver({
    socketPath,
    namespace: process.env.OPENAGENT_DOCKER_NAMESPACE ?? "conformance",
    expirySweepIntervalMs: CONFORMANCE_SWEEP_INTERVAL_MS,
  });
}

export { createDriver };

/**
 * Options the conformance runner should use with this driver: the test
 * image. No hook for `paused`: the driver declares `pause`, so the suite
 * reaches it through `pauseContainer`. No `limits`: the suite reads the
 * driver's own `limits` property.
 */
export const conformanceOptions: ConformanceOptions<DockerDriver> = {
  image: TEST_IMAGE,
};
