/**
 * Capability `files`: `writeFile`, `readFile` and `readFileStream` on a
 * container's in-memory file system, with the rules of a Docker-like
 * runtime's archive API: the runtime writes (no permission bits apply), a
 * read-only mount refuses (`FileSystemError`, reason `read-only`), a parent
 * that is a file or a target that is a directory too; the file belongs to
 * the container's configured user, and missing parents are created (theirs
 * too, mode `0o755`). Content streams in without the whole file being held
 * twice; an abort rejects with `OperationAbortedError` and leaves the file as
 * it was. Files work in every status of the container, as a runtime's
 * archive API does, from creation until removal.
 *
 * @module
 */
import {
  ConfigurationError,
  DEFAULT_FILE_MODE,
  DEFAULT_READ_FILE_MAX_BYTES,
  type DriverError,
  type FileContent,
  FileNotFoundError,
  FilePathSchema,
  FileSystemError,
  issuesWithSchema,
  OperationAbortedError,
  parseWithSchema,
  type ReadFileOptions,
  ReadFileOptionsSchema,
  ResourceLimitError,
  type WriteFileOptions,
  WriteFileOptionsSchema,
} from "../../src/index.js";
import { credentialsOf, machineOf } from "./container-machine.js";
import { RUNTIME_CREDENTIALS } from "./fs/credentials.js";
import type { ReadSource } from "./fs/special.js";
import { FsError } from "./fs/tree.js";
import { deviceInput } from "./machine/streams.js";
import { checkId, delay, failureContext, injectFault, requireContainer } from "./operation.js";
import type { EngineState } from "./state.js";

const encoder = new TextEncoder();

/** The reason a `FileSystemError` names for each errno. */
const REASONS: Readonly<Record<string, string>> = {
  EROFS: "read-only",
  ENOTDIR: "not-a-directory",
  EISDIR: "is-a-directory",
  ENOSPC: "no-space",
};

function checkPath(path: unknown): asserts path is string {
  const issues = issuesWithSchema(FilePathSchema, path);
  if (issues.length === 0) return;
  const listed = issues.map((issue) => `path: ${issue.message}`).join("; ");
  throw new ConfigurationError(`Invalid file path ${JSON.stringify(path)}: ${listed}`, {
    issues: issues.map((issue) => ({ ...issue, path: issue.path === "" ? "path" : `path.${issue.path}` })),
  });
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === "function"
  );
}

function aborted(state: EngineState, operation: string, id: string, signal: AbortSignal): OperationAbortedError {
  return new OperationAbortedError(operation, {
    cause: signal.reason,
    context: { driver: state.name, operation, containerId: id },
  });
}

/** A file system refusal as the contract's error for the operation. */
function fileError(
  state: EngineState,
  error: FsError,
  operation: string,
  id: string,
  path: string,
  reading: boolean,
): DriverError {
  if (error.code === "ENOENT" || (reading && error.code === "ENOTDIR")) {
    return new FileNotFoundError(id, path, { context: failureContext(state, operation, "noFile", id, path) });
  }
  const reason = REASONS[error.code] ?? error.code.toLowerCase();
  const context = {
    ...failureContext(state, operation, "fileSystem", id, error.message),
    containerId: id,
    path,
    reason,
    errno: error.code,
  };
  return new FileSystemError(`Container '${id}' refused ${operation} of '${path}': ${error.message} (${reason}).`, {
    context,
  });
}

/** Run `action`; a file system refusal becomes the contract's error. */
async function mapped<T>(
  state: EngineState,
  operation: string,
  id: string,
  path: string,
  reading: boolean,
  action: () => T | Promise<T>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw error instanceof FsError ? fileError(state, error, operation, id, path, reading) : error;
  }
}

/** Rejects with what `error` makes once `signal` aborts. */
function whenAborted(signal: AbortSignal, error: () => unknown): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(error());
    else signal.addEventListener("abort", () => reject(error()), { once: true });
  });
}

