/**
 * The content of a `writeFile`, with its size known before it is sent. A tar
 * entry states its size in its header, ahead of the bytes, and the engine's
 * archive API takes nothing but tar; so content of unknown length (an async
 * iterable) is read to its end first. The first few MiB are kept in memory;
 * beyond that the content goes to a spool file on the host's disk, unlinked
 * as soon as it is opened, so that it is never left behind, whatever happens
 * to the process, and memory stays flat however large the file.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { ReadStream } from "node:fs";
import { type FileHandle, open, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ConfigurationError, type FileContent, OperationAbortedError } from "../../../src/index.js";

/** Content of a known size, readable once as chunks. */
export type SizedContent = {
  /** Bytes in all. */
  readonly size: number;
  /** The bytes, in chunks of at most {@link CONTENT_CHUNK_BYTES}. Read it once. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Free what holds the content (the spool file). Idempotent. */
  release(): Promise<void>;
};

/** The most bytes of an async iterable kept in memory before the rest is spooled to disk: 4 MiB. */
export const IN_MEMORY_CONTENT_BYTES = 4 * 1024 * 1024;

/** Size of the chunks handed on: 1 MiB, large enough for few system calls, small enough to stream. */
export const CONTENT_CHUNK_BYTES = 1024 * 1024;

/** What {@link sizeContent} needs besides the content. */
export type SizeContentOptions = {
  /** The caller's signal: aborting stops reading the content with `OperationAbortedError`. */
  readonly signal?: AbortSignal | undefined;
  /** The host directory of spool files. */
  readonly spoolDirectory: string;
  /** The operation, for error messages. */
  readonly operation: string;
};

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += CONTENT_CHUNK_BYTES) {
    yield bytes.subarray(offset, Math.min(offset + CONTENT_CHUNK_BYTES, bytes.byteLength));
  }
}

function inMemory(bytes: Uint8Array): SizedContent {
  return {
    size: bytes.byteLength,
    async *chunks() {
      yield* slices(bytes);
    },
    release: async () => undefined,
  };
}

/** `promise`, or `OperationAbortedError` as soon as `signal` aborts. */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, operation: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OperationAbortedError(operation, { cause: signal.reason }));
    if (signal.aborted) {
      promise.catch(() => undefined);
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

async function openSpool(directory: string): Promise<FileHandle> {
  const path = join(directory, `openagent-write-${randomUUID()}`);
  const handle = await open(path, "wx+", 0o600);
  try {
    await unlink(path);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function spooled(handle: FileHandle, size: number): SizedContent {
  let released = false;
  return {
    size,
    chunks: () => handle.createReadStream({ start: 0, autoClose: false, highWaterMark: CONTENT_CHUNK_BYTES }),
    async release() {
      if (released) return;
      released = true;
      await handle.close();
    },
  };
}

/**
 * The size of a file stream (`fs.createReadStream(path)`) that has not
 * started and reads a whole regular file: the file's size. `undefined` for
 * anything else, which is then sized by reading it. The common way to upload
 * a host file so skips the spool; should the file change size meanwhile, the
 * archive entry's size check fails the write.
 */
async function fileStreamSize(content: AsyncIterable<Uint8Array>): Promise<number | undefined> {
  if (!(content instanceof ReadStream)) return undefined;
  const { path, bytesRead } = content;
  const { start, end } = content as ReadStream & { start?: number; end?: number };
  const whole = (start === undefined || start === 0) && (end === undefined || end === Number.POSITIVE_INFINITY);
  if (!whole || bytesRead !== 0 || (typeof path !== "string" && !Buffer.isBuffer(path))) return undefined;
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `content` with its size: a string as UTF-8, bytes as they are (not
 * copied: leave them unchanged until the write settles), a file stream of a
 * whole regular file as it is (its size from the file), any other async
 * iterable read to its end, in memory up to {@link IN_MEMORY_CONTENT_BYTES}
 * and in an unlinked spool file beyond. A chunk that is not a `Uint8Array` is a
 * `ConfigurationError` naming `content`; an abort is an
 * `OperationAbortedError`, and the iterable is closed (`return()`) either way.
 *
 * @example
 * ```ts
 * const sized = await sizeContent(fs.createReadStream(path), { spoolDirectory: tmpdir(), operation: "writeFile" });
 * try { upload(sized.size, sized.chunks()); } finally { await sized.release(); }
 * ```
 */
export async function sizeContent(content: FileContent, options: SizeContentOptions): Promise<SizedContent> {
  if (typeof content === "string") return inMemory(Buffer.from(content, "utf8"));
  if (content instanceof Uint8Array) return inMemory(content);
  const { signal, operation } = options;
  const knownSize = await fileStreamSize(content);
  if (knownSize !== undefined) {
    return {
      size: knownSize,
      chunks: () => content,
      release: async () => void (content as ReadStream).destroy(),
    };
  }
  const iterator = content[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let size = 0;
  let spool: FileHandle | undefined;
  let finished = false;
  try {
    for (let index = 0; ; index++) {
      const next = await unlessAborted(iterator.next(), signal, operation);
      if (next.done === true) break;
      const chunk: unknown = next.value;
      if (!(chunk instanceof Uint8Array)) {
        const message = `chunk ${index} of the content is not a Uint8Array`;
        throw new ConfigurationError(`Invalid file content: ${message}`, { issues: [{ path: "content", message }] });
      }
      size += chunk.byteLength;
      if (spool !== undefined) {
        await unlessAborted(writeAll(spool, chunk), signal, operation);
        continue;
      }
      // Copied: a producer may reuse its buffer once the next chunk is asked for.
      held.push(Uint8Array.prototype.slice.call(chunk));
      if (size > IN_MEMORY_CONTENT_BYTES) {
        spool = await openSpool(options.spoolDirectory);
        for (const part of held.splice(0)) await unlessAborted(writeAll(spool, part), signal, operation);
      }
    }
    finished = true;
  } catch (error) {
    await spool?.close().catch(() => undefined);
    throw error;
  } finally {
    // A producer blocked in its own await learns of the end once that settles; waiting for it could hang.
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
  if (spool !== undefined) return spooled(spool, size);
  return inMemory(held.length === 1 ? (held[0] as Uint8Array) : Buffer.concat(held));
}
