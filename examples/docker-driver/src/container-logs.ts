/**
 * Reading a container's logs from the engine, streamed: the engine's answer
 * is parsed as it arrives (log-stream.ts) and only the text the call
 * resolves with is kept, bounded by `maxBytes` (logs.ts). Nothing of the
 * log is buffered whole, so a read of any size takes memory in proportion to
 * `maxBytes`, and the per-call timeout bounds the connection (until the
 * engine answers), not the transfer: a large log is slow, never a
 * `TimeoutError` that a retry would repeat.
 *
 * - `follow` keeps the connection open and delivers lines as the container
 *   writes them; it resolves when the engine ends the stream and the
 *   container no longer runs (an early end while it runs reconnects from the
 *   last message seen). A connection that dies is a `NetworkError`.
 * - `signal` ends a read at once: it resolves with the lines so far.
 * - `tail` counts lines, while the engine's `tail` counts its messages (a
 *   line longer than 16 KiB is several): the history is read with one
 *   message more than the lines wanted, widened until they are complete.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import type Docker from "dockerode";
import {
  ContainerNotFoundError,
  DEFAULT_LOG_MAX_BYTES,
  type ErrorMappingContext,
  type LogLine,
  type LogOptions,
  NetworkError,
  OperationAbortedError,
  TimeoutError,
} from "../../../src/index.js";
import type { EngineScope } from "./engine-call.js";
import { compareStamps, LogStreamParser, type MessageStamp, type ParsedLogLine } from "./log-stream.js";
import { BoundedLogText } from "./logs.js";

/** What a log read needs besides the engine scope. */
export type LogReadSettings = {
  /**
   * Time a read without `follow` may go without receiving a byte, in ms,
   * before it fails with a (retryable) `TimeoutError`: an engine that stalls,
   * not a log that is large.
   */
  readonly idleTimeoutMs: number;
};

/** The latest `since` the engine is given, in seconds (the end of year 9999): beyond it no line exists. */
const LATEST_SINCE_SECONDS = 253_402_300_799;
/** Longest wait before reconnecting a follow that the engine ended while the container runs, in ms. */
const MAX_RECONNECT_DELAY_MS = 2_000;

type Query = Record<string, string | number | boolean>;
type StreamEnd = "ended" | "aborted";

/**
 * The container's stdout and stderr as the contract's log text, for
 * validated `options` (see the module comment for `follow`, `signal`,
 * `tail`). `onLine` gets each line the call selects as it is read; with
 * `tail`, the lines of the history once the history is read.
 *
 * @example
 * ```ts
 * const text = await readContainerLogs(scope, id, parseLogOptions({ follow: true, onLine: console.log }), {
 *   idleTimeoutMs: 30_000,
 * });
 * ```
 */
export async function readContainerLogs(
  scope: EngineScope,
  id: string,
  options: LogOptions,
  settings: LogReadSettings,
): Promise<string> {
  const read = new LogRead(scope, id, options, settings);
  if (options.signal?.aborted) return read.text.finish();
  let end: StreamEnd = "ended";
  if (options.tail !== undefined) end = await read.history(options.tail);
  else if (options.follow !== true) end = await read.once();
  if (options.follow === true && end !== "aborted") await read.follow();
  return read.text.finish();
}

/** One call of `getContainerLogs`: the selected lines, where they go, and where a resumed stream starts. */
class LogRead {
  text: BoundedLogText;
  readonly #scope: EngineScope;
  readonly #id: string;
  readonly #options: LogOptions;
  readonly #settings: LogReadSettings;
  readonly #context: ErrorMappingContext;
  readonly #maxChars: number;
  /** The newest message seen and how many carried exactly its time, to resume without repeating. */
  #newest: { stamp: MessageStamp; count: number } | undefined;
  /** While resuming: messages up to the newest seen are skipped, `left` of those at exactly its time. */
  #skip: { stamp: MessageStamp; left: number } | undefined;
  /** Messages taken (not skipped) so far. */
  #accepted = 0;

  constructor(scope: EngineScope, id: string, options: LogOptions, settings: LogReadSettings) {
    this.#scope = scope;
    this.#id = id;
    this.#options = options;
    this.#settings = settings;
    this.#context = { operation: "getContainerLogs", containerId: id };
    this.#maxChars = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    this.text = this.#newText();
  }

  /** Everything from `since`, without following. */
  async once(): Promise<StreamEnd> {
    const parser = this.#parser((line) => this.#deliver(line));
    const end = await this.#stream(parser, this.#query(false), this.#settings.idleTimeoutMs);
    parser.finish();
    return end;
  }

