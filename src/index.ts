/**
 * `@openagent/driver-interface`: the contract between an AI-agent platform and
 * the runtimes that host its sessions. This entry point only re-exports:
 *
 * - the contract: value rules, schemas and their types, the driver type and
 *   its method table (`./contract/`)
 * - errors (`./errors/`, also `@openagent/driver-interface/errors`)
 * - the lifecycle table (`./lifecycle.ts`), builders with secure defaults
 *   (`./builders.ts`), validators and parsers (`./validation.ts`), clocks
 *   (`./clock.ts`) and the resilience toolkit (`./resilience/`)
 * - building blocks for driver authors (`./toolkit/`, also
 *   `@openagent/driver-interface/toolkit`): a log buffer, the lifecycle helper
 *
 * @packageDocumentation
 */

export * from "./builders.js";
export * from "./clock.js";
export * from "./contract/driver.js";
export * from "./contract/exec.js";
export * from "./contract/files.js";
export * from "./contract/methods.js";
export * from "./contract/rules.js";
export * from "./contract/schemas.js";
export * from "./errors.js";
export * from "./lifecycle.js";
export * from "./resilience/index.js";
export * from "./toolkit/index.js";
export * from "./validation.js";
export { VERSION } from "./version.js";
