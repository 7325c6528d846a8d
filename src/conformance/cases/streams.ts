/**
 * The `streams` cases: capability `streams`: stdin for the main command; live log lines (onLine), an abortable follow, one stream only.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const STREAMS_CASES: readonly ConformanceCase[] = [];
