/**
 * The `files` cases: capability `files`: writeFile, readFile, readFileStream — binary round trip, large streamed files, parents, owner and mode, missing files, path rules, read-only root, persistence across stop/start.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";

/** Every case of this file, in run order. */
export const FILES_CASES: readonly ConformanceCase[] = [];
