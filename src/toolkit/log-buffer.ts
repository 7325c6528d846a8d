/**
 * A container's output held in memory with the contract's log semantics, for
 * a driver whose runtime keeps no logs itself (a child process, a mock).
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.js";
import { DEFAULT_LOG_MAX_BYTES, type LogLine, type LogOptions } from "../contract/schemas.js";
import { parseLogOptions } from "../validation.js";
import { LogWindow, type LogTextOptions, renderLogLine, selectLogLines } from "./log-text.js";

/** The two output streams of a process. */
export type LogStreamName = LogLine["stream"];

/** Options of {@link LogBuffer}. */
export type LogBufferOptions = {
  /** Where line times come from, so tests can pin them. Default `systemClock`. */
  readonly clock?: Clock;
  /**
   * The most characters the buffer keeps; beyond it the oldest lines are
   * dropped (and counted, so a read of the start says how much is gone).
   * A line longer than this is split. Memory stays bounded however long the
   * container writes. Default `DEFAULT_LOG_MAX_BYTES` (16 MiB).
   */
  readonly capacity?: number;
};

type Pending = { text: string; time: number };

type Follower = {
  readonly accept: (line: LogLine) => void;
  readonly finish: () => void;
};

/**
 * A container's output: `write` what the process prints, `begin` when it
 * starts and `end` when it stops, and `read` with the contract's
 * `LogOptions` (`tail`, `since`, `timestamps`, `stream`, `maxBytes` with
 * `LOG_TRUNCATION_NOTICE`, `follow` that waits until `end`, `signal` that
 * ends a follow with the lines so far, `onLine` as lines arrive).
 *
 * Lines are split at `\n`; text after the last newline is held until the
 * newline or `end` arrives (a read shows it; `onLine` gets it once complete).
 *
 * @example
 * ```ts
 * const logs = new LogBuffer();
 * logs.begin();
 * child.stdout.on("data", (chunk) => logs.write("stdout", chunk));
 * child.stderr.on("data", (chunk) => logs.write("stderr", chunk));
 * child.on("close", () => logs.end());
 * const lastTen = await logs.read({ tail: 10, timestamps: true });
 * ```
 */
export class LogBuffer {
  /** The most characters kept; see {@link LogBufferOptions.capacity}. */
  readonly capacity: number;
  readonly #clock: Clock;
  readonly #lines: LogLine[] = [];
  #first = 0;
  #size = 0;
  readonly #pending: Record<LogStreamName, Pending | undefined> = { stdout: undefined, stderr: undefined };
  readonly #decoders: Partial<Record<LogStreamName, InstanceType<typeof TextDecoder>>> = {};
  readonly #dropped: Record<LogStreamName, number> = { stdout: 0, stderr: 0 };
  #lastDroppedTime = Number.NEGATIVE_INFINITY;
  #running = false;
  readonly #followers = new Set<Follower>();

  constructor(options: LogBufferOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    const capacity = options.capacity ?? DEFAULT_LOG_MAX_BYTES;
    this.capacity = Number.isFinite(capacity) && capacity >= 1 ? Math.floor(capacity) : DEFAULT_LOG_MAX_BYTES;
  }

  /** Whether the producer runs: between {@link LogBuffer.begin} and {@link LogBuffer.end}, a follow waits. */
  get running(): boolean {
    return this.#running;
  }

