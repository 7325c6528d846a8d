/**
 * The pure parts of the Docker driver's files, without an engine: the write
 * plan from path stats, the mount areas from inspect data, the engine's
 * answers, the owner from account files, content sizing and spooling, and
 * the tar both ways.
 */
import { createReadStream, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigurationError, FileSystemError, OperationAbortedError } from "../../../src/index.js";
import { IN_MEMORY_CONTENT_BYTES, sizeContent } from "../src/files-content.js";
import { needsAccountFiles, resolveOwner, UnknownUserError } from "../src/files-owner.js";
import { firstEntry, packFile } from "../src/files-tar.js";
import {
  archiveAnswer,
  areaOf,
  kindOfMode,
  mountAreas,
  parsePathStat,
  planWrite,
  type StatResult,
} from "../src/files-target.js";

const DIR = 2 ** 31 + 0o755;
const LINK = 2 ** 27 + 0o777;
const FILE = 0o644;

/** A stat function over a fixed tree: path → mode (and link target). */
function tree(entries: Record<string, number | [number, string]>) {
  const asked: string[] = [];
  const stat = async (path: string): Promise<StatResult> => {
    asked.push(path);
    const entry = entries[path];
    if (entry === undefined) {
      const parent = path.slice(0, path.lastIndexOf("/")) || "/";
      const parentEntry = entries[parent];
      const parentMode = Array.isArray(parentEntry) ? parentEntry[0] : parentEntry;
      if (parentMode !== undefined && kindOfMode(parentMode) === "file") return { kind: "not-a-directory" };
      return { kind: "missing" };
    }
    const [mode, linkTarget] = Array.isArray(entry) ? entry : [entry, ""];
    return { kind: "found", stat: { name: path.split("/").pop() ?? "", size: 0, mode, linkTarget } };
  };
  return { stat, asked };
}

const context = { operation: "writeFile" };

describe("planWrite", () => {
  it("lists the missing parents and extracts into the deepest existing directory", async () => {
    const { stat, asked } = tree({ "/data": DIR });
    expect(await planWrite("/data/a/b/file.txt", stat, context)).toEqual({
      target: "/data/a/b/file.txt",
      directory: "/data",
      parents: ["a", "a/b"],
      entry: "a/b/file.txt",
    });
    // Every prefix asked once, all at once.
    expect(asked.sort()).toEqual(["/data", "/data/a", "/data/a/b", "/data/a/b/file.txt"]);
  });

  it("replaces an existing file in place, and writes at the root", async () => {
    const { stat } = tree({ "/data": DIR, "/data/file": FILE });
    expect(await planWrite("/data/file", stat, context)).toEqual({
      target: "/data/file",
      directory: "/data",
      parents: [],
      entry: "file",
    });
    expect(await planWrite("/top", tree({}).stat, context)).toEqual({
      target: "/top",
      directory: "/",
      parents: [],
      entry: "top",
    });
  });

  it("continues at a link's target, for a parent and for the file itself", async () => {
    const { stat } = tree({
      "/data": DIR,
      "/data/esc": [LINK, "/etc"],
      "/etc": DIR,
      "/data/link": [LINK, "/work/real"],
      "/work": DIR,
      "/work/real": FILE,
    });
    expect(await planWrite("/data/esc/x/y", stat, context)).toMatchObject({
      target: "/etc/x/y",
      directory: "/etc",
      parents: ["x"],
    });
    expect(await planWrite("/data/link", stat, context)).toMatchObject({ target: "/work/real", directory: "/work" });
  });

  it("refuses a directory, a parent that is a file, and links that loop", async () => {
    const { stat } = tree({ "/data": DIR, "/data/file": FILE, "/loop": [LINK, "/loop"] });
    const onDirectory = planWrite("/data", stat, context);
    await expect(onDirectory).rejects.toBeInstanceOf(FileSystemError);
    await expect(onDirectory).rejects.toMatchObject({ context: { reason: "is-a-directory", path: "/data" } });
    await expect(planWrite("/data/file/child", stat, context)).rejects.toMatchObject({
      context: { reason: "not-a-directory", path: "/data/file/child" },
    });
    await expect(planWrite("/loop", stat, context)).rejects.toMatchObject({ context: { reason: "not-a-directory" } });
  });
});

