/**
 * The attached connection of one exec: the engine's multiplexed output
 * routed into the two {@link StreamOutput}s, the wrapper's header line taken
 * off the start of stdout, and the end of the stream as a promise.
 *
 * @module
 */
import type { Duplex } from "node:stream";
import type { Clock } from "../../../src/index.js";
import { FrameDemuxer, type OutputStream, StreamOutput } from "./exec-output.js";
import { SessionHeader } from "./exec-wrapper.js";

/** Where an exec's output goes: one {@link StreamOutput} per stream. */
export type ExecOutputs = { readonly stdout: StreamOutput; readonly stderr: StreamOutput };

/** How much of the engine's own message (a start failure, sent instead of the header) is kept. */
const ENGINE_MESSAGE_BYTES = 4_096;

/** Write errors that mean the engine no longer takes stdin because the exec ended: not a broken stream. */
const STDIN_REFUSED = new Set(["EPIPE", "ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED"]);

/**
 * One exec's connection. Output is routed as it arrives; `ended` settles
 * when the engine ends the stream (resolves) or the connection breaks first
 * (rejects).
 *
 * @example
 * ```ts
 * const stream = new ExecStream(socket, outputs, systemClock);
 * await stream.ended;
 * stream.session(); // the wrapper's pid, or undefined when the wrapper never ran
 * ```
 */
export class ExecStream {
  /** Settles when the engine ends the stream (resolves) or the connection breaks before (rejects). */
  readonly ended: Promise<void>;
  readonly #socket: Duplex;
  readonly #outputs: ExecOutputs;
  readonly #clock: Clock;
  readonly #header = new SessionHeader();
  #session: number | undefined;
  #engineMessage: StreamOutput | undefined;
  #isEnded = false;
  readonly #wrapped: boolean;
  readonly #headerWaiters: (() => void)[] = [];

  /**
   * @param clock - the time source of {@link ExecStream.headerOrEnd} and {@link ExecStream.drain}.
   * @param wrapped - whether the command runs under the wrapper, whose header starts stdout. Default `true`.
   */
  constructor(socket: Duplex, outputs: ExecOutputs, clock: Clock, wrapped = true) {
    this.#socket = socket;
    this.#outputs = outputs;
    this.#clock = clock;
    this.#wrapped = wrapped;
    const demuxer = new FrameDemuxer((stream, bytes) => this.#route(stream, bytes));
    this.ended = new Promise<void>((resolve, reject) => {
      const finish = () => {
        if (this.#isEnded) return;
        this.#isEnded = true;
        this.#wakeHeaderWaiters();
        // Whatever stdin is still unsent is not wanted any more: the command has ended.
        socket.destroy();
        resolve();
      };
      socket.on("data", (chunk: Buffer) => {
        try {
          demuxer.push(chunk);
        } catch (error) {
          socket.destroy(error as Error);
        }
      });
      socket.on("end", finish);
      socket.on("error", (error: NodeJS.ErrnoException) => {
        // The engine closes the connection when the exec ends, also while stdin is still being sent.
        if (error.code !== undefined && STDIN_REFUSED.has(error.code)) return finish();
        if (this.#isEnded) return;
        this.#isEnded = true;
        this.#wakeHeaderWaiters();
        reject(error);
      });
      socket.on("close", () => {
        if (this.#isEnded) return;
        this.#isEnded = true;
        this.#wakeHeaderWaiters();
        reject(new Error("the engine closed the exec's connection before its output ended"));
      });
    });
    // A rejection nobody awaits (the call already settled another way) must not surface.
    this.ended.catch(() => undefined);
  }

  /** The wrapper's pid, which is the session of the command; `undefined` until (or unless) the header arrived. */
  session(): number | undefined {
    return this.#session;
  }

  /**
   * The engine's own message when it sent one instead of the wrapper's
   * header (the command never started: an unknown user, a missing working
   * directory, no `/bin/sh`), else `undefined`.
   */
  engineMessage(): string | undefined {
    return this.#engineMessage?.text().trim();
  }

  /** Whether the wrapper's header arrived: the command was started. */
  started(): boolean {
    return this.#session !== undefined;
  }

  /** Resolves once the header arrived or the stream ended, or after `ms`, whichever comes first. */
  async headerOrEnd(ms: number): Promise<void> {
    if (this.#session !== undefined || this.#engineMessage !== undefined || this.#isEnded) return;
    const timer = new AbortController();
    this.#headerWaiters.push(() => timer.abort());
    await this.#clock.sleep(ms, timer.signal).catch(() => undefined);
  }

  /** Resolves once the stream ended, or after `ms`; then cuts the connection either way. */
  async drain(ms: number): Promise<void> {
    const timer = new AbortController();
    await Promise.race([this.ended.catch(() => undefined), this.#clock.sleep(ms, timer.signal).catch(() => undefined)]);
    timer.abort();
    this.#socket.destroy();
  }

  /** Flush the decoders, so `onOutput` has seen everything before the call settles. */
  finish(): void {
    this.#outputs.stdout.end();
    this.#outputs.stderr.end();
  }

  #route(stream: OutputStream, bytes: Buffer): void {
    if (stream === "stderr") {
      this.#outputs.stderr.write(bytes);
    } else if (this.#engineMessage !== undefined) {
      this.#engineMessage.write(bytes);
    } else if (this.#session !== undefined || !this.#wrapped) {
      this.#outputs.stdout.write(bytes);
    } else {
      this.#readHeader(bytes);
    }
  }

  #readHeader(bytes: Buffer): void {
    const outcome = this.#header.push(bytes);
    if (outcome.kind === "pending") return;
    if (outcome.kind === "found") {
      this.#session = outcome.session;
      this.#outputs.stdout.write(outcome.rest);
    } else {
      this.#engineMessage = new StreamOutput("stdout", ENGINE_MESSAGE_BYTES);
      this.#engineMessage.write(outcome.bytes);
    }
    this.#wakeHeaderWaiters();
  }

  #wakeHeaderWaiters(): void {
    for (const wake of this.#headerWaiters.splice(0)) wake();
  }
}
