/**
 * `@openagent/driver-interface`: the contract between an AI-agent platform and
 * the runtimes that host its sessions.
 *
 * - The contract and its schemas: `./types.ts`
 * - The lifecycle table: `./lifecycle.ts`
 * - Errors: `./errors.ts` (also `@openagent/driver-interface/errors`)
 * - Builders with secure defaults: `./builders.ts`
 * - Validators and parsers: `./validation.ts`
 *
 * @packageDocumentation
 */

/** The version of this package, equal to `version` in its package.json. */
export const VERSION = "1.0.0";

export * from "./builders.js";
export * from "./clock.js";
export * from "./errors.js";
export * from "./lifecycle.js";
export * from "./resilience/index.js";
export * from "./types.js";
export * from "./validation.js";