describe("mount areas", () => {
  const info = (host: object, mounts: object[]) =>
    ({ HostConfig: host, Mounts: mounts }) as unknown as Docker.ContainerInspectInfo;

  it("the most specific mount containing the path wins; read-only, memory and unreachable are told apart", () => {
    const areas = mountAreas(
      info(
        {
          ReadonlyRootfs: true,
          Tmpfs: { "/run": "rw" },
          Mounts: [
            {
              Type: "volume",
              Target: "/tmp",
              VolumeOptions: { DriverConfig: { Name: "local", Options: { type: "tmpfs" } } },
            },
          ],
        },
        [
          { Type: "volume", Destination: "/data", RW: true },
          { Type: "bind", Destination: "/data/ro", RW: false },
          { Type: "volume", Destination: "/tmp", RW: true },
          { Type: "tmpfs", Destination: "/scratch", RW: true },
        ],
      ),
    );
    expect(areaOf(areas, "/etc/passwd").access).toBe("read-only");
    expect(areaOf(areas, "/data/x").access).toBe("writable");
    expect(areaOf(areas, "/data/ro/x").access).toBe("read-only");
    expect(areaOf(areas, "/data/rox").access).toBe("writable");
    expect(areaOf(areas, "/tmp/x").access).toBe("memory");
    expect(areaOf(areas, "/scratch/x").access).toBe("unreachable");
    expect(areaOf(areas, "/run/x").access).toBe("unreachable");
    expect(areaOf(mountAreas(info({ ReadonlyRootfs: false }, [])), "/etc/x").access).toBe("writable");
  });
});

describe("engine answers and stats", () => {
  it("classifies the engine's messages, and tells a missing container from a missing file", () => {
    expect(archiveAnswer(500, "container rootfs is marked read-only")).toBe("read-only");
    expect(archiveAnswer(500, "mounted volume is marked read-only")).toBe("read-only");
    expect(archiveAnswer(500, "extraction point is not a directory")).toBe("not-a-directory");
    expect(archiveAnswer(500, 'cannot overwrite non-directory "/a" with directory "/a"')).toBe("not-a-directory");
    expect(archiveAnswer(500, 'cannot overwrite directory "/a" with non-directory "/a"')).toBe("is-a-directory");
    expect(archiveAnswer(500, "write /x: no space left on device")).toBe("no-space");
    expect(archiveAnswer(404, "(HTTP code 404) no such container - Could not find the file /x in container c")).toBe(
      "missing-file",
    );
    expect(archiveAnswer(404, "No such container: c")).toBe("missing-container");
    expect(archiveAnswer(500, "something else")).toBeUndefined();
  });

  it("reads the stat header and Go's mode bits", () => {
    const header = Buffer.from(JSON.stringify({ name: "etc", size: 4096, mode: DIR, linkTarget: "" })).toString(
      "base64",
    );
    expect(parsePathStat(header)).toEqual({ name: "etc", size: 4096, mode: DIR, linkTarget: "" });
    expect(parsePathStat("not base64 json")).toBeUndefined();
    expect(parsePathStat(undefined)).toBeUndefined();
    expect(kindOfMode(DIR)).toBe("directory");
    expect(kindOfMode(LINK)).toBe("symlink");
    expect(kindOfMode(FILE)).toBe("file");
    expect(kindOfMode(2 ** 25 + 0o644)).toBe("other");
    expect(kindOfMode(2 ** 23 + 0o4755)).toBe("file");
  });
});

