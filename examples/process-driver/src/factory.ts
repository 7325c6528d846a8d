/**
 * The process driver as a module for the conformance command:
 * `driver-conformance ./examples/process-driver/src/factory.ts`.
 *
 * It shows the honest way to run the suite with a driver that cannot enforce
 * the contract's secure defaults: the driver refuses them, and the options
 * declare openly what it supports instead (`baseConfig`) and which cases it
 * cannot honour even so (`unsupported`, each with its reason). Both appear
 * in the report.
 *
 * @module
 */
import type { ConformanceOptions } from "../../../src/conformance/index.js";
import { currentUser, HOST_NETWORK } from "./config-rules.js";
import { ProcessDriver, type ProcessDriverOptions } from "./driver.js";

/**
 * A fresh process driver.
 *
 * @example
 * ```ts
 * import createDriver from "./factory.js";
 * const driver = createDriver();
 * ```
 */
export default function createDriver(options: ProcessDriverOptions = {}): ProcessDriver {
  return new ProcessDriver(options);
}

export { createDriver };

/**
 * What every config of the run is built on: the secure defaults this driver
 * refuses, replaced by what a child process on the host really is.
 */
export const PROCESS_BASE_CONFIG = Object.freeze({
  network: HOST_NETWORK,
  security: {
    readOnly: false,
    noNewPrivileges: false,
    user: String(currentUser().uid),
    capabilities: { drop: [], add: [] },
  },
});

/** The cases the driver cannot honour even with its base config, and why. */
export const PROCESS_UNSUPPORTED = Object.freeze({
  "networks.use.none":
    "a child process shares the host's network; the driver refuses network none rather than pretend to isolate it",
});

/** Options the conformance runner should use with this driver. */
export const conformanceOptions: ConformanceOptions<ProcessDriver> = {
  baseConfig: PROCESS_BASE_CONFIG,
  unsupported: PROCESS_UNSUPPORTED,
};
