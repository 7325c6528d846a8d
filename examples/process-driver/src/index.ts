/**
 * A `ContainerDriver` whose containers are child processes on the host: the
 * worked example of a driver that claims exactly `execution` and runs the
 * conformance suite with what it supports, declared openly.
 *
 * @module
 */
export { ALWAYS_UNENFORCED, checkProcessConfig, currentUser, HOST_NETWORK, unenforcedFor } from "./config-rules.js";
export { ProcessDriver, type ProcessDriverOptions } from "./driver.js";
export { conformanceOptions, PROCESS_BASE_CONFIG, PROCESS_UNSUPPORTED } from "./factory.js";
