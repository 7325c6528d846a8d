/**
 * The `files` cases: capability `files`: writeFile, readFile, readFileStream —
 * binary round trip, large streamed files, parents, owner and mode, names,
 * concurrent writes, persistence across stop/start, stopped containers; the
 * refusals (missing files, bad paths, read-only root, directories in the way,
 * aborts) are in files-refusals.ts.
 *
 * The tier needs neither `exec` nor `execution`: a driver may declare `files`
 * alone. Only the owner and mode case looks inside the container, with a
 * process of the container's own (so it runs only when the driver also
 * declares `execution`); every other check goes through the file methods.
 *
 * @module
 */
import type { ConformanceCase } from "../types.js";
import { check } from "../context.js";
import { FILES_REFUSAL_CASES } from "./files-refusals.js";
import {
  byteCounter,
  checkSameBytes,
  expectNoFile,
  fileMethods,
  LARGE_CHUNK_BYTES,
  LARGE_CHUNKS,
  largeChunk,
  readAll,
  uniquePath,
  writableContainer,
} from "./files-support.js";
import { logLines } from "./logs.js";

/** Every byte value, up and down, and the line endings a text mode would rewrite. */
const EVERY_BYTE = Uint8Array.from([...Array(256).keys(), ...[...Array(256).keys()].reverse(), 13, 10, 0, 26]);

/** Multi-byte UTF-8 (2, 3 and 4 bytes), CR LF and NUL, written as a string. */
const UTF8_TEXT = "héllo wörld ✓ 名前 🚀\r\nnul:\u0000 end";

/** Writers of the concurrency case, and the size of each one's content. */
const CONCURRENT_WRITERS = 8;
const CONCURRENT_BYTES = 512 * 1024;

