/**
 * An exec's output as it arrives: the engine's multiplexed byte stream split
 * into stdout and stderr incrementally (a frame may arrive in pieces), each
 * stream decoded as UTF-8 with a streaming decoder (a character split between
 * two chunks is never split for `onOutput`), and kept up to a byte cap per
 * stream, so memory stays bounded whatever the command prints.
 *
 * Pure and engine-free: exec.ts feeds it the socket's chunks.
 *
 * @module
 */
import { StringDecoder } from "node:string_decoder";
import type { ExecOutputChunk } from "../../../src/index.js";

/** The streams of an exec's output. */
export type OutputStream = ExecOutputChunk["stream"];

const HEADER_BYTES = 8;
/** The engine's stream ids: 0 stdin (never sent for an exec), 1 stdout, 2 stderr. */
const STREAM_IDS: Readonly<Record<number, OutputStream | undefined>> = { 1: "stdout", 2: "stderr" };

/**
 * Splits the engine's multiplexed stream (without a TTY, the engine frames
 * stdout and stderr: an 8-byte header of stream id, three zero bytes and the
 * payload length as a big-endian uint32, then the payload) as chunks arrive.
 * A payload is handed on in the pieces it arrives in, without copying.
 *
 * @example
 * ```ts
 * const demuxer = new FrameDemuxer((stream, bytes) => collect(stream, bytes));
 * socket.on("data", (chunk) => demuxer.push(chunk));
 * ```
 */
export class FrameDemuxer {
  readonly #emit: (stream: OutputStream, bytes: Buffer) => void;
  readonly #header = Buffer.alloc(HEADER_BYTES);
  #headerFilled = 0;
  #remaining = 0;
  #stream: OutputStream | undefined;

  /** @param emit - receives each piece of a payload with its stream; stdin frames are dropped. */
  constructor(emit: (stream: OutputStream, bytes: Buffer) => void) {
    this.#emit = emit;
  }

  /**
   * Feed the next chunk of the stream. Throws when the bytes are not a
   * multiplexed stream (a header with an unknown stream id or non-zero
   * padding): the output cannot be told apart then.
   */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining === 0) {
        const take = Math.min(HEADER_BYTES - this.#headerFilled, chunk.length - offset);
        chunk.copy(this.#header, this.#headerFilled, offset, offset + take);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < HEADER_BYTES) return;
        this.#headerFilled = 0;
        const id = this.#header[0] ?? 255;
        if (id > 2 || this.#header[1] !== 0 || this.#header[2] !== 0 || this.#header[3] !== 0) {
          throw new Error(`the engine sent a frame header that is not one (${this.#header.toString("hex")})`);
        }
        this.#stream = STREAM_IDS[id];
        this.#remaining = this.#header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.#remaining, chunk.length - offset);
      const stream = this.#stream;
      if (stream !== undefined) this.#emit(stream, chunk.subarray(offset, offset + take));
      this.#remaining -= take;
      offset += take;
    }
  }
}

/**
 * One stream of an exec's output: counts every byte, keeps the first
 * `maxBytes` of them for the result, and hands each chunk to `onOutput`
 * (decoded across chunk boundaries), also beyond the cap.
 *
 * @example
 * ```ts
 * const stdout = new StreamOutput("stdout", 1_048_576, (chunk) => console.log(chunk.text));
 * stdout.write(Buffer.from("hi\n"));
 * stdout.end();
 * stdout.text(); // "hi\n"
 * ```
 */
export class StreamOutput {
  /** The stream's name. */
  readonly stream: OutputStream;
  /** The most bytes kept for the result. */
  readonly maxBytes: number;
  readonly #onChunk: ((chunk: ExecOutputChunk) => void) | undefined;
  readonly #decoder: StringDecoder | undefined;
  readonly #kept: Buffer[] = [];
  #keptBytes = 0;
  #totalBytes = 0;

  /**
   * @param onChunk - receives the decoded text of every chunk, in order; an
   *   exception from it propagates to the caller of {@link StreamOutput.write}.
   *   Default: none (then nothing beyond the cap is decoded).
   */
  constructor(stream: OutputStream, maxBytes: number, onChunk?: (chunk: ExecOutputChunk) => void) {
    this.stream = stream;
    this.maxBytes = maxBytes;
    this.#onChunk = onChunk;
    this.#decoder = onChunk === undefined ? undefined : new StringDecoder("utf8");
  }

  /** Every byte the stream wrote, kept or not. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Whether bytes beyond the cap were dropped. */
  get truncated(): boolean {
    return this.#totalBytes > this.#keptBytes;
  }

  /** Take the next bytes of the stream. */
  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#totalBytes += bytes.length;
    const room = this.maxBytes - this.#keptBytes;
    if (room > 0) {
      // Copied: a slice would pin the socket's whole chunk in memory for as long as the result lives.
      const kept = Buffer.from(bytes.subarray(0, room));
      this.#kept.push(kept);
      this.#keptBytes += kept.length;
    }
    if (this.#decoder !== undefined) this.#deliver(this.#decoder.write(bytes));
  }

  /** The stream ended: hand `onOutput` what the decoder still holds (an incomplete last character). */
  end(): void {
    if (this.#decoder !== undefined) this.#deliver(this.#decoder.end());
  }

  /**
   * The kept bytes as text. When the cap cut a character in two, its first
   * bytes are left out rather than shown as a replacement character; an
   * incomplete character the command itself ended with is shown as U+FFFD.
   */
  text(): string {
    const decoder = new StringDecoder("utf8");
    const text = decoder.write(Buffer.concat(this.#kept, this.#keptBytes));
    return this.truncated ? text : text + decoder.end();
  }

  #deliver(text: string): void {
    if (text !== "" && this.#onChunk !== undefined) this.#onChunk({ stream: this.stream, text });
  }
}
