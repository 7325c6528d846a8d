/**
 * The programs of a mock container: the shell and the busybox-like commands
 * of this directory, plus any a test adds (the driver's `programs` option),
 * as one table the shell's `PATH` lookup and the image's `/bin` read.
 *
 * @module
 */
import { sh } from "../shell/sh.js";
import type { Program, ProgramTable } from "../shell/program.js";
import { BYTE_PROGRAMS } from "./bytes.js";
import { CORE_PROGRAMS } from "./core.js";
import { FILE_PROGRAMS } from "./files.js";
import { GREP_PROGRAMS } from "./grep.js";
import { TEST_PROGRAMS } from "./test.js";
import { TEXT_PROGRAMS } from "./text.js";

/** The commands every mock container has, by name. */
export const BUILT_IN_PROGRAMS: Readonly<Record<string, Program>> = Object.freeze({
  sh,
  ...CORE_PROGRAMS,
  ...TEST_PROGRAMS,
  ...FILE_PROGRAMS,
  ...TEXT_PROGRAMS,
  ...BYTE_PROGRAMS,
  ...GREP_PROGRAMS,
});

/**
 * The program table of a runtime: the built-in commands, and `extra` (a
 * test's own programs; a name of both is the test's).
 *
 * @example
 * ```ts
 * const table = createProgramTable({ python3: async (context) => { await context.write("3.12\n"); return 0; } });
 * ```
 */
export function createProgramTable(extra: Readonly<Record<string, Program>> = {}): ProgramTable {
  const programs = new Map<string, Program>([...Object.entries(BUILT_IN_PROGRAMS), ...Object.entries(extra)]);
  return { get: (name) => programs.get(name), names: () => programs.keys() };
}
