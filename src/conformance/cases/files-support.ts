/**
 * What the `files` cases share: the driver's file methods (failing the case
 * when one is missing), whole-stream reads, byte comparison with the first
 * difference named, and the checks of a refusal's details.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ContainerDriver } from "../../contract/driver.js";
import type { ContainerInstance } from "../../contract/schemas.js";
import { isDriverError } from "../../errors.js";
import { check, ConformanceCheckError } from "../context.js";
import type { CaseContext } from "../types.js";

/** The three file methods of a driver that declares `files`. */
export type FileMethods = Required<Pick<ContainerDriver, "writeFile" | "readFile" | "readFileStream">>;

/**
 * The checked driver's file methods, bound; the case fails when the driver
 * declares `files` but lacks one.
 */
export function fileMethods(context: CaseContext): FileMethods {
  const { driver } = context;
  const { writeFile, readFile, readFileStream } = driver;
  if (writeFile === undefined || readFile === undefined || readFileStream === undefined) {
    throw new ConformanceCheckError("the driver declares files but lacks writeFile, readFile or readFileStream");
  }
  return {
    writeFile: writeFile.bind(driver),
    readFile: readFile.bind(driver),
    readFileStream: readFileStream.bind(driver),
  };
}

/**
 * A running container whose root file system is writable, so a case can
 * write anywhere without a mount (the paths it uses are its own unique names
 * at the root).
 */
export function writableContainer(context: CaseContext): Promise<ContainerInstance> {
  return context.createRunningContainer({ security: { readOnly: false } });
}

/** A path at the root of the container that no other case uses. */
export function uniquePath(context: CaseContext, prefix: string): string {
  return `/${context.uniqueName(prefix)}`;
}

/** Every chunk of `chunks`, checked to be bytes, joined. */
export async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) {
    check(chunk instanceof Uint8Array, `readFileStream yielded ${typeof chunk}, not a Uint8Array`);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts);
}

/** Fail the case unless `actual` holds exactly the bytes of `expected`, naming the first difference. */
export function checkSameBytes(actual: unknown, expected: Uint8Array, what: string): void {
  check(actual instanceof Uint8Array, `${what}: expected a Uint8Array, got ${typeof actual}`);
  const left = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const right = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (left.equals(right)) return;
  let index = 0;
  while (index < left.length && index < right.length && left[index] === right[index]) index++;
  const at = (bytes: Buffer) => (index < bytes.length ? `0x${(bytes[index] as number).toString(16)}` : "nothing");
  throw new ConformanceCheckError(
    `${what}: ${left.length} bytes read, ${right.length} written; they differ first at byte ${index} ` +
      `(read ${at(left)}, written ${at(right)})`,
  );
}

/** Fail the case unless reading `path` (as a stream) is a `FileNotFoundError` for that path: nothing is there. */
export async function expectNoFile(context: CaseContext, id: string, path: string, what: string): Promise<void> {
  const { readFileStream } = fileMethods(context);
  const error = await context.expectError(
    async () => readAll(await readFileStream(id, path)),
    "FileNotFoundError",
    `${what}: reading ${path}`,
  );
  checkField(error, "path", path, `${what}: the FileNotFoundError`);
}

/** Fail the case unless the driver error `error` has `field` (own or in `context`) equal to `expected`. */
export function checkField(error: unknown, field: string, expected: unknown, what: string): void {
  check(isDriverError(error), `${what} is not a DriverError`);
  const own = (error as unknown as Record<string, unknown>)[field];
  const actual = own !== undefined ? own : error.context[field];
  check(
    actual === expected,
    `${what} should have ${field} ${JSON.stringify(expected)}; it has ${JSON.stringify(actual)}`,
  );
}

/**
 * Run a write the file system must refuse: it must reject with
 * `FileSystemError` whose context names `reason` and `path`.
 */
export async function expectRefusal(
  context: CaseContext,
  action: () => Promise<unknown>,
  reason: string,
  path: string,
  what: string,
): Promise<void> {
  const error = await context.expectError(action, "FileSystemError", what);
  checkField(error, "reason", reason, `${what}: the FileSystemError`);
  checkField(error, "path", path, `${what}: the FileSystemError`);
}

/** Size of each chunk of the large file: 4 MiB. */
export const LARGE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Chunks of the large file: 20, so 80 MiB, more than `readFile` holds by default (64 MiB). */
export const LARGE_CHUNKS = 20;

/** Bytes of the pseudo-random block the large file's chunks are made of. */
const BLOCK_BYTES = 1024 * 1024;

let block: Uint8Array | undefined;

/** One pseudo-random block (xorshift32), made once: filling 80 MiB word by word costs seconds on a busy machine. */
function randomBlock(): Uint8Array {
  if (block !== undefined) return block;
  const words = new Uint32Array(BLOCK_BYTES / 4);
  let state = 0x9e3779b9;
  for (let word = 0; word < words.length; word++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words[word] = state;
  }
  block = new Uint8Array(words.buffer);
  return block;
}

/**
 * Chunk `index` of the large file: the pseudo-random block repeated, each
 * copy stamped with the chunk's index and its own, so a lost, repeated or
 * reordered block changes the hash. A fresh array each time: the driver may
 * keep it.
 */
export function largeChunk(index: number): Uint8Array {
  const chunk = new Uint8Array(LARGE_CHUNK_BYTES);
  const view = new DataView(chunk.buffer);
  for (let offset = 0, copy = 0; offset < LARGE_CHUNK_BYTES; offset += BLOCK_BYTES, copy++) {
    chunk.set(randomBlock(), offset);
    view.setUint32(offset, index);
    view.setUint32(offset + 4, copy);
  }
  return chunk;
}

/** A SHA-256 of bytes as they pass, and how many passed. */
export function byteCounter(): { add(bytes: Uint8Array): void; readonly bytes: number; digest(): string } {
  const hash = createHash("sha256");
  let bytes = 0;
  return {
    add(chunk) {
      hash.update(chunk);
      bytes += chunk.byteLength;
    },
    get bytes() {
      return bytes;
    },
    digest: () => hash.digest("hex"),
  };
}