  /**
   * The last `tail` lines (of those from `since`), then delivered to
   * `onLine`. Without `since` the engine is asked for one message more than
   * the lines wanted, and for twice as many while the answer may start inside
   * them; with `since`, everything from `since` is read and the last lines kept.
   */
  async history(tail: number): Promise<StreamEnd> {
    for (let messages = tail + 1; ; messages *= 2) {
      const text = this.#newText();
      const parser = this.#parser((line) => {
        if (this.#selects(line)) text.add(line);
      });
      const engineTail = this.#options.since === undefined ? messages : undefined;
      const query = { ...this.#query(false), ...(engineTail === undefined ? {} : { tail: engineTail }) };
      const end = await this.#stream(parser, query, this.#settings.idleTimeoutMs);
      parser.finish();
      const complete = engineTail === undefined || parser.messages < engineTail || text.added > tail;
      if (complete || end === "aborted") {
        this.text = text;
        for (const line of text.lines()) this.#notify(line);
        return end;
      }
      this.#newest = undefined;
    }
  }

  /**
   * Follow from where the reading so far ended until the container no longer
   * runs; a stream the engine ends while it runs is resumed after the newest
   * message seen.
   */
  async follow(): Promise<void> {
    const parser = this.#parser((line) => this.#deliver(line));
    for (let quiet = 0; ; ) {
      const before = this.#accepted;
      const newest = this.#newest;
      if (newest !== undefined) this.#skip = { stamp: newest.stamp, left: newest.count };
      const end = await this.#stream(parser, this.#query(true), Number.POSITIVE_INFINITY);
      if (end === "aborted") break;
      if (!(await this.#running())) {
        // The engine's follow of a container that ends at once can close before its last messages are read (a
        // short command's only line came back empty on a loaded engine): read once more, without follow, from
        // the newest message seen; what was read already is skipped.
        const seen = this.#newest;
        if (seen !== undefined) this.#skip = { stamp: seen.stamp, left: seen.count };
        await this.#stream(parser, { ...this.#query(true), follow: false }, this.#settings.idleTimeoutMs);
        break;
      }
      // An engine that ends the stream again and again without anything new is asked less and less often.
      quiet = this.#accepted > before ? 0 : quiet + 1;
      if (quiet > 0 && !(await this.#pause(Math.min(50 * 2 ** quiet, MAX_RECONNECT_DELAY_MS)))) break;
    }
    parser.finish();
  }

  #newText(): BoundedLogText {
    const { tail, timestamps } = this.#options;
    return new BoundedLogText({ maxChars: this.#maxChars, tail, timestamps: timestamps === true });
  }

  #parser(onLine: (line: ParsedLogLine) => void): LogStreamParser {
    // A line longer than the text may hold cannot be kept whole; beyond 64 KiB it is delivered in pieces.
    return new LogStreamParser({
      onLine,
      onMessage: (stamp) => this.#accept(stamp),
      maxLineChars: Math.max(this.#maxChars, 65_536),
    });
  }

  #selects(line: ParsedLogLine): boolean {
    const { since } = this.#options;
    // The engine was asked from `since` already; this keeps the contract's millisecond to the letter.
    return since === undefined || Number.isNaN(line.time) || line.time >= since;
  }

  #deliver(line: ParsedLogLine): void {
    if (!this.#selects(line)) return;
    this.text.add(line);
    this.#notify(line);
  }

  #notify(line: ParsedLogLine): void {
    const { onLine } = this.#options;
    if (onLine === undefined) return;
    const time = Number.isNaN(line.time) ? this.#scope.clock.now() : line.time;
    const delivered: LogLine = { stream: line.stream, line: line.text, time };
    onLine(delivered);
  }

  /** Whether a message is new to this read; keeps track of the newest one. */
  #accept(stamp: MessageStamp | undefined): boolean {
    if (stamp === undefined) {
      this.#accepted += 1;
      return true;
    }
    if (this.#seenBefore(stamp)) return false;
    this.#accepted += 1;
    const newest = this.#newest;
    const order = newest === undefined ? 1 : compareStamps(stamp, newest.stamp);
    if (order > 0) this.#newest = { stamp, count: 1 };
    else if (order === 0 && newest !== undefined) newest.count += 1;
    return true;
  }

  /** While resuming: whether the message was read before the stream was resumed. */
  #seenBefore(stamp: MessageStamp): boolean {
    const skip = this.#skip;
    if (skip === undefined) return false;
    const order = compareStamps(stamp, skip.stamp);
    if (order === 0 && skip.left > 0) {
      skip.left -= 1;
      return true;
    }
    if (order > 0) this.#skip = undefined;
    return order < 0;
  }

  #query(follow: boolean): Query {
    const { stream = "all" } = this.#options;
    const resumeAt = follow ? this.#newest?.stamp : undefined;
    const since = resumeAt === undefined ? sinceOfMs(this.#options.since) : engineSince(resumeAt);
    return {
      follow,
      stdout: stream !== "stderr",
      stderr: stream !== "stdout",
      timestamps: true,
      ...(since === undefined ? {} : { since }),
    };
  }

  /** Open the engine's log stream with `query` and feed `parser` until it ends, aborts or fails. */
  async #stream(parser: LogStreamParser, query: Query, idleTimeoutMs: number): Promise<StreamEnd> {
    const response = await this.#connect(query);
    if (response === undefined) return "aborted";
    return consume(response, parser, this.#options.signal, idleTimeoutMs, this.#context);
  }

  /** The engine's answer once its headers arrived, bounded by the call timeout and retried as any call; `undefined` when aborted. */
  #connect(query: Query): Promise<IncomingMessage | undefined> {
    const { signal } = this.#options;
    const { calls, docker } = this.#scope;
    const connecting = calls.call(this.#context, (timeout) => {
      if (signal?.aborted) throw new OperationAbortedError("getContainerLogs");
      return openLogStream(
        docker,
        this.#id,
        query,
        signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      );
    });
    if (signal === undefined) return connecting;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // Whatever the attempt still brings is dropped.
        connecting.then(
          (response) => response.destroy(),
          () => undefined,
        );
        resolve(undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      connecting.then(
        (response) => {
          signal.removeEventListener("abort", onAbort);
          resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) resolve(undefined);
          else reject(error);
        },
      );
    });
  }

  /** Whether the container still runs (a paused one does); a container that is gone does not. */
  async #running(): Promise<boolean> {
    const container = this.#scope.docker.getContainer(this.#id);
    try {
      const info = await this.#scope.calls.call(this.#context, (signal) => container.inspect({ abortSignal: signal }));
      return info.State.Running === true;
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return false;
      throw error;
    }
  }

  /** Wait `ms` unless the caller aborts first; `false` when aborted. */
  #pause(ms: number): Promise<boolean> {
    const { signal } = this.#options;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** `since` in ms as the engine's `seconds.nanoseconds`, exact to the millisecond. */
