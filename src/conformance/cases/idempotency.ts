/**
 * The `idempotency` cases: capability `idempotency`: creates with one idempotencyKey return one container, under concurrency and across instances; another config with the same key is an IdempotencyConflictError.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const IDEMPOTENCY_CASES: readonly ConformanceCase[] = [];
