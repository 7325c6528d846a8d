/**
 * The `limits` cases: capability `limits`: memory, pids and cpu limits hold inside the container; an OOM kill ends exited 137, state error, oomKilled.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const LIMITS_CASES: readonly ConformanceCase[] = [];