function sinceOfMs(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  if (seconds > LATEST_SINCE_SECONDS) return `${LATEST_SINCE_SECONDS}.000000000`;
  return engineSince({ seconds, nanos: (whole % 1000) * 1_000_000 });
}

function engineSince(stamp: MessageStamp): string {
  return `${stamp.seconds}.${String(stamp.nanos).padStart(9, "0")}`;
}

/**
 * `GET /containers/{id}/logs` as a stream: resolves with the response once
 * the engine sent its headers; the body is read by the caller.
 */
function openLogStream(docker: Docker, id: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${id}/logs?`,
        method: "GET",
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
        options: query,
      },
      (error, response) => {
        if (error !== null) reject(error);
        else resolve(response as IncomingMessage);
      },
    );
  });
}

/**
 * Feed the response's body to `parser` until the engine ends it
 * (`"ended"`), the caller aborts (`"aborted"`, the response destroyed), or
 * it fails: a connection that dies is a `NetworkError`, a body that stalls
 * for `idleTimeoutMs` a `TimeoutError` (both retryable), and an exception of
 * the caller's `onLine` is rethrown as it is.
 */
function consume(
  response: IncomingMessage,
  parser: LogStreamParser,
  signal: AbortSignal | undefined,
  idleTimeoutMs: number,
  context: ErrorMappingContext,
): Promise<StreamEnd> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const settle = (outcome: { end: StreamEnd } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      signal?.removeEventListener("abort", onAbort);
      if (!response.complete) response.destroy();
      if ("end" in outcome) resolve(outcome.end);
      else reject(outcome.error);
    };
    const onAbort = () => settle({ end: "aborted" });
    const armIdle = () => {
      if (!Number.isFinite(idleTimeoutMs)) return;
      clearTimeout(idle);
      idle = setTimeout(
        () => settle({ error: new TimeoutError("getContainerLogs", idleTimeoutMs, { context }) }),
        idleTimeoutMs,
      );
    };
    const lost = (cause?: unknown) => {
      if (signal?.aborted) {
        settle({ end: "aborted" });
        return;
      }
      const message = `The connection to the engine closed while reading the logs of container ${String(context.containerId)}: retry the call.`;
      settle({ error: new NetworkError(message, { cause, context }) });
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    armIdle();
    response.on("data", (chunk: Buffer) => {
      if (settled) return;
      armIdle();
      try {
        parser.push(chunk);
      } catch (error) {
        settle({ error });
      }
    });
    response.on("end", () => settle({ end: "ended" }));
    response.on("error", (error) => lost(error));
    response.on("close", () => lost());
  });
}
