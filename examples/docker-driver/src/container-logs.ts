/**
 * Reading a container's logs from the engine: waiting for `follow`, asking
 * for whole seconds of `since` and for enough messages of `tail`. The
 * demultiplexing and shaping of what comes back is pure and lives in
 * logs.ts.
 *
 * @module
 */
import type Docker from "dockerode";
import type { ErrorMappingContext, LogOptions } from "../../../src/index.js";
import type { EngineCalls } from "./engine-call.js";
import { demultiplex, formatLogs, toLines } from "./logs.js";

/**
 * The container's stdout and stderr as the contract's log text, for
 * validated `options`. `since` is filtered to the millisecond here (the
 * engine filters whole seconds); `follow` waits until the container is no
 * longer running, then returns everything it wrote.
 *
 * @example
 * ```ts
 * const text = await readContainerLogs(calls, docker.getContainer(id), parseLogOptions({ tail: 10 }), {
 *   operation: "getContainerLogs",
 *   containerId: id,
 * });
 * ```
 */
export async function readContainerLogs(
  calls: EngineCalls,
  container: Docker.Container,
  options: LogOptions,
  context: ErrorMappingContext,
): Promise<string> {
  if (options.follow === true) {
    await calls.call(context, (signal) => container.wait({ condition: "not-running", abortSignal: signal }), {
      timeoutMs: Number.POSITIVE_INFINITY,
    });
  }
  const read = (tail: number | undefined) =>
    calls.call(context, (signal) =>
      container.logs({
        follow: false,
        stdout: true,
        stderr: true,
        timestamps: true,
        // Whole seconds, rounded down: a superset that the filter below trims.
        // Capped: the engine parses an integer, and a huge number would be printed with an exponent.
        since: options.since === undefined ? 0 : Math.min(Math.floor(options.since / 1000), Number.MAX_SAFE_INTEGER),
        ...(tail === undefined ? {} : { tail }),
        abortSignal: signal,
      }),
    );
  if (options.since !== undefined || options.tail === undefined) {
    return formatLogs(toLines(demultiplex(await read(undefined))), options);
  }
  // The engine's tail counts messages, and it stores a line longer than 16 KiB as several: ask for one
  // message more than the lines wanted, and for more while the answer may start inside the lines wanted.
  for (let messages = options.tail + 1; ; messages *= 2) {
    const frames = demultiplex(await read(messages));
    const lines = toLines(frames);
    if (frames.length < messages || lines.length > options.tail) return formatLogs(lines, options);
  }
}
