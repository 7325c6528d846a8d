/**
 * The engine's log stream, parsed as it arrives: chunks of bytes in, whole
 * lines out, with nothing held but the line being written.
 *
 * Without a TTY the engine multiplexes stdout and stderr into frames: an
 * 8-byte header (stream id, three zero bytes, payload length as a big-endian
 * uint32) and the payload. A container with a TTY has one raw stream, taken
 * as stdout. The driver always asks for timestamps, so each message starts
 * with an RFC 3339 time with nanoseconds and a space.
 *
 * A line longer than the engine's 16 KiB buffer is stored as partial
 * messages: frames without the newline, each with its own timestamp. The
 * parser joins them; the line keeps the time of its first part. Lines are
 * emitted when they end, so a short stderr line written while a long stdout
 * line is still being written comes first, as a live reader sees them.
 *
 * @module
 */
import { StringDecoder } from "node:string_decoder";

/** The two streams a line can come from; the engine's stdin frames (never sent for logs) count as stdout. */
export type LogSource = "stdout" | "stderr";

/** One line of output as the engine stored it. */
export type ParsedLogLine = {
  /** Which stream wrote it. */
  readonly stream: LogSource;
  /** The line without its timestamp and newline. */
  readonly text: string;
  /** When the engine received the line's first part, in ms since the epoch; `NaN` when it had no timestamp. */
  readonly time: number;
};

/**
 * An engine timestamp split into whole seconds and nanoseconds, so two can be
 * compared exactly (a `number` of ms would lose the nanoseconds that order
 * messages within a millisecond).
 */
export type MessageStamp = {
  /** Whole seconds since the epoch. */
  readonly seconds: number;
  /** Nanoseconds within the second, 0 to 999 999 999. */
  readonly nanos: number;
};

/** What {@link LogStreamParser} reports to. */
export type LogStreamHandlers = {
  /** Called with each line once it ended (or the stream did). An exception stops the parse and propagates. */
  readonly onLine: (line: ParsedLogLine) => void;
  /**
   * Called as each message starts, with its timestamp (`undefined` when it has
   * none); returning `false` skips the message, for a reader that resumes a
   * stream and must not see again what it already saw. Default: keep every message.
   */
  readonly onMessage?: (stamp: MessageStamp | undefined) => boolean;
  /**
   * The longest line held, in characters. A longer line is emitted in pieces
   * of this length, so one line without a newline cannot fill the memory.
   */
  readonly maxLineChars: number;
};

const HEADER_BYTES = 8;
/** An RFC 3339 time is at most 35 characters; a longer first word is text, not a timestamp. */
const MAX_STAMP_BYTES = 40;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const STAMP_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The time of an engine timestamp such as `2026-01-01T00:00:00.123456789Z`,
 * or `undefined` when the text is not one.
 *
 * @example
 * ```ts
 * parseStamp("2026-01-01T00:00:00.5Z"); // { seconds: 1767225600, nanos: 500000000 }
 * ```
 */
export function parseStamp(text: string): MessageStamp | undefined {
  const match = STAMP_PATTERN.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Number((match[2] ?? "").padEnd(9, "0")) };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareStamps(a: MessageStamp, b: MessageStamp): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

/** The line being written to one stream: its bytes until it grows long, then its decoded text. */
type OpenLine = {
  chunks: Buffer[];
  bytes: number;
  readonly time: number;
  /** Set once the line is longer than the longest line held whole: decoded as it comes, emitted in pieces. */
  long?: { readonly decoder: StringDecoder; text: string };
};

/**
 * Parses the engine's log stream chunk by chunk. Feed it with {@link push},
 * call {@link finish} when the stream ended; lines reach `onLine` as they end.
 *
 * @example
 * ```ts
 * const parser = new LogStreamParser({ onLine: (line) => console.log(line.stream, line.text), maxLineChars: 1 << 20 });
 * response.on("data", (chunk) => parser.push(chunk));
 * response.on("end", () => parser.finish());
 * ```
 */
export class LogStreamParser {
  /** Messages started so far (partial messages count one each, as the engine's `tail` counts them). */
  messages = 0;
  readonly #handlers: LogStreamHandlers;
  #mode: "unknown" | "frames" | "raw" = "unknown";
  /** Bytes seen before the mode is known (fewer than a header). */
  #start: Buffer = Buffer.alloc(0);
  #header: Buffer = Buffer.alloc(0);
  #frameLeft = 0;
  #frameStream: LogSource = "stdout";
  #stamp: Buffer[] = [];
  #stampBytes = 0;
  #atMessageStart = true;
  #skipping = false;
  readonly #open = new Map<LogSource, OpenLine>();

  constructor(handlers: LogStreamHandlers) {
    this.#handlers = handlers;
  }

