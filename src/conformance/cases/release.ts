/**
 * The release cases (core tier, for drivers that have the methods): close() and cleanup(), optional for every driver: close frees the instance and leaves runtime objects; cleanup removes the namespace and reports what it could not.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const RELEASE_CASES: readonly ConformanceCase[] = [];
