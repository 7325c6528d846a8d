/**
 * Reading through the engine's archive API: `GET` a path, follow a final
 * link to its target (the engine does not), refuse a directory before its
 * archive is read, take the file's bytes out of the tar as they arrive; and
 * what the engine's answers to any archive request mean in the contract's
 * errors.
 *
 * @module
 */
import type { Readable } from "node:stream";
import {
  ContainerNotFoundError,
  type DriverError,
  FileNotFoundError,
  isDriverError,
  OperationAbortedError,
  ResourceLimitError,
  toDriverError,
  UnexpectedError,
} from "../../../src/index.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { unlessAborted } from "./files-content.js";
import { type ExtractedEntry, firstEntry } from "./files-tar.js";
import {
  archiveAnswer,
  fileSystemError,
  kindOfMode,
  MAX_LINK_HOPS,
  type PathStat,
  parsePathStat,
} from "./files-target.js";

/** The file operations, for contexts and errors. */
export type Operation = "writeFile" | "readFile" | "readFileStream";

/** What each file system refusal of the engine means, for the error message. */
const ANSWER_TEXT = {
  "read-only":
    "the engine refused to write there because it is read-only (a read-only root or mount, reached through a link)",
  "not-a-directory": "an element of the path is not a directory",
  "is-a-directory": "a directory is in the way",
  "no-space": "the file system is full",
} as const;

/** The engine's own message of a dockerode error (JSON body, or the text of a streamed answer). */
export function answerText(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (typeof json?.message === "string") return json.message;
  return error instanceof Error ? error.message : String(error);
}

/** `OperationAbortedError` when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: Operation): void {
  if (signal?.aborted === true) throw new OperationAbortedError(operation, { cause: signal.reason });
}

/** The header that carries the engine's stat of the requested path. */
export const STAT_HEADER = "x-docker-container-path-stat";

/** Open the file at `path` (following a final link): its stat and its first archive entry. */
export async function openFile(
  scope: EngineScope,
  id: string,
  path: string,
  operation: Operation,
  signal: AbortSignal | undefined,
  hops = 0,
): Promise<{ stat: PathStat; entry: ExtractedEntry }> {
  const container = scope.docker.getContainer(id);
  const answer = await unlessAborted(
    scope.calls.call({ operation, containerId: id }, async (timeout) => {
      try {
        const transfer = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
        return (await container.getArchive({ path, abortSignal: transfer })) as NodeJS.ReadableStream & {
          headers: Record<string, string | string[] | undefined>;
          destroy(): void;
        };
      } catch (error) {
        throw archiveError(error, id, path, operation);
      }
    }),
    signal,
    operation,
  );
  const stat = parsePathStat(answer.headers[STAT_HEADER]);
  const kind = stat === undefined ? "file" : kindOfMode(stat.mode);
  if (stat !== undefined && kind === "symlink") {
    answer.destroy();
    if (hops >= MAX_LINK_HOPS || !stat.linkTarget.startsWith("/")) {
      throw fileSystemError("not-a-directory", path, `Cannot read '${path}': too many levels of links.`, {
        operation,
        containerId: id,
      });
    }
    // The engine resolved the link inside the container; a dangling one is a missing file.
    try {
      return await openFile(scope, id, stat.linkTarget, operation, signal, hops + 1);
    } catch (error) {
      if (error instanceof FileNotFoundError) throw new FileNotFoundError(id, path, { context: { operation } });
      throw error;
    }
  }
  if (kind === "directory") {
    answer.destroy();
    throw fileSystemError("is-a-directory", path, `Cannot read '${path}': it is a directory.`, {
      operation,
      containerId: id,
    });
  }
  const entry = await firstEntry(answer as unknown as Readable);
  if (entry === undefined || entry.header.type !== "file" || kind === "other") {
    await entry?.chunks[Symbol.asyncIterator]().return?.();
    throw fileSystemError("not-a-file", path, `Cannot read '${path}': it is not a regular file.`, {
      operation,
      containerId: id,
    });
  }
  return { stat: stat ?? { name: path, size: entry.header.size, mode: entry.header.mode, linkTarget: "" }, entry };
}

/**
 * The whole file at `path`, at most `maxBytes` (checked against its size
 * before a byte is read: `ResourceLimitError`, resource `fileBytes`).
 */
export async function readWhole(
  scope: EngineScope,
  id: string,
  path: string,
  maxBytes: number,
  operation: Operation,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const { entry } = await openFile(scope, id, path, operation, signal);
  const size = entry.header.size;
  if (size > maxBytes) {
    await entry.chunks[Symbol.asyncIterator]().return?.();
    throw new ResourceLimitError("fileBytes", maxBytes, size, { context: { operation, containerId: id, path } });
  }
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of entry.chunks) {
    throwIfAborted(signal, operation);
    if (offset + chunk.byteLength > size) {
      throw new UnexpectedError(`The engine sent more of '${path}' than its size.`);
    }
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== size) throw new UnexpectedError(`The engine sent ${offset} of the ${size} bytes of '${path}'.`);
  return bytes;
}

/** A contract error for a failed archive request: the engine's answer as the contract names it. */
export function archiveError(error: unknown, id: string, path: string, operation: Operation): DriverError {
  if (isDriverError(error)) return error;
  const answer = archiveAnswer(statusCodeOf(error), answerText(error));
  const context = { operation, containerId: id };
  if (answer === "missing-container") return new ContainerNotFoundError(id, { cause: error, context: { operation } });
  if (answer === "missing-file") {
    if (operation !== "writeFile") return new FileNotFoundError(id, path, { cause: error, context: { operation } });
    return fileSystemError("not-a-directory", path, `Cannot write '${path}': its directory disappeared.`, {
      ...context,
      cause: error,
    });
  }
  if (answer !== undefined) {
    // The engine's own words name host paths (its storage directories); they stay in `cause`.
    const doing = operation === "writeFile" ? "write" : "read";
    return fileSystemError(answer, path, `Cannot ${doing} '${path}': ${ANSWER_TEXT[answer]}.`, {
      ...context,
      cause: error,
    });
  }
  return toDriverError(error, context);
}
