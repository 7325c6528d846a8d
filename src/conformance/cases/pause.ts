/**
 * The `pause` cases: capability `pause`: pauseContainer and resumeContainer, the pause and resume rows of the transition table; processes survive a pause.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const PAUSE_CASES: readonly ConformanceCase[] = [];