/** The chunks of `content`, each copied (the caller may reuse its buffers); waiting for a chunk ends on abort. */
async function* contentChunks(
  content: FileContent,
  signal: AbortSignal | undefined,
  onAbort: () => unknown,
): AsyncGenerator<Uint8Array> {
  if (typeof content === "string") {
    yield encoder.encode(content);
    return;
  }
  if (content instanceof Uint8Array) {
    yield content.slice();
    return;
  }
  const iterator = content[Symbol.asyncIterator]();
  const abort = signal === undefined ? undefined : whenAborted(signal, onAbort);
  abort?.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const next = await (abort === undefined ? iterator.next() : Promise.race([iterator.next(), abort]));
      if (next.done === true) {
        finished = true;
        return;
      }
      if (!(next.value instanceof Uint8Array)) {
        throw new ConfigurationError("Every chunk of the content must be a Uint8Array.", {
          issues: [{ path: "content", message: "chunks must be Uint8Array" }],
        });
      }
      yield next.value.slice();
    }
  } finally {
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/**
 * `writeFile`.
 *
 * @example
 * ```ts
 * await writeFile(state, id, "/tmp/input.json", JSON.stringify(task), { mode: 0o600 });
 * ```
 */
export async function writeFile(
  state: EngineState,
  id: string,
  path: string,
  content: FileContent,
  options?: WriteFileOptions,
): Promise<void> {
  const operation = "writeFile";
  checkId(id, "container");
  checkPath(path);
  if (typeof content !== "string" && !(content instanceof Uint8Array) && !isAsyncIterable(content)) {
    throw new ConfigurationError("The content must be a string, a Uint8Array or an async iterable of Uint8Array.", {
      issues: [{ path: "content", message: "must be a string, a Uint8Array or an AsyncIterable<Uint8Array>" }],
    });
  }
  const { mode, signal } = parseWithSchema(WriteFileOptionsSchema, options ?? {}, "writeFile options");
  await delay(state);
  injectFault(state, operation, id);
  const record = requireContainer(state, id, operation);
  if (signal?.aborted === true) throw aborted(state, operation, id, signal);
  const machine = machineOf(state, record);
  const owner = credentialsOf(machine, record.config, record.config.security.user);
  const abortError = () => (signal === undefined ? undefined : aborted(state, operation, id, signal));
  const release = state.timers.hold();
  try {
    await mapped(state, operation, id, path, false, () =>
      machine.fs.replaceFile(path, contentChunks(content, signal, abortError), {
        mode: mode ?? DEFAULT_FILE_MODE,
        owner,
        ...(signal === undefined ? {} : { signal }),
      }),
    );
  } catch (error) {
    // Read again: the signal may have aborted while the content streamed.
    if (isAborted(signal) && !(error instanceof FileSystemError))
      throw aborted(state, operation, id, signal as AbortSignal);
    throw error;
  } finally {
    release();
  }
}

/** Open `path` of container `id` as the runtime does, after the usual checks. */
async function openFile(
  state: EngineState,
  operation: "readFile" | "readFileStream",
  id: string,
  path: string,
  signal: AbortSignal | undefined,
): Promise<ReadSource> {
  await delay(state);
  injectFault(state, operation, id);
  const record = requireContainer(state, id, operation);
  if (signal?.aborted === true) throw aborted(state, operation, id, signal);
  const machine = machineOf(state, record);
  return mapped(state, operation, id, path, true, () => machine.fs.open(path, { cred: RUNTIME_CREDENTIALS }));
}

/**
 * `readFile`: the whole file, at most `maxBytes` (default 64 MiB; larger is
 * `ResourceLimitError` with resource `fileBytes`).
 *
 * @example
 * ```ts
 * const bytes = await readFile(state, id, "/etc/passwd");
 * ```
 */
export async function readFile(
  state: EngineState,
  id: string,
  path: string,
  options?: ReadFileOptions,
): Promise<Uint8Array> {
  const operation = "readFile";
  checkId(id, "container");
  checkPath(path);
  const { maxBytes = DEFAULT_READ_FILE_MAX_BYTES, signal } = parseWithSchema(
    ReadFileOptionsSchema,
    options ?? {},
    "readFile options",
  );
  const source = await openFile(state, operation, id, path, signal);
  const tooLarge = (size: number) =>
    new ResourceLimitError("fileBytes", maxBytes, size, {
      context: { driver: state.name, operation, containerId: id, path },
    });
  if (source.kind === "bytes") {
    if (source.size > maxBytes) throw tooLarge(source.size);
    return new Uint8Array(
      Buffer.concat(source.chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
    );
  }
  const input = deviceInput(source.device, state.random);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (
    let chunk = await input.read(new AbortController().signal);
    chunk !== null;
    chunk = await input.read(new AbortController().signal)
  ) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(size);
    parts.push(chunk);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * `readFileStream`: resolves once the file is found (a missing one rejects
 * here) with an iterable of copies of its chunks; the iteration rejects with
 * `OperationAbortedError` once `signal` aborts.
 *
 * @example
 * ```ts
 * for await (const chunk of await readFileStream(state, id, "/tmp/big.bin")) total += chunk.byteLength;
 * ```
 */
export async function readFileStream(
  state: EngineState,
  id: string,
  path: string,
  options?: ReadFileOptions,
): Promise<AsyncIterable<Uint8Array>> {
  const operation = "readFileStream";
  checkId(id, "container");
  checkPath(path);
  const { signal } = parseWithSchema(ReadFileOptionsSchema, options ?? {}, "readFileStream options");
  const source = await openFile(state, operation, id, path, signal);
  const stop = new AbortController().signal;
  const input = source.kind === "device" ? deviceInput(source.device, state.random) : undefined;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (source.kind === "bytes") {
      for (const chunk of source.chunks) {
        if (signal?.aborted === true) throw aborted(state, operation, id, signal);
        yield chunk.slice();
      }
      return;
    }
    for (;;) {
      if (signal?.aborted === true) throw aborted(state, operation, id, signal);
      const chunk = await input?.read(stop);
      if (chunk === null || chunk === undefined) return;
      yield chunk.slice();
    }
  }
  return { [Symbol.asyncIterator]: chunks };
}
