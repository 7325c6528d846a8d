/**
 * The standard streams of the mock's processes: what a process reads
 * (bytes given up front, a file, a device, the read end of a pipe) and where
 * it writes (a container's log, an exec's output, a file, the write end of a
 * pipe, nowhere). A pipe holds at most {@link PIPE_CAPACITY} bytes, so a
 * writer waits for its reader and memory stays bounded whatever flows
 * through it; a writer whose reader is gone gets {@link BrokenPipe}, as on
 * Linux. Streams count their holders (`retain`/`release`): a pipe reads as
 * ended only once every process that could write to it has let go.
 *
 * @module
 */
import type { DeviceName } from "../fs/tree.js";

/** What a process reads from: chunks until `null` (end of input). */
export type Input = {
  read(signal: AbortSignal): Promise<Uint8Array | null>;
  retain(): void;
  release(): void;
};

/** Where a process writes to. `write` may return a promise: wait for it before writing more. */
export type Output = {
  write(chunk: Uint8Array, signal: AbortSignal): void | Promise<void>;
  retain(): void;
  release(): void;
};

/** Writing to a pipe nobody reads any more; the shell's answer is to end the writer (SIGPIPE). */
export class BrokenPipe extends Error {
  override name = "BrokenPipe";
  constructor() {
    super("Broken pipe");
  }
}

/** How many bytes a pipe holds before its writer waits (Linux's default pipe size). */
export const PIPE_CAPACITY = 65_536;

const NO_COUNT = { retain: () => undefined, release: () => undefined };

/** An input that has ended already: what a process gets when nothing is written to its standard input. */
export const EMPTY_INPUT: Input = Object.freeze({ read: () => Promise.resolve(null), ...NO_COUNT });

/** An output that keeps nothing: `/dev/null`. */
export const NULL_OUTPUT: Output = Object.freeze({ write: () => undefined, ...NO_COUNT });

/**
 * An input of bytes known up front (a config's or a request's `stdin`, a
 * file's chunks), then its end.
 *
 * @example
 * ```ts
 * const input = bytesInput([new TextEncoder().encode("hello\n")]);
 * ```
 */
export function bytesInput(chunks: readonly Uint8Array[]): Input {
  let next = 0;
  return {
    read: () => Promise.resolve(next < chunks.length ? (chunks[next++] as Uint8Array) : null),
    ...NO_COUNT,
  };
}

/** A 64 KiB block of zeros, shared: readers never change what they read. */
const ZEROS = new Uint8Array(PIPE_CAPACITY);

/**
 * What reading a device gives: nothing for `null`, zeros without end for
 * `zero`, numbers from `random` without end for `random` and `urandom`.
 */
export function deviceInput(device: DeviceName, random: () => number): Input {
  if (device === "zero") return { read: () => Promise.resolve(ZEROS), ...NO_COUNT };
  if (device === "random" || device === "urandom") {
    return {
      read: () => {
        const block = new Uint8Array(4_096);
        for (let index = 0; index < block.length; index++) block[index] = Math.floor(random() * 256);
        return Promise.resolve(block);
      },
      ...NO_COUNT,
    };
  }
  return EMPTY_INPUT;
}

/**
 * An output that hands each chunk to `sink` at once (a log, an exec's
 * collector, a file); `sink` may throw (a full file system).
 */
export function sinkOutput(sink: (chunk: Uint8Array) => void): Output {
  return { write: (chunk) => sink(chunk), ...NO_COUNT };
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void; signal: AbortSignal; onAbort: () => void };

function waiterFor(
  signal: AbortSignal,
  resolve: () => void,
  reject: (error: unknown) => void,
  remove: (w: Waiter) => void,
): Waiter {
  const waiter: Waiter = {
    resolve,
    reject,
    signal,
    onAbort: () => {
      remove(waiter);
      reject(signal.reason);
    },
  };
  signal.addEventListener("abort", waiter.onAbort, { once: true });
  return waiter;
}

function remove(waiters: Waiter[], waiter: Waiter): void {
  const index = waiters.indexOf(waiter);
  if (index >= 0) waiters.splice(index, 1);
}

function settle(waiter: Waiter, error?: unknown): void {
  waiter.signal.removeEventListener("abort", waiter.onAbort);
  if (error === undefined) waiter.resolve();
  else waiter.reject(error);
}

/**
 * A pipe: `writer` for the process on its left, `reader` for the one on its
 * right. The reader sees the end once every holder of the writer released
 * it; writers see {@link BrokenPipe} once every holder of the reader did.
 *
 * @example
 * ```ts
 * const pipe = new Pipe();
 * await pipe.writer.write(chunk, signal);
 * pipe.writer.release(); // the reader now reads what is left, then null
 * ```
 */
export class Pipe {
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #writers = 1;
  #readers = 1;
  readonly #readWaiters: Waiter[] = [];
  readonly #writeWaiters: Waiter[] = [];

  readonly writer: Output = {
    write: (chunk, signal) => {
      if (this.#readers === 0) throw new BrokenPipe();
      if (chunk.byteLength === 0) return undefined;
      this.#chunks.push(chunk);
      this.#buffered += chunk.byteLength;
      this.#wakeReader();
      if (this.#buffered <= PIPE_CAPACITY) return undefined;
      return new Promise<void>((resolve, reject) => {
        this.#writeWaiters.push(waiterFor(signal, resolve, reject, (w) => remove(this.#writeWaiters, w)));
      });
    },
    retain: () => {
      this.#writers++;
    },
    release: () => {
      if (this.#writers === 0) return;
      this.#writers--;
      if (this.#writers === 0) this.#wakeReader();
    },
  };

  readonly reader: Input = {
    read: (signal) => {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        this.#buffered -= chunk.byteLength;
        this.#wakeWriters();
        return Promise.resolve(chunk);
      }
      if (this.#writers === 0) return Promise.resolve(null);
      return new Promise<void>((resolve, reject) => {
        this.#readWaiters.push(waiterFor(signal, resolve, reject, (w) => remove(this.#readWaiters, w)));
      }).then(() => this.reader.read(signal));
    },
    retain: () => {
      this.#readers++;
    },
    release: () => {
      if (this.#readers === 0) return;
      this.#readers--;
      if (this.#readers > 0) return;
      // Nobody will read what is buffered: drop it, and fail the writers that wait.
      this.#chunks.length = 0;
      this.#buffered = 0;
      for (const waiter of this.#writeWaiters.splice(0)) settle(waiter, new BrokenPipe());
    },
  };

  #wakeReader(): void {
    for (const waiter of this.#readWaiters.splice(0)) settle(waiter);
  }

  #wakeWriters(): void {
    if (this.#buffered > PIPE_CAPACITY) return;
    for (const waiter of this.#writeWaiters.splice(0)) settle(waiter);
  }
}

/**
 * Every chunk of `input` until its end.
 *
 * @example
 * ```ts
 * for await (const chunk of chunksOf(context.stdin, context.signal)) total += chunk.byteLength;
 * ```
 */
export async function* chunksOf(input: Input, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  for (;;) {
    const chunk = await input.read(signal);
    if (chunk === null) return;
    yield chunk;
  }
}