  /** Parse the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#mode === "unknown") {
      data = Buffer.concat([this.#start, data]);
      if (data.length < HEADER_BYTES) {
        this.#start = data;
        return;
      }
      this.#start = Buffer.alloc(0);
      this.#mode = isFrameHeader(data) ? "frames" : "raw";
    }
    if (this.#mode === "raw") this.#payload("stdout", data);
    else this.#frames(data);
  }

  /** The stream ended: emit what is left, including lines without a final newline. */
  finish(): void {
    if (this.#mode === "unknown" && this.#start.length > 0) {
      this.#mode = "raw";
      this.#payload("stdout", this.#start);
      this.#start = Buffer.alloc(0);
    }
    this.#endMessage(this.#frameStream);
    for (const stream of [...this.#open.keys()]) this.#endLine(stream);
  }

  #frames(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#frameLeft === 0) {
        const need = HEADER_BYTES - this.#header.length;
        this.#header = Buffer.concat([this.#header, data.subarray(offset, offset + need)]);
        offset += Math.min(need, data.length - offset);
        if (this.#header.length < HEADER_BYTES) return;
        this.#frameStream = this.#header[0] === 2 ? "stderr" : "stdout";
        this.#frameLeft = this.#header.readUInt32BE(4);
        this.#header = Buffer.alloc(0);
        if (this.#frameLeft === 0) continue;
      }
      const end = Math.min(data.length, offset + this.#frameLeft);
      this.#payload(this.#frameStream, data.subarray(offset, end));
      this.#frameLeft -= end - offset;
      offset = end;
      // A frame is one message: one that ends without a newline is a partial message, continued by the next.
      if (this.#frameLeft === 0) this.#endMessage(this.#frameStream);
    }
  }

  #payload(stream: LogSource, data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#atMessageStart) {
        offset = this.#readStamp(stream, data, offset);
        continue;
      }
      const newline = data.indexOf(NEWLINE, offset);
      const end = newline < 0 ? data.length : newline;
      if (!this.#skipping) this.#append(stream, data.subarray(offset, end));
      if (newline < 0) return;
      if (!this.#skipping) this.#endLine(stream);
      this.#atMessageStart = true;
      offset = newline + 1;
    }
  }

  /** Collect the timestamp of a message starting at `offset`; returns where its text starts (or `data.length`). */
  #readStamp(stream: LogSource, data: Buffer, offset: number): number {
    const limit = Math.min(data.length, offset + MAX_STAMP_BYTES + 1 - this.#stampBytes);
    let index = offset;
    while (index < limit && data[index] !== SPACE && data[index] !== NEWLINE) index++;
    this.#stamp.push(data.subarray(offset, index));
    this.#stampBytes += index - offset;
    if (index === data.length && this.#stampBytes <= MAX_STAMP_BYTES) return index;
    const word = Buffer.concat(this.#stamp);
    this.#stamp = [];
    this.#stampBytes = 0;
    const stamp = data[index] === SPACE ? parseStamp(word.toString("latin1")) : undefined;
    this.#startMessage(stream, stamp);
    if (stamp !== undefined) return index + 1;
    // Not a timestamp: the word is the start of the text.
    if (!this.#skipping) this.#append(stream, word);
    return index;
  }

  #startMessage(stream: LogSource, stamp: MessageStamp | undefined): void {
    this.messages += 1;
    this.#atMessageStart = false;
    this.#skipping = this.#handlers.onMessage?.(stamp) === false;
    if (this.#skipping || this.#open.has(stream)) return;
    const time = stamp === undefined ? Number.NaN : stamp.seconds * 1000 + Math.floor(stamp.nanos / 1_000_000);
    this.#open.set(stream, { chunks: [], bytes: 0, time });
  }

  /** A message ended without a newline (a partial message, or the end of the stream). */
  #endMessage(stream: LogSource): void {
    if (this.#stampBytes > 0) {
      const word = Buffer.concat(this.#stamp);
      this.#stamp = [];
      this.#stampBytes = 0;
      this.#startMessage(stream, undefined);
      if (!this.#skipping) this.#append(stream, word);
    }
    this.#atMessageStart = true;
    this.#skipping = false;
  }

  #append(stream: LogSource, bytes: Buffer): void {
    if (bytes.length === 0) return;
    let line = this.#open.get(stream);
    if (line === undefined) {
      line = { chunks: [], bytes: 0, time: Number.NaN };
      this.#open.set(stream, line);
    }
    const max = this.#handlers.maxLineChars;
    if (line.long === undefined) {
      line.chunks.push(bytes);
      line.bytes += bytes.length;
      // A UTF-8 byte makes at most one UTF-16 character: within the limit in bytes, within it in characters.
      if (line.bytes <= max) return;
      line.long = { decoder: new StringDecoder("utf8"), text: "" };
      bytes = Buffer.concat(line.chunks);
      line.chunks = [];
    }
    let text = line.long.text + line.long.decoder.write(bytes);
    while (text.length > max) {
      // Never split a surrogate pair between two pieces.
      const cut = isHighSurrogate(text.charCodeAt(max - 1)) && max > 1 ? max - 1 : max;
      this.#handlers.onLine({ stream, text: text.slice(0, cut), time: line.time });
      text = text.slice(cut);
    }
    line.long.text = text;
  }

  #endLine(stream: LogSource): void {
    const line = this.#open.get(stream);
    this.#open.delete(stream);
    let text = "";
    if (line?.long !== undefined) text = line.long.text + line.long.decoder.end();
    else if (line !== undefined && line.chunks.length > 0) {
      text = (line.chunks.length === 1 ? line.chunks[0]! : Buffer.concat(line.chunks)).toString("utf8");
    }
    this.#handlers.onLine({ stream, text, time: line?.time ?? Number.NaN });
  }
}

function isFrameHeader(data: Buffer): boolean {
  const stream = data[0];
  return stream !== undefined && stream <= 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