describe("resolveOwner", () => {
  const files = {
    passwd: "root:x:0:0:root:/root:/bin/sh\nopenagent:x:1000:1000::/home/openagent:/bin/sh\n# comment\n",
    group: "root:x:0:\nopenagent:x:1000:\nstaff:x:50:\n",
  };
  it("resolves names and numbers as the runtime does", () => {
    expect(resolveOwner("", files)).toEqual({ uid: 0, gid: 0 });
    expect(resolveOwner("openagent", files)).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveOwner("1000", files)).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveOwner("4242", files)).toEqual({ uid: 4242, gid: 0 });
    expect(resolveOwner("openagent:staff", files)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveOwner("0:77", files)).toEqual({ uid: 0, gid: 77 });
    expect(resolveOwner("4242", { passwd: undefined, group: undefined })).toEqual({ uid: 4242, gid: 0 });
  });
  it("refuses names that are not there", () => {
    expect(() => resolveOwner("ghost", files)).toThrow(UnknownUserError);
    expect(() => resolveOwner("openagent:ghosts", files)).toThrow(UnknownUserError);
    expect(() => resolveOwner("openagent", { passwd: undefined, group: undefined })).toThrow(UnknownUserError);
  });
  it("reads the account files only when the user needs them", () => {
    expect(needsAccountFiles("")).toBe(false);
    expect(needsAccountFiles("1000:1000")).toBe(false);
    expect(needsAccountFiles("1000")).toBe(true);
    expect(needsAccountFiles("openagent")).toBe(true);
  });
});

describe("sizeContent", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "oa-spool-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const collect = async (chunks: AsyncIterable<Uint8Array>) => {
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  };

  it("sizes strings as UTF-8 and bytes as they are", async () => {
    const text = await sizeContent("héllo", { spoolDirectory: directory, operation: "writeFile" });
    expect(text.size).toBe(6);
    expect((await collect(text.chunks())).toString()).toBe("héllo");
  });

  it("keeps small iterables in memory and spools large ones to an unlinked file", async () => {
    async function* chunks(count: number, size: number) {
      const reused = new Uint8Array(size);
      for (let index = 0; index < count; index++) yield reused.fill(index);
    }
    const small = await sizeContent(chunks(3, 1024), { spoolDirectory: directory, operation: "writeFile" });
    expect(small.size).toBe(3072);
    // Copied as they came: a reused buffer does not turn every chunk into the last.
    expect([...(await collect(small.chunks()))].filter((_, index) => index % 1024 === 0)).toEqual([0, 1, 2]);
    const large = await sizeContent(chunks(6, 1024 * 1024), { spoolDirectory: directory, operation: "writeFile" });
    expect(large.size).toBe(6 * 1024 * 1024);
    expect(large.size).toBeGreaterThan(IN_MEMORY_CONTENT_BYTES);
    expect(readdirSync(directory)).toEqual([]);
    const bytes = await collect(large.chunks());
    expect(bytes.length).toBe(6 * 1024 * 1024);
    expect([0, 1, 2, 3, 4, 5].map((index) => bytes[index * 1024 * 1024])).toEqual([0, 1, 2, 3, 4, 5]);
    await large.release();
    await large.release();
  });

  it("takes the size of a file stream of a whole regular file from the file, without reading it", async () => {
    const file = join(directory, "input.bin");
    await writeFile(file, Buffer.alloc(6 * 1024 * 1024, 7));
    const sized = await sizeContent(createReadStream(file), { spoolDirectory: directory, operation: "writeFile" });
    expect(sized.size).toBe(6 * 1024 * 1024);
    expect((await collect(sized.chunks())).equals(Buffer.alloc(6 * 1024 * 1024, 7))).toBe(true);
    // A partial stream is read like any iterable: its size is what it yields.
    const part = await sizeContent(createReadStream(file, { start: 10, end: 19 }), {
      spoolDirectory: directory,
      operation: "writeFile",
    });
    expect(part.size).toBe(10);
  });

  it("refuses a chunk that is not bytes, and stops and closes the iterable on abort", async () => {
    async function* text() {
      yield "not bytes" as unknown as Uint8Array;
    }
    await expect(sizeContent(text(), { spoolDirectory: directory, operation: "writeFile" })).rejects.toMatchObject({
      issues: [{ path: "content" }],
    });
    await expect(sizeContent(text(), { spoolDirectory: directory, operation: "writeFile" })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    const controller = new AbortController();
    let closed = false;
    const endless: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          controller.abort();
          return new Promise<IteratorResult<Uint8Array>>(() => undefined);
        },
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      }),
    };
    await expect(
      sizeContent(endless, { spoolDirectory: directory, operation: "writeFile", signal: controller.signal }),
    ).rejects.toBeInstanceOf(OperationAbortedError);
    expect(closed).toBe(true);
  });
});

