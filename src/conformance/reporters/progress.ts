/**
 * Progress while a run goes: on a terminal one live line (case n of N,
 * passed and failed so far, what runs now), redrawn in place; elsewhere
 * (CI logs, pipes) one plain line per finished case.
 *
 * @module
 */
import type { ConformanceProgress, ConformanceResult } from "../types.js";
import { formatResultLine } from "./table.js";

/** What the live line shows. */
export type ProgressState = {
  /** Which driver runs, as the command was given it. */
  readonly label: string;
  /** Cases selected. */
  readonly total: number;
  /** Cases finished so far, by status. */
  readonly counts: Readonly<Record<ConformanceResult["status"], number>>;
  /** Ids of the cases running now, oldest first. */
  readonly running: readonly string[];
};

/**
 * The live line for `state`, at most `columns` characters (a line that wraps
 * cannot be redrawn in place).
 *
 * @param columns - the terminal's width; default 120.
 * @example
 * ```ts
 * formatProgressLine({ label: "docker", total: 120, counts: { passed: 35, failed: 1, skipped: 1, unsupported: 0 }, running: ["logs.tail"] });
 * // "docker [37/120] 35 passed, 1 failed, 1 skipped · logs.tail"
 * ```
 */
export function formatProgressLine(state: ProgressState, columns = 120): string {
  const { counts } = state;
  const done = counts.passed + counts.failed + counts.skipped + counts.unsupported;
  const parts = [`${counts.passed} passed`, `${counts.failed} failed`];
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  if (counts.unsupported > 0) parts.push(`${counts.unsupported} unsupported`);
  const running = state.running.length === 0 ? "" : ` · ${state.running.join(", ")}`;
  const line = `${state.label} [${done}/${state.total}] ${parts.join(", ")}${running}`;
  const width = Math.max(20, columns - 1);
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** Where progress goes. */
export type ProgressOutput = {
  write(text: string): unknown;
  /** Whether it is a terminal: the live line is drawn only there. */
  readonly isTTY?: boolean | undefined;
  /** The terminal's width, when known. */
  readonly columns?: number | undefined;
};

/**
 * An `onProgress` handler for `output`: the live line on a terminal (cleared
 * when the run ends, so the table printed next starts on a clean line), one
 * line per finished case otherwise.
 *
 * @example
 * ```ts
 * await runConformance(factory, { onProgress: createProgressReporter(process.stderr, "my-driver") });
 * ```
 */
export function createProgressReporter(output: ProgressOutput, label: string): (event: ConformanceProgress) => void {
  const counts = { passed: 0, failed: 0, skipped: 0, unsupported: 0 };
  const running: string[] = [];
  let total = 0;
  if (output.isTTY !== true) {
    return (event) => {
      if (event.type === "run-start")
        output.write(`${event.driver.name} ${event.driver.version}: ${event.total} cases\n`);
      else if (event.type === "case-end") output.write(`${formatResultLine(event.result, 48)}\n`);
    };
  }
  const draw = () => output.write(`\r\x1b[2K${formatProgressLine({ label, total, counts, running }, output.columns)}`);
  return (event) => {
    switch (event.type) {
      case "run-start":
        total = event.total;
        draw();
        return;
      case "case-start":
        running.push(event.id);
        draw();
        return;
      case "case-end": {
        const at = running.indexOf(event.result.id);
        if (at >= 0) running.splice(at, 1);
        counts[event.result.status] += 1;
        draw();
        return;
      }
      case "run-end":
        output.write("\r\x1b[2K");
        return;
    }
  };
}