  /** Characters dropped because of `capacity`, per stream. */
  get dropped(): Readonly<Record<LogStreamName, number>> {
    return { ...this.#dropped };
  }

  /** The producer started (the container runs): follows from now on wait for {@link LogBuffer.end}. */
  begin(): void {
    this.#running = true;
  }

  /**
   * The producer stopped: text held after the last newline becomes a line,
   * and every follow resolves. Writing afterwards still works (a restart
   * calls `begin` again).
   */
  end(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const tail = this.#decoders[stream]?.decode();
      if (tail) this.#append(stream, tail, this.#clock.now());
      this.#flushPending(stream);
    }
    this.#running = false;
    const followers = [...this.#followers];
    this.#followers.clear();
    for (const follower of followers) follower.finish();
  }

  /**
   * Add output of `stream`. Bytes are decoded as UTF-8 across chunks (a
   * character split between two chunks arrives whole).
   *
   * @param time - when it was written, ms since the epoch; default the clock's now.
   */
  write(stream: LogStreamName, chunk: string | Uint8Array, time: number = this.#clock.now()): void {
    let text: string;
    if (typeof chunk === "string") {
      text = chunk;
    } else {
      this.#decoders[stream] ??= new TextDecoder("utf-8");
      text = (this.#decoders[stream] as InstanceType<typeof TextDecoder>).decode(chunk, { stream: true });
    }
    this.#append(stream, text, time);
  }

  /** Every line held, oldest first; text after the last newline of each stream comes last, as a line. */
  lines(): LogLine[] {
    const lines = this.#lines.slice(this.#first);
    const partial = (["stdout", "stderr"] as const)
      .map((stream) => ({ stream, pending: this.#pending[stream] }))
      .filter((entry): entry is { stream: LogStreamName; pending: Pending } => entry.pending !== undefined)
      .sort((a, b) => a.pending.time - b.pending.time);
    for (const { stream, pending } of partial) lines.push({ stream, line: pending.text, time: pending.time });
    return lines;
  }

  /**
   * The log text for `options` (validated: `ConfigurationError` for invalid
   * options). With `follow` while running, waits for {@link LogBuffer.end}
   * or an abort of `signal`, delivering each new line to `onLine` as it
   * arrives; the text kept meanwhile stays within `maxBytes`.
   *
   * @example
   * ```ts
   * await logs.read({ follow: true, onLine: ({ line }) => console.log(line), signal });
   * ```
   */
  async read(options: LogOptions = {}): Promise<string> {
    const parsed = parseLogOptions(options);
    const following = parsed.follow === true && this.#running && parsed.signal?.aborted !== true;
    // A follow shows text after the last newline once its line is complete, so it is shown once, whole.
    const selected = selectLogLines(following ? this.#completeLines() : this.lines(), parsed);
    const window = new LogWindow(parsed.maxBytes ?? DEFAULT_LOG_MAX_BYTES, this.#omittedBefore(parsed, selected));
    for (const line of selected) {
      window.push(renderLogLine(line, parsed.timestamps));
      parsed.onLine?.(line);
    }
    if (!following) return window.text();
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        this.#followers.delete(follower);
        resolve();
      };
      const follower: Follower = {
        accept: (line) => {
          if (parsed.stream !== undefined && parsed.stream !== "all" && line.stream !== parsed.stream) return;
          if (parsed.since !== undefined && line.time < parsed.since) return;
          window.push(renderLogLine(line, parsed.timestamps));
          parsed.onLine?.(line);
        },
        finish: () => {
          parsed.signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.#followers.add(follower);
      parsed.signal?.addEventListener("abort", onAbort, { once: true });
    });
    return window.text();
  }

  #completeLines(): LogLine[] {
    return this.#lines.slice(this.#first);
  }

  /** Characters dropped by `capacity` that this read would have shown, so its notice counts them. */
  #omittedBefore(options: LogTextOptions, selected: readonly LogLine[]): number {
    if (options.tail !== undefined && selected.length >= options.tail) return 0;
    if (options.since !== undefined && options.since > this.#lastDroppedTime) return 0;
    const stream = options.stream ?? "all";
    if (stream === "all") return this.#dropped.stdout + this.#dropped.stderr;
    return this.#dropped[stream];
  }

  #append(stream: LogStreamName, text: string, time: number): void {
    let rest = text;
    while (rest !== "") {
      const newline = rest.indexOf("\n");
      const piece = newline < 0 ? rest : rest.slice(0, newline);
      const pending = this.#pending[stream];
      if (pending === undefined) this.#pending[stream] = { text: piece, time };
      else pending.text += piece;
      // A line longer than the buffer could ever hold is split, so no line grows without bound.
      const current = this.#pending[stream] as Pending;
      while (current.text.length >= this.capacity) {
        const head = current.text.slice(0, this.capacity - 1);
        current.text = current.text.slice(this.capacity - 1);
        this.#complete({ stream, line: head, time: current.time });
      }
      if (newline < 0) return;
      this.#flushPending(stream);
      rest = rest.slice(newline + 1);
    }
  }

  #flushPending(stream: LogStreamName): void {
    const pending = this.#pending[stream];
    if (pending === undefined) return;
    this.#pending[stream] = undefined;
    this.#complete({ stream, line: pending.text, time: pending.time });
  }

  #complete(line: LogLine): void {
    this.#lines.push(line);
    this.#size += line.line.length + 1;
    while (this.#size > this.capacity && this.#lines.length - this.#first > 1) {
      const dropped = this.#lines[this.#first] as LogLine;
      this.#first += 1;
      this.#size -= dropped.line.length + 1;
      this.#dropped[dropped.stream] += dropped.line.length + 1;
      this.#lastDroppedTime = Math.max(this.#lastDroppedTime, dropped.time);
    }
    if (this.#first > 1024 && this.#first * 2 > this.#lines.length) {
      this.#lines.splice(0, this.#first);
      this.#first = 0;
    }
    for (const follower of this.#followers) follower.accept(line);
  }
}