describe("tar", () => {
  it("packs the parents and the file with owner and mode (0 and large ids included), and extracts them", async () => {
    for (const [mode, owner] of [
      [0o640, { uid: 1000, gid: 1000 }],
      [0, { uid: 1_000_000, gid: 2_000_000 }],
    ] as const) {
      const content = await sizeContent("hello tar", { spoolDirectory: tmpdir(), operation: "writeFile" });
      const archive = packFile({ parents: ["a", "a/b"], entry: "a/b/naïve file.txt", owner, mode, content });
      const extract = tar.extract();
      const seen: { name: string; mode: number; uid: number; gid: number; type: string; body: string }[] = [];
      extract.on("entry", (header, stream, next) => {
        const parts: Buffer[] = [];
        stream.on("data", (chunk) => parts.push(chunk as Buffer));
        stream.on("end", () => {
          // Ids beyond six octal digits travel in PAX records, which the engine (Go's archive/tar) applies.
          const pax = (header.pax ?? {}) as Record<string, string>;
          const uid = pax.uid === undefined ? header.uid : Number(pax.uid);
          const gid = pax.gid === undefined ? header.gid : Number(pax.gid);
          seen.push({ ...header, uid, gid, body: Buffer.concat(parts).toString() });
          next();
        });
      });
      const finished = new Promise<void>((resolve) => extract.on("finish", () => resolve()));
      archive.stream.pipe(extract as unknown as NodeJS.WritableStream);
      await archive.done;
      await finished;
      expect(seen.map(({ name, mode, uid, gid, type, body }) => ({ name, mode, uid, gid, type, body }))).toEqual([
        { name: "a/", mode: 0o755, ...owner, type: "directory", body: "" },
        { name: "a/b/", mode: 0o755, ...owner, type: "directory", body: "" },
        { name: "a/b/naïve file.txt", mode, ...owner, type: "file", body: "hello tar" },
      ]);
    }
  });

  it("fails the archive when the content yields more than its size (a file that grew)", async () => {
    const content = {
      size: 4,
      chunks: async function* () {
        yield new Uint8Array(3);
        yield new Uint8Array(3);
      },
      release: async () => undefined,
    };
    const archive = packFile({ parents: [], entry: "f", owner: { uid: 0, gid: 0 }, mode: 0o644, content });
    archive.stream.resume();
    await expect(archive.done).rejects.toThrow(/longer than its size/);
  });

  it("takes the first entry of an archive as a stream, and stops the source when the reader stops", async () => {
    const pack = tar.pack();
    pack.entry({ name: "big", size: 3 * 65_536 }, Buffer.alloc(3 * 65_536, 1));
    pack.entry({ name: "second" }, "ignored");
    pack.finalize();
    const source = Readable.from(pack);
    const first = await firstEntry(source);
    expect(first?.header).toMatchObject({ name: "big", size: 3 * 65_536, type: "file" });
    let bytes = 0;
    for await (const chunk of first?.chunks ?? []) bytes += chunk.byteLength;
    expect(bytes).toBe(3 * 65_536);
    expect(source.destroyed).toBe(true);
    const empty = tar.pack();
    empty.finalize();
    expect(await firstEntry(Readable.from(empty))).toBeUndefined();
  });
});