const TRANSFER_CASES: readonly ConformanceCase[] = [
  {
    id: "files.round-trip.every-byte",
    tier: "files",
    clause: "C-FILES-BINARY",
    checks:
      "bytes 0..255 (and CR, LF, NUL, ^Z) and a UTF-8 string with 2-, 3- and 4-byte characters come back unchanged through readFile and readFileStream",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const binary = uniquePath(context, "bytes");
      await writeFile(id, binary, EVERY_BYTE);
      checkSameBytes(await readFile(id, binary), EVERY_BYTE, "readFile of every byte value");
      checkSameBytes(await readAll(await readFileStream(id, binary)), EVERY_BYTE, "readFileStream of every byte value");
      const text = uniquePath(context, "text");
      await writeFile(id, text, UTF8_TEXT);
      checkSameBytes(await readFile(id, text), Buffer.from(UTF8_TEXT, "utf8"), "readFile of a UTF-8 string");
    },
  },
  {
    id: "files.round-trip.empty",
    tier: "files",
    clause: "C-FILES-BINARY",
    checks: "an empty file is written and read back as zero bytes (not as a missing file), also over a longer one",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = uniquePath(context, "empty");
      await writeFile(id, path, new Uint8Array(0));
      checkSameBytes(await readFile(id, path), new Uint8Array(0), "readFile of an empty file");
      checkSameBytes(await readAll(await readFileStream(id, path)), new Uint8Array(0), "readFileStream of it");
      await writeFile(id, path, "longer content");
      await writeFile(id, path, "");
      checkSameBytes(await readFile(id, path), new Uint8Array(0), "readFile after an empty string replaced content");
    },
  },
  {
    id: "files.stream.large",
    tier: "files",
    clause: "C-FILES-STREAMING",
    checks: `an ${(LARGE_CHUNKS * LARGE_CHUNK_BYTES) / 1_048_576} MiB file from an async generator (more than readFile holds by default) is streamed in and out, equal by SHA-256`,
    run: async (context) => {
      const { writeFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = uniquePath(context, "large");
      const written = byteCounter();
      async function* content(): AsyncGenerator<Uint8Array> {
        for (let index = 0; index < LARGE_CHUNKS; index++) {
          const chunk = largeChunk(index);
          written.add(chunk);
          yield chunk;
        }
      }
      await writeFile(id, path, content());
      check(
        written.bytes === LARGE_CHUNKS * LARGE_CHUNK_BYTES,
        `writeFile resolved after reading ${written.bytes} bytes of the content, not all of it`,
      );
      const read = byteCounter();
      for await (const chunk of await readFileStream(id, path)) {
        check(chunk instanceof Uint8Array, `readFileStream yielded ${typeof chunk}, not a Uint8Array`);
        read.add(chunk);
      }
      check(read.bytes === written.bytes, `readFileStream gave ${read.bytes} bytes; ${written.bytes} were written`);
      check(read.digest() === written.digest(), "the bytes read differ from the bytes written (SHA-256)");
    },
  },
  {
    id: "files.read.max-bytes",
    tier: "files",
    clause: "C-FILES-READ-LIMIT",
    checks:
      "readFile of a 1024-byte file with maxBytes 1023 is a ResourceLimitError (resource fileBytes, limit 1023); with 1024 it reads",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = uniquePath(context, "limit");
      const bytes = new Uint8Array(1024).fill(7);
      await writeFile(id, path, bytes);
      const error = await context.expectError(
        () => readFile(id, path, { maxBytes: 1023 }),
        "ResourceLimitError",
        "readFile of 1024 bytes with maxBytes 1023",
      );
      const { resource, limit, requested } = error as { resource?: unknown; limit?: unknown; requested?: unknown };
      check(resource === "fileBytes", `the ResourceLimitError names resource ${String(resource)}, not fileBytes`);
      check(limit === 1023, `the ResourceLimitError has limit ${String(limit)}, not 1023`);
      check(
        typeof requested === "number" && requested > 1023,
        `the ResourceLimitError has requested ${String(requested)}`,
      );
      checkSameBytes(await readFile(id, path, { maxBytes: 1024 }), bytes, "readFile with maxBytes 1024");
    },
  },
  {
    id: "files.write.parents",
    tier: "files",
    clause: "C-FILES-PARENTS",
    checks: "a write four directories below anything that exists creates them all, and the file reads back",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = `${uniquePath(context, "parents")}/a/b/c/file.txt`;
      await writeFile(id, path, "deep");
      checkSameBytes(await readFile(id, path), Buffer.from("deep"), `readFile of ${path}`);
      await writeFile(id, path.replace("/c/file.txt", "/c2/file.txt"), "sibling");
      checkSameBytes(
        await readFile(id, path),
        Buffer.from("deep"),
        "the first file after a sibling directory was made",
      );
    },
  },
  {
    id: "files.write.owner-mode",
    tier: "files",
    clause: "C-FILES-OWNER-MODE",
    checks:
      "the file and the parents it creates belong to the uid and gid the container's process runs as; the file has the mode asked for (default 0644), parents 0755",
    skipUnless: (_options, driver) =>
      driver.capabilities.includes("execution")
        ? undefined
        : "owner and mode are seen only from a process in the container: the driver does not declare execution",
    run: async (context) => {
      const { writeFile } = fileMethods(context);
      const base = uniquePath(context, "owner");
      const listed = [base, `${base}/d`, `${base}/d/default.txt`, `${base}/d/private.txt`, `${base}/d/open.sh`];
      // The process waits for the last file, then reports who it is and what it sees.
      const script = `while [ ! -e ${base}/ready ]; do sleep 0.1; done; id -u; id -g; ls -lnd ${listed.join(" ")}`;
      const { id } = await context.createRunningContainer({
        security: { readOnly: false },
        command: ["sh", "-c", script],
      });
      await writeFile(id, `${base}/d/default.txt`, "default mode");
      await writeFile(id, `${base}/d/private.txt`, "private", { mode: 0o640 });
      await writeFile(id, `${base}/d/open.sh`, "#!/bin/sh\n", { mode: 0o755 });
      await writeFile(id, `${base}/ready`, "");
      await context.waitFor(
        () => context.statusOf(id),
        (status) => status === "exited",
        "the listing process exits",
      );
      const lines = logLines(await context.driver.getContainerLogs(id)).map((line) => line.trim());
      const [uid, gid] = lines;
      check(uid !== undefined && /^\d+$/.test(uid) && gid !== undefined && /^\d+$/.test(gid), `id printed ${lines}`);
      const expected: Record<string, string> = {
        [base]: "drwxr-xr-x",
        [`${base}/d`]: "drwxr-xr-x",
        [`${base}/d/default.txt`]: "-rw-r--r--",
        [`${base}/d/private.txt`]: "-rw-r-----",
        [`${base}/d/open.sh`]: "-rwxr-xr-x",
      };
      for (const [path, mode] of Object.entries(expected)) {
        const line = lines.find((entry) => entry.endsWith(` ${path}`));
        check(line !== undefined, `ls shows no ${path}: ${JSON.stringify(lines)}`);
        const [shownMode, , owner, group] = line.split(/\s+/);
        check(shownMode === mode, `${path} has mode ${shownMode}, not ${mode}`);
        check(
          owner === uid && group === gid,
          `${path} belongs to ${owner}:${group}, not to the process's ${uid}:${gid}`,
        );
      }
    },
  },
  {
    id: "files.path.unusual-names",
    tier: "files",
    clause: "C-FILES-PATHS",
    checks: "names with spaces, quotes, non-ASCII characters and a leading dash are written and read as they are",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      const directory = `${uniquePath(context, "names")} with spaces ünï`;
      for (const name of ["naïve 名前 ✓.txt", 'it\'s "quoted"', "-dash", "emoji 🚀"]) {
        const path = `${directory}/${name}`;
        await writeFile(id, path, `content of ${name.length}`);
        checkSameBytes(await readFile(id, path), Buffer.from(`content of ${name.length}`), `readFile of ${path}`);
      }
    },
  },
  {
    id: "files.write.concurrent",
    tier: "files",
    clause: "C-FILES-CONCURRENT",
    checks: `${CONCURRENT_WRITERS} concurrent writes of different ${CONCURRENT_BYTES / 1024} KiB contents to one path all resolve and leave exactly one of them, never a mix`,
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = uniquePath(context, "race");
      const contents = Array.from({ length: CONCURRENT_WRITERS }, (_, writer) =>
        new Uint8Array(CONCURRENT_BYTES).fill(writer + 1),
      );
      await Promise.all(contents.map((content) => writeFile(id, path, content)));
      const result = Buffer.from(await readFile(id, path));
      const writer = (result[0] ?? 0) - 1;
      check(
        contents[writer] !== undefined,
        `the file starts with byte ${result[0]}, which no writer wrote (${result.length} bytes)`,
      );
      checkSameBytes(result, contents[writer], `the file, which starts like writer ${writer}'s content`);
    },
  },
  {
    id: "files.container.restart",
    tier: "files",
    clause: "C-FILES-PERSISTENCE",
    checks: "a file written while the container runs is still there, unchanged, after stopContainer and startContainer",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      const path = `${uniquePath(context, "persist")}/state.json`;
      const state = Buffer.from(JSON.stringify({ step: 3, note: "survives a restart" }));
      await writeFile(id, path, state);
      await context.driver.stopContainer(id, { timeout: 2_000 });
      await context.driver.startContainer(id);
      checkSameBytes(await readFile(id, path), state, "readFile after a stop and a start");
    },
  },
  {
    id: "files.container.stopped",
    tier: "files",
    clause: "C-FILES-STATUS",
    checks:
      "writeFile on a stopped container either works (and the file is there after the next start) or is a ContainerStateError (and nothing is written)",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const { id } = await writableContainer(context);
      await context.driver.stopContainer(id, { timeout: 2_000 });
      const path = `${uniquePath(context, "stopped")}/input.txt`;
      let written = true;
      try {
        await writeFile(id, path, "written while stopped");
      } catch (error) {
        await context.expectError(
          () => Promise.reject(error),
          "ContainerStateError",
          "writeFile on a stopped container",
        );
        written = false;
      }
      await context.driver.startContainer(id);
      if (written) {
        checkSameBytes(await readFile(id, path), Buffer.from("written while stopped"), "the file after the start");
      } else {
        await expectNoFile(context, id, path, "after a refused write on a stopped container");
      }
    },
  },
];

/** Every case of this tier, in run order. */
export const FILES_CASES: readonly ConformanceCase[] = [...TRANSFER_CASES, ...FILES_REFUSAL_CASES];
