/**
 * Every conformance case, in the order the runner runs them.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";
import { CLEANUP_CASES, CONCURRENCY_CASES } from "./concurrency.js";
import { EXEC_CASES } from "./exec.js";
import { EXECUTION_CASES } from "./execution.js";
import { EXPIRY_CASES } from "./expiry.js";
import { FILES_CASES } from "./files.js";
import { IDEMPOTENCY_CASES } from "./idempotency.js";
import { ISOLATION_CASES } from "./isolation.js";
import { LIMITS_CASES } from "./limits.js";
import { PAUSE_CASES } from "./pause.js";
import { RELEASE_CASES } from "./release.js";
import { STREAMS_CASES } from "./streams.js";
import { LIFECYCLE_CASES } from "./lifecycle.js";
import { AFTER_REMOVE_CASE, NOT_FOUND_CASES } from "./not-found.js";
import { FILTER_CASES } from "./filters.js";
import { HEALTH_CASES } from "./health.js";
import { IDENTITY_CASES } from "./identity.js";
import { INSTANCE_CASES } from "./instances.js";
import { LOG_CASES } from "./logs.js";
import {
  ATOMIC_CREATE_CASES,
  CONFIG_CASES,
  ERROR_SHAPE_CASES,
  LIMIT_CASES,
  NETWORK_CASES,
  VOLUME_CASES,
} from "./resources.js";

/**
 * Every case of the suite. Ids are unique and stable; `cleanup.run.nothing-left`
 * comes last because it checks what all the others left.
 */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = Object.freeze([
  ...IDENTITY_CASES,
  ...INSTANCE_CASES,
  ...ATOMIC_CREATE_CASES,
  ...LIFECYCLE_CASES,
  ...NOT_FOUND_CASES,
  AFTER_REMOVE_CASE,
  ...ERROR_SHAPE_CASES,
  ...FILTER_CASES,
  ...LOG_CASES,
  ...HEALTH_CASES,
  ...VOLUME_CASES,
  ...NETWORK_CASES,
  ...CONFIG_CASES,
  ...LIMIT_CASES,
  ...CONCURRENCY_CASES,
  ...EXECUTION_CASES,
  ...ISOLATION_CASES,
  ...LIMITS_CASES,
  ...STREAMS_CASES,
  ...EXEC_CASES,
  ...FILES_CASES,
  ...PAUSE_CASES,
  ...EXPIRY_CASES,
  ...IDEMPOTENCY_CASES,
  ...RELEASE_CASES,
  ...CLEANUP_CASES,
]);
