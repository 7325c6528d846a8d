/**
 * Parsing of what crosses `writeFile`, `readFile` and `readFileStream`
 * (capability `files`, contract 1.1): the path, the options and the content.
 *
 * @module
 */
import { z } from "zod";
import {
  type FileContent,
  type ReadFileOptions,
  ReadFileOptionsSchema,
  type WriteFileOptions,
  WriteFileOptionsSchema,
} from "../contract/files.js";
import { FilePathSchema } from "../contract/rules.js";
import { ConfigurationError, describeValue } from "../errors.js";
import { parseWithSchema } from "./parse.js";

/** A file path as the one field `path`, so that an issue names the argument a caller got wrong. */
const FilePathArgumentSchema = z.object({ path: FilePathSchema });

/**
 * Parse the `path` argument of `writeFile`, `readFile` and `readFileStream`
 * ({@link FilePathSchema}: absolute, normalised, no control characters, not
 * `/`), or throw `ConfigurationError` whose issues name `path`.
 *
 * @example
 * ```ts
 * parseFilePath("/workspace/input.json"); // "/workspace/input.json"
 * parseFilePath("../etc/passwd"); // throws ConfigurationError, issue path "path"
 * ```
 */
export function parseFilePath(value: unknown): string {
  return parseWithSchema(FilePathArgumentSchema, { path: value }, "file path").path;
}

/**
 * Parse {@link WriteFileOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseWriteFileOptions({ mode: 0o600 });
 * ```
 */
export function parseWriteFileOptions(value: unknown): WriteFileOptions {
  return parseWithSchema(WriteFileOptionsSchema, value ?? {}, "write file options");
}

/**
 * Parse {@link ReadFileOptions} (`undefined` means none), or throw `ConfigurationError`.
 *
 * @example
 * ```ts
 * parseReadFileOptions({ maxBytes: 1_048_576 });
 * ```
 */
export function parseReadFileOptions(value: unknown): ReadFileOptions {
  return parseWithSchema(ReadFileOptionsSchema, value ?? {}, "read file options");
}

/**
 * Check the `content` argument of `writeFile`: a string, a `Uint8Array`, or
 * an object with `Symbol.asyncIterator` (whose chunks the driver checks as it
 * reads them). Returns it unchanged, or throws `ConfigurationError` whose
 * issue names `content`. No schema: content is not bounded by the input
 * limits, since a file may be as large as the caller likes.
 *
 * @example
 * ```ts
 * parseFileContent(new Uint8Array([1, 2, 3])); // the same bytes
 * parseFileContent(42); // throws ConfigurationError, issue path "content"
 * ```
 */
export function parseFileContent(value: unknown): FileContent {
  if (typeof value === "string" || isBytes(value)) return value;
  if (isAsyncIterable(value)) return value;
  const message = `must be a string, a Uint8Array or an AsyncIterable of Uint8Array chunks; it is ${describeValue(value, 64)}`;
  throw new ConfigurationError(`Invalid file content: ${message}`, {
    issues: [{ path: "content", message }],
    context: { what: "file content" },
  });
}

/** Whether `value` is a `Uint8Array`; never throws (`instanceof` reads a Proxy's prototype through its trap). */
function isBytes(value: unknown): value is Uint8Array {
  try {
    return value instanceof Uint8Array;
  } catch {
    return false;
  }
}

/** Whether `value` has a `Symbol.asyncIterator` method; never throws (a hostile Proxy is simply not iterable). */
function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  try {
    return (
      typeof value === "object" &&
      value !== null &&
      typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
    );
  } catch {
    return false;
  }
}
