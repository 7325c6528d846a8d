/**
 * The example Docker driver: `DockerDriver`, its options and errors, and the
 * pure mappings it is built from (engine request, status, logs, labels).
 *
 * @module
 */
export * from "./bind-policy.js";
export * from "./docker-driver.js";
export * from "./engine-mapping.js";
export * from "./errors.js";
export * from "./labels.js";
export * from "./logs.js";
