/**
 * Container logs as the engine sends them, turned into the contract's text.
 *
 * Without a TTY the engine multiplexes stdout and stderr into one byte
 * stream of frames: an 8-byte header (stream id, three zero bytes, payload
 * length as a big-endian uint32) followed by the payload. The driver always
 * asks for timestamps, because `since` needs them client-side (the engine
 * filters `since` in whole seconds only), and strips them unless the caller
 * asked for them.
 *
 * @module
 */

/** One demultiplexed chunk of output. */
export type LogFrame = {
  /** Which stream wrote it. */
  readonly stream: "stdin" | "stdout" | "stderr";
  /** The payload, decoded as UTF-8. */
  readonly text: string;
};

/** One line of output with its time. */
export type LogLine = {
  /** When the engine received the line, in ms since the epoch; `NaN` when the line had no timestamp. */
  readonly time: number;
  /** The line without its timestamp and newline. */
  readonly text: string;
  /** Which stream wrote it. */
  readonly stream: LogFrame["stream"];
};

const STREAMS = ["stdin", "stdout", "stderr"] as const;
const HEADER_BYTES = 8;

function isFrameHeader(raw: Uint8Array, offset: number): boolean {
  const stream = raw[offset];
  return (
    raw.length - offset >= HEADER_BYTES &&
    stream !== undefined &&
    stream <= 2 &&
    raw[offset + 1] === 0 &&
    raw[offset + 2] === 0 &&
    raw[offset + 3] === 0
  );
}

/**
 * Split the engine's multiplexed log stream into frames. A stream that does
 * not start with a frame header (a container created with a TTY) is returned
 * as one stdout frame, as the engine sends it raw in that case. A truncated
 * last frame keeps what arrived.
 *
 * @example
 * ```ts
 * const raw = await container.logs({ stdout: true, stderr: true });
 * demultiplex(raw).filter((frame) => frame.stream === "stderr");
 * ```
 */
export function demultiplex(raw: Uint8Array): LogFrame[] {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buffer.length === 0) return [];
  if (!isFrameHeader(buffer, 0)) return [{ stream: "stdout", text: buffer.toString("utf8") }];
  const frames: LogFrame[] = [];
  let offset = 0;
  while (offset < buffer.length && isFrameHeader(buffer, offset)) {
    const stream = STREAMS[buffer[offset] ?? 1] ?? "stdout";
    const size = buffer.readUInt32BE(offset + 4);
    const start = offset + HEADER_BYTES;
    const end = Math.min(start + size, buffer.length);
    frames.push({ stream, text: buffer.toString("utf8", start, end) });
    offset = end;
  }
  return frames;
}

/**
 * Frames written with the engine's `timestamps` option, as lines with their
 * time. Each line starts with an RFC 3339 time with nanoseconds and a space.
 *
 * @example
 * ```ts
 * toLines([{ stream: "stdout", text: "2026-01-01T00:00:00.5Z hi\n" }]);
 * // [{ time: 1767225600500, text: "hi", stream: "stdout" }]
 * ```
 */
export function toLines(frames: readonly LogFrame[]): LogLine[] {
  const lines: LogLine[] = [];
  // The engine stores a line longer than its 16 KiB buffer as partial messages: frames without the
  // newline, each with its own timestamp. The index of the line each stream has not ended yet.
  const unended = new Map<LogFrame["stream"], number>();
  for (const frame of frames) {
    const parts = frame.text.split("\n");
    // A frame normally ends with a newline, leaving one empty part at the end.
    const ended = parts.at(-1) === "";
    if (ended) parts.pop();
    let last = -1;
    for (const [index, part] of parts.entries()) {
      const space = part.indexOf(" ");
      const time = space > 0 ? Date.parse(part.slice(0, space)) : Number.NaN;
      const text = Number.isNaN(time) ? part : part.slice(space + 1);
      const continued = index === 0 ? unended.get(frame.stream) : undefined;
      const previous = continued === undefined ? undefined : lines[continued];
      if (continued !== undefined && previous !== undefined) {
        lines[continued] = { ...previous, text: previous.text + text };
        last = continued;
      } else {
        lines.push({ time, text, stream: frame.stream });
        last = lines.length - 1;
      }
    }
    if (ended || last === -1) unended.delete(frame.stream);
    else unended.set(frame.stream, last);
  }
  return lines;
}

/** How to shape lines into the contract's log text. */
export type LogShape = {
  /** Keep lines at or after this time (ms since the epoch). */
  readonly since?: number | undefined;
  /** Keep only the last N lines (after `since`). */
  readonly tail?: number | undefined;
  /** Prefix each line with its ISO-8601 time and a space. */
  readonly timestamps?: boolean | undefined;
};

/**
 * The contract's log text, in the engine's order: `since` first, then `tail`, each line ended by a
 * newline, optionally prefixed with `new Date(time).toISOString()`.
 *
 * @example
 * ```ts
 * formatLogs(lines, { tail: 1, timestamps: true }); // "2026-01-01T00:00:00.500Z hi\n"
 * ```
 */
export function formatLogs(lines: readonly LogLine[], shape: LogShape = {}): string {
  // The engine's order, as `docker logs` shows it. stdout and stderr reach the
  // engine through two pipes read concurrently, so lines written to the two
  // streams within a few microseconds may be stored in either order; neither
  // that order nor the timestamps can recover what the program did first.
  let selected = lines;
  const { since, tail } = shape;
  // Compare at millisecond precision: the contract's `since` is in ms.
  if (since !== undefined)
    selected = selected.filter((line) => Number.isNaN(line.time) || Math.floor(line.time) >= since);
  if (tail !== undefined) selected = tail === 0 ? [] : selected.slice(-tail);
  return selected
    .map((line) =>
      shape.timestamps === true && !Number.isNaN(line.time)
        ? `${new Date(line.time).toISOString()} ${line.text}\n`
        : `${line.text}\n`,
    )
    .join("");
}
