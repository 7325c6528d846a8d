/**
 * Capability `files`: binary-safe, streamed file transfer into and out of a
 * container. Paths are absolute and normalised ({@link FilePathSchema});
 * content is a string, bytes, or an async iterable of byte chunks, so large
 * files stream without being held in memory.
 *
 * @module
 */
import { z } from "zod";
import { abortSignalSchema } from "./schemas.js";

/** The most bytes `readFile` holds when the caller gives no `maxBytes`: 64 MiB. Larger files: `readFileStream`. */
export const DEFAULT_READ_FILE_MAX_BYTES = 67_108_864;

/** The mode of a file `writeFile` creates when the caller gives none: `0o644` (owner writes, everyone reads). */
export const DEFAULT_FILE_MODE = 0o644;

/**
 * What `writeFile` writes: a string (as UTF-8), bytes, or an async iterable of
 * byte chunks (a Node stream is one), which the driver streams without
 * holding the whole file.
 */
export type FileContent = string | Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Options of `writeFile`. Strict.
 *
 * - `mode`: the file's permission bits, `0` to `0o7777`; default
 *   {@link DEFAULT_FILE_MODE}. The file belongs to the container's configured
 *   user (`security.user`); missing parent directories are created, owned by
 *   that user, mode `0o755`.
 * - `signal`: aborting it stops the transfer; the call rejects with
 *   `OperationAbortedError` and the file is left as it was.
 */
export const WriteFileOptionsSchema = z.strictObject({
  mode: z.number().int().min(0).max(0o7777).optional(),
  signal: abortSignalSchema.optional(),
});

/** Options of `writeFile`; see {@link WriteFileOptionsSchema}. */
export type WriteFileOptions = z.infer<typeof WriteFileOptionsSchema>;

/**
 * Options of `readFile` and `readFileStream`. Strict.
 *
 * - `maxBytes` (`readFile` only): the largest file the call reads into
 *   memory; a larger one is a `ResourceLimitError` (resource `fileBytes`);
 *   default {@link DEFAULT_READ_FILE_MAX_BYTES}.
 * - `signal`: aborting it stops the transfer; the call (or the iteration)
 *   rejects with `OperationAbortedError`.
 */
export const ReadFileOptionsSchema = z.strictObject({
  maxBytes: z.number().int().min(0).optional(),
  signal: abortSignalSchema.optional(),
});

/** Options of `readFile` and `readFileStream`; see {@link ReadFileOptionsSchema}. */
export type ReadFileOptions = z.infer<typeof ReadFileOptionsSchema>;
