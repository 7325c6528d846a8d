/**
 * Validation against the contract's schemas: boolean validators that never
 * throw, and parse functions that return the typed value or throw one
 * `ConfigurationError` listing every problem with its path.
 *
 * @module
 */
import type { ConfigurationIssue } from "./errors.js";
import { inputSizeIssue } from "./validation/bounds.js";
import { issuesWithSchema, parseWithSchema, validateWithSchema } from "./validation/parse.js";

export { inputSizeIssue };
export { issuesWithSchema, parseWithSchema, validateWithSchema };
export * from "./validation/exec.js";
export * from "./validation/files.js";
import {
  type ContainerConfig,
  ContainerConfigSchema,
  type ContainerFilter,
  ContainerFilterSchema,
  type LogOptions,
  LogOptionsSchema,
  type NetworkConfig,
  NetworkConfigSchema,
  type ResourceLimits,
  ResourceLimitsSchema,
  type SecurityOptions,
  SecurityOptionsSchema,
  type StopOptions,
  StopOptionsSchema,
  type VolumeConfig,
  VolumeConfigSchema,
  type VolumeMount,
  VolumeMountSchema,
} from "./contract/schemas.js";

/**
 * Issues found in `value` as a `ContainerConfig`, each with its path; empty
 * when it is valid. Never throws.
 *
 * @example
 * ```ts
 * containerConfigIssues({ sessionId: "" }); // [{ path: "sessionId", message: "..." }, ...]
 * ```
 */
export function containerConfigIssues(value: unknown): ConfigurationIssue[] {
  return issuesWithSchema(ContainerConfigSchema, value);
}

/**
 * Whether `value` is a valid {@link ContainerConfig}. Never throws, whatever
 * `value` is.
 *
 * @example
 * ```ts
 * if (validateContainerConfig(config)) await driver.createContainer(config);
 * ```
 */
export function validateContainerConfig(value: unknown): value is ContainerConfig {
  return validateWithSchema(ContainerConfigSchema, value);
}

/**
 * Whether `value` is valid {@link ResourceLimits}. Never throws.
 *
 * @example
 * ```ts
 * validateResourceLimits({ cpu: 1, memory: 512, disk: 1024, pids: 64 }); // true
 * ```
 */
export function validateResourceLimits(value: unknown): value is ResourceLimits {
  return validateWithSchema(ResourceLimitsSchema, value);
}

/**
 * Whether `value` is valid {@link SecurityOptions}. Never throws.
 *
 * @example
 * ```ts
 * validateSecurityOptions(createSecurityOptions()); // true
 * ```
 */
export function validateSecurityOptions(value: unknown): value is SecurityOptions {
  return validateWithSchema(SecurityOptionsSchema, value);
}

/**
 * Parse a {@link ContainerConfig}, or throw `ConfigurationError` listing every
 * problem with its path.
 *
 * @example
 * ```ts
 * const config = parseContainerConfig(JSON.parse(body));
 * ```
 */
export function parseContainerConfig(value: unknown): ContainerConfig {
  return parseWithSchema(ContainerConfigSchema, value, "container config");
}

/**
 * Parse {@link ResourceLimits}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseResourceLimits({ cpu: 1, memory: 512, disk: 1024, pids: 64 });
 * ```
 */
export function parseResourceLimits(value: unknown): ResourceLimits {
  return parseWithSchema(ResourceLimitsSchema, value, "resource limits");
}

/**
 * Parse {@link SecurityOptions}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseSecurityOptions(createSecurityOptions({ user: "1000" }));
 * ```
 */
export function parseSecurityOptions(value: unknown): SecurityOptions {
  return parseWithSchema(SecurityOptionsSchema, value, "security options");
}

/**
 * Parse a {@link VolumeMount}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseVolumeMount({ source: "data", target: "/data" });
 * ```
 */
export function parseVolumeMount(value: unknown): VolumeMount {
  return parseWithSchema(VolumeMountSchema, value, "volume mount");
}

/**
 * Parse a {@link VolumeConfig}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseVolumeConfig({ name: "workspace" });
 * ```
 */
export function parseVolumeConfig(value: unknown): VolumeConfig {
  return parseWithSchema(VolumeConfigSchema, value, "volume config");
}

/**
 * Parse a {@link NetworkConfig}, or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseNetworkConfig({ name: "agents" });
 * ```
 */
export function parseNetworkConfig(value: unknown): NetworkConfig {
  return parseWithSchema(NetworkConfigSchema, value, "network config");
}

/**
 * Parse a {@link ContainerFilter} (`undefined` means no filter), or throw
 * `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseContainerFilter({ status: "running" });
 * ```
 */
export function parseContainerFilter(value: unknown): ContainerFilter {
  return parseWithSchema(ContainerFilterSchema, value ?? {}, "container filter");
}

/**
 * Parse {@link StopOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseStopOptions({ timeout: 5_000 });
 * ```
 */
export function parseStopOptions(value: unknown): StopOptions {
  return parseWithSchema(StopOptionsSchema, value ?? {}, "stop options");
}

/**
 * Parse {@link LogOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseLogOptions({ tail: 100, timestamps: true });
 * ```
 */
export function parseLogOptions(value: unknown): LogOptions {
  return parseWithSchema(LogOptionsSchema, value ?? {}, "log options");
}
