/**
 * The example Docker driver: `DockerDriver`, its options and errors, the
 * pure mappings it is built from (engine request, status, logs, labels), and
 * the per-resource clients, engine-call policy and lifetime parts (pause,
 * expiry sweeper, keyed creates, the reconcile of unknown creates) a variant
 * engine's driver reuses.
 *
 * @module
 */
export * from "./bind-policy.js";
export * from "./cleanup.js";
export {
  type ContainerClientSettings,
  ContainerClient,
  type ContainerCounts,
  type ContainerOperations,
} from "./containers.js";
export { readContainerLogs } from "./container-logs.js";
export { changeEngineName, changeEngineNameQuietly } from "./container-name.js";
export { type DiskLimitState, type DiskPlanInfo, DiskPlanner } from "./disk-plan.js";
export * from "./driver.js";
export {
  type EngineCallOptions,
  type EngineCallPolicy,
  EngineCalls,
  type EngineRetryOptions,
  type EngineScope,
} from "./engine-call.js";
export * from "./errors.js";
export {
  ExpirySweeper,
  type ExpirySweepReport,
  type ExpirySweepSummary,
  MAX_EXPIRES_AT,
  moveExpiry,
  parseExpiresAt,
} from "./expiry.js";
export { configFingerprint, createdNanos, createWithKey, type KeyedCreateSteps } from "./idempotency.js";
export * from "./labels.js";
export * from "./logs.js";
export * from "./mapping.js";
export { NetworkClient } from "./networks.js";
export * from "./options.js";
export { type UnknownCreateTimes, UnknownCreates } from "./orphans.js";
export { type FreezeOperation, freezeOrThaw } from "./pause.js";
export {
  containerConfigPreflight,
  type DriverRuleInput,
  driverRuleIssues,
  type PreflightOptions,
  type PreflightResult,
  preflightContainerConfig,
} from "./preflight.js";
export { type ReleaseVolumes, VolumeClient } from "./volumes.js";
export { EXEC_DRAIN_MS, ExecClient, type ExecTarget } from "./exec.js";
export { FrameDemuxer, type OutputStream, StreamOutput } from "./exec-output.js";
export { type ExecOutputs, ExecStream } from "./exec-stream.js";
export { EXEC_MARKER_VARIABLE, killCommand, SessionHeader, wrapCommand } from "./exec-wrapper.js";
