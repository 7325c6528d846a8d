/**
 * The `isolation` cases: capability `isolation`: the security options hold inside the container, network none leaves only loopback, mounts appear at their targets, a volume is shared.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const ISOLATION_CASES: readonly ConformanceCase[] = [];
