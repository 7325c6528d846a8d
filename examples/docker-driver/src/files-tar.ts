/**
 * The tar side of the engine's archive API, both ways, with tar-stream: the
 * archive a write sends (the missing parents, then the file, each with its
 * owner and mode), streamed from the content with backpressure; and the one
 * regular file a read takes out of the archive the engine sends, streamed
 * chunk by chunk.
 *
 * @module
 */
import { Readable } from "node:stream";
import tar from "tar-stream";
import type { SizedContent } from "./files-content.js";
import type { Owner } from "./files-owner.js";

/** What goes into a write's archive. */
export type FileArchive = {
  /** Missing parent directories, outermost first, relative to the extraction directory. */
  readonly parents: readonly string[];
  /** The file, relative to the extraction directory. */
  readonly entry: string;
  /** Owner of the parents and the file. */
  readonly owner: Owner;
  /** Permission bits of the file. */
  readonly mode: number;
  /** The content, of known size. */
  readonly content: SizedContent;
};

/** Permission bits of the parents `writeFile` creates, as the contract says. */
export const PARENT_DIRECTORY_MODE = 0o755;

/** The largest id a ustar header holds (six octal digits); larger ones go into a PAX record. */
const USTAR_MAX_ID = 0o777777;

// tar-stream replaces a falsy mode by its default (0o644): a type bit keeps mode 0 what it is. The
// header keeps only the permission bits (mode & 0o7777).
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function ownership(owner: Owner): { uid: number; gid: number; pax?: Record<string, string> } {
  if (owner.uid <= USTAR_MAX_ID && owner.gid <= USTAR_MAX_ID) return { uid: owner.uid, gid: owner.gid };
  return { uid: 0, gid: 0, pax: { uid: String(owner.uid), gid: String(owner.gid) } };
}

/** Resolves when `stream` may take more, or has been destroyed; never leaves a listener behind. */
function drained(stream: {
  once(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}) {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}

/**
 * The archive of one file write, as a Node stream that produces it as the
 * engine reads it, and `done`, which settles when every byte of the content
 * went into the archive (or rejects with why it could not). Destroying the
 * stream stops the content.
 *
 * @example
 * ```ts
 * const archive = packFile({ parents: ["out"], entry: "out/result.json", owner, mode: 0o644, content });
 * await Promise.all([container.putArchive(archive.stream, { path: "/data" }), archive.done]);
 * ```
 */
export function packFile(spec: FileArchive): { readonly stream: Readable; readonly done: Promise<void> } {
  const pack = tar.pack();
  const mtime = new Date();
  const ids = ownership(spec.owner);
  for (const parent of spec.parents) {
    pack.entry({ name: `${parent}/`, type: "directory", mode: S_IFDIR | PARENT_DIRECTORY_MODE, mtime, ...ids }, "");
  }
  const entry = pack.entry({
    name: spec.entry,
    type: "file",
    size: spec.content.size,
    mode: S_IFREG | spec.mode,
    mtime,
    ...ids,
  });
  // Errors surface through `done` and the request; these listeners only keep them from going unhandled.
  entry.on("error", () => undefined);
  pack.on("error", () => undefined);
  const done = (async () => {
    let written = 0;
    for await (const chunk of spec.content.chunks()) {
      if (entry.destroyed) break;
      written += chunk.byteLength;
      // More bytes than the header announced would be read by the engine as the next header.
      if (written > spec.content.size) throw new Error("the content is longer than its size: did the file grow?");
      if (!entry.write(chunk)) await drained(entry);
    }
    if (entry.destroyed) throw new Error("the archive was closed before the content was sent");
    await new Promise<void>((resolve, reject) => {
      // Whichever comes first settles it: "finish" (every byte taken), an error (such as a size mismatch), "close".
      entry.once("finish", () => resolve());
      entry.once("error", reject);
      entry.once("close", () => reject(new Error("the archive entry was closed before it was complete")));
      // streamx declares end(data); ending without a last chunk is what it does with none.
      (entry as unknown as { end(): void }).end();
    });
    pack.finalize();
  })();
  // The request reads a Node stream: its pipe, backpressure and destroy are what the engine client knows.
  const stream = Readable.from(pack, { objectMode: false, highWaterMark: 1024 * 1024 });
  stream.on("close", () => pack.destroy());
  return { stream, done };
}

/** The first entry of an archive: its header and its bytes. */
export type ExtractedEntry = {
  /** The entry's tar header. */
  readonly header: tar.Header;
  /** Its bytes, chunk by chunk; read it once, to its end or until you stop (which closes the archive). */
  readonly chunks: AsyncIterable<Uint8Array>;
};

/**
 * The first entry of the archive `source` sends, resolved once its header
 * has arrived; `undefined` when the archive is empty. Stopping early (a
 * `break`, an error) destroys `source`, so the engine stops sending.
 *
 * @example
 * ```ts
 * const first = await firstEntry(await container.getArchive({ path }));
 * if (first?.header.type === "file") for await (const chunk of first.chunks) hash.update(chunk);
 * ```
 */
export async function firstEntry(source: Readable): Promise<ExtractedEntry | undefined> {
  const extract = tar.extract();
  const close = () => {
    source.destroy();
    extract.destroy();
  };
  source.on("error", (error) => extract.destroy(error));
  extract.on("error", () => undefined);
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const iterator = extract[Symbol.asyncIterator]();
  let next: IteratorResult<tar.Extract extends AsyncIterable<infer Entry> ? Entry : never>;
  try {
    next = await iterator.next();
  } catch (error) {
    close();
    throw error;
  }
  if (next.done === true) {
    close();
    return undefined;
  }
  const entry = next.value;
  return {
    header: entry.header,
    chunks: (async function* () {
      try {
        for await (const chunk of entry as AsyncIterable<Uint8Array>) yield chunk;
      } finally {
        close();
      }
    })(),
  };
}
