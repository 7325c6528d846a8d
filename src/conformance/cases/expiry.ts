/**
 * The `expiry` cases: capability `expiry`: ttlMs, expiresAt, setContainerExpiry; expired containers are removed by the driver, also by a new instance.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const EXPIRY_CASES: readonly ConformanceCase[] = [];
