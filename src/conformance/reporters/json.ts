/**
 * The report as JSON, for tools: one object for one driver, an array for
 * several. Every result keeps its status (`unsupported` included) and its
 * error or reason.
 *
 * @module
 */
import type { ConformanceReport } from "../types.js";

/**
 * The reports as indented JSON text (with a final newline): the report
 * itself for one, an array for several.
 *
 * @example
 * ```ts
 * process.stdout.write(formatJsonReport([report]));
 * ```
 */
export function formatJsonReport(reports: readonly ConformanceReport[]): string {
  return `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`;
}
