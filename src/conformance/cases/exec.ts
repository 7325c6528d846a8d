/**
 * The `exec` cases: capability `exec`: execInContainer — exit codes, stdout/stderr apart, stdin, env/workingDir/user, onOutput before the end, timeout and abort kill everything, bounded output, concurrent execs, status rules, request validation.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const EXEC_CASES: readonly ConformanceCase[] = [];
