/**
 * The `files` cases about refusals: a missing file or container, a path the
 * contract does not accept, a read-only root or mount, a directory in the
 * way or a parent that is a file, and aborts. Each refusal must be the typed
 * error of the contract and must change nothing.
 *
 * @module
 */
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";
import {
  checkField,
  checkSameBytes,
  expectNoFile,
  expectRefusal,
  fileMethods,
  readAll,
  uniquePath,
  writableContainer,
} from "./files-support.js";

/** A container id no driver hands out. */
const MISSING_CONTAINER_ID = "conformance-no-such-container";

/** Paths the contract refuses, each with why, built on `base` (a unique name without a leading slash). */
function invalidPaths(base: string): readonly (readonly [unknown, string])[] {
  return [
    [`${base}/file.txt`, "a relative path"],
    [`/${base}/../${base}-dotdot`, "a path with '..'"],
    [`/${base}/./file`, "a path with '.'"],
    [`/${base}//file`, "a path with an empty segment"],
    [`/${base}/file/`, "a path with a trailing '/'"],
    [`/${base}/file\u0000.txt`, "a path with NUL"],
    ["/", "the root directory"],
    ["", "an empty path"],
    [42, "a number"],
  ];
}

/** A chunk of the write the abort case cuts off. */
const ABORT_CHUNK = new Uint8Array(64 * 1024).fill(9);

export const FILES_REFUSAL_CASES: readonly ConformanceCase[] = [
  {
    id: "files.missing.file",
    tier: "files",
    clause: "C-FILES-NOT-FOUND",
    checks:
      "readFile and readFileStream of a missing file, and of a file in a missing directory, are FileNotFoundError naming the path",
    run: async (context) => {
      const { readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      for (const path of [uniquePath(context, "missing"), `${uniquePath(context, "nodir")}/file.txt`]) {
        const error = await context.expectError(() => readFile(id, path), "FileNotFoundError", `readFile of ${path}`);
        checkField(error, "path", path, `the FileNotFoundError of readFile(${path})`);
        const streamed = await context.expectError(
          async () => readAll(await readFileStream(id, path)),
          "FileNotFoundError",
          `readFileStream of ${path}`,
        );
        checkField(streamed, "path", path, `the FileNotFoundError of readFileStream(${path})`);
      }
    },
  },
  {
    id: "files.missing.container",
    tier: "files",
    clause: "C-FILES-NOT-FOUND",
    checks: "writeFile, readFile and readFileStream on an unknown container id are ContainerNotFoundError",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const path = "/conformance/file.txt";
      await context.expectError(
        () => writeFile(MISSING_CONTAINER_ID, path, "x"),
        "ContainerNotFoundError",
        "writeFile on an unknown container",
      );
      await context.expectError(
        () => readFile(MISSING_CONTAINER_ID, path),
        "ContainerNotFoundError",
        "readFile on an unknown container",
      );
      await context.expectError(
        () => readFileStream(MISSING_CONTAINER_ID, path),
        "ContainerNotFoundError",
        "readFileStream on an unknown container",
      );
    },
  },
  {
    id: "files.path.invalid",
    tier: "files",
    clause: "C-FILES-PATHS",
    checks:
      "relative, '..', '.', '//', NUL, root, empty and non-string paths are ConfigurationError naming `path`, for all three methods, and nothing is written",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const base = context.uniqueName("invalid");
      for (const [path, what] of invalidPaths(base)) {
        const attempts: readonly [string, () => Promise<unknown>][] = [
          ["writeFile", () => writeFile(id, path as string, "x")],
          ["readFile", () => readFile(id, path as string)],
          ["readFileStream", () => readFileStream(id, path as string)],
        ];
        for (const [method, attempt] of attempts) {
          const error = await context.expectError(attempt, "ConfigurationError", `${method} of ${what}`);
          const issues = (error as { issues?: readonly { path?: unknown }[] }).issues ?? [];
          check(
            issues.some((issue) => issue.path === "path"),
            `the ConfigurationError of ${method} of ${what} should name "path" in its issues; it lists ${JSON.stringify(issues)}`,
          );
        }
      }
      // Where a driver that normalised the paths instead of refusing them would have written.
      for (const path of [`/${base}/file.txt`, `/${base}-dotdot`, `/${base}/file`]) {
        await expectNoFile(context, id, path, "after the refused writes");
      }
    },
  },
  {
    id: "files.write.read-only",
    tier: "files",
    clause: "C-FILES-READ-ONLY",
    checks:
      "with a read-only root, writes outside any mount and into a read-only mount are FileSystemError (reason read-only, path) and write nothing; a writable volume mount takes the file",
    run: async (context) => {
      const { writeFile, readFile } = fileMethods(context);
      const volume = await context.createVolume();
      const mount = uniquePath(context, "data");
      const readOnlyMount = uniquePath(context, "ro");
      const { id } = await context.createRunningContainer({
        security: { readOnly: true },
        volumes: [
          { source: volume.name, target: mount, type: "volume" },
          { source: volume.name, target: readOnlyMount, type: "volume", readOnly: true },
        ],
      });
      const name = context.uniqueName("file");
      for (const path of [`/etc/${name}`, `/${name}`, `${readOnlyMount}/${name}`]) {
        await expectRefusal(
          context,
          () => writeFile(id, path, "must not land"),
          "read-only",
          path,
          `writeFile of ${path}`,
        );
        await expectNoFile(context, id, path, `after the refused write of ${path}`);
      }
      const allowed = `${mount}/sub/${name}`;
      await writeFile(id, allowed, "on the volume");
      checkSameBytes(await readFile(id, allowed), Buffer.from("on the volume"), `readFile of ${allowed}`);
    },
  },
  {
    id: "files.write.directory-in-the-way",
    tier: "files",
    clause: "C-FILES-BAD-TARGET",
    checks:
      "writing where a directory is (is-a-directory) or below a file (not-a-directory) is a FileSystemError naming the path, and the directory keeps its content; reading a directory is is-a-directory",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const directory = uniquePath(context, "dir");
      const inner = `${directory}/inner.txt`;
      await writeFile(id, inner, "kept");
      await expectRefusal(
        context,
        () => writeFile(id, directory, "x"),
        "is-a-directory",
        directory,
        "writeFile onto a directory",
      );
      checkSameBytes(await readFile(id, inner), Buffer.from("kept"), "the directory's file after the refused write");
      const below = `${inner}/child.txt`;
      await expectRefusal(context, () => writeFile(id, below, "x"), "not-a-directory", below, "writeFile below a file");
      checkSameBytes(await readFile(id, inner), Buffer.from("kept"), "the file after the refused write below it");
      await expectRefusal(
        context,
        () => readFile(id, directory),
        "is-a-directory",
        directory,
        "readFile of a directory",
      );
      await expectRefusal(
        context,
        async () => readAll(await readFileStream(id, directory)),
        "is-a-directory",
        directory,
        "readFileStream of a directory",
      );
    },
  },
  {
    id: "files.abort.signal",
    tier: "files",
    clause: "C-FILES-ABORT",
    checks:
      "an aborted signal rejects all three methods with OperationAbortedError before anything is written; aborting a write mid-content and a read mid-stream rejects them too",
    run: async (context) => {
      const { writeFile, readFile, readFileStream } = fileMethods(context);
      const { id } = await writableContainer(context);
      const aborted = AbortSignal.abort();
      const early = uniquePath(context, "early");
      await context.expectError(
        () => writeFile(id, early, "x", { signal: aborted }),
        "OperationAbortedError",
        "writeFile with an aborted signal",
      );
      await expectNoFile(context, id, early, "after a write with an aborted signal");
      const present = uniquePath(context, "present");
      await writeFile(id, present, new Uint8Array(8 * 1024 * 1024).fill(3));
      await context.expectError(
        () => readFile(id, present, { signal: aborted }),
        "OperationAbortedError",
        "readFile with an aborted signal",
      );
      await context.expectError(
        () => readFileStream(id, present, { signal: aborted }),
        "OperationAbortedError",
        "readFileStream with an aborted signal",
      );

      // A write whose content stops after one chunk: the signal aborts when the driver asks for the second.
      const writing = new AbortController();
      let release: () => void = () => undefined;
      const stalled: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]() {
          let pulls = 0;
          const finish = async () => {
            release();
            return { done: true, value: undefined } as const;
          };
          return {
            next: () => {
              pulls += 1;
              if (pulls === 1) return Promise.resolve({ done: false, value: ABORT_CHUNK });
              writing.abort();
              // Never more content; settles only when the driver closes the iterable.
              return new Promise<IteratorResult<Uint8Array>>((resolve) => {
                release = () => resolve({ done: true, value: undefined });
              });
            },
            return: finish,
            throw: finish,
          };
        },
      };
      await context.expectError(
        () => writeFile(id, uniquePath(context, "cut"), stalled, { signal: writing.signal }),
        "OperationAbortedError",
        "writeFile aborted while the driver waits for content",
      );

      // A read aborted after its first chunk: the rest of the iteration must reject, unless it already had it all.
      const reading = new AbortController();
      const chunks = (await readFileStream(id, present, { signal: reading.signal }))[Symbol.asyncIterator]();
      const first = await chunks.next();
      check(first.done !== true, "readFileStream of an 8 MiB file yielded nothing");
      let received = first.value.byteLength;
      reading.abort();
      try {
        for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
          received += next.value.byteLength;
        }
      } catch (error) {
        await context.expectError(() => Promise.reject(error), "OperationAbortedError", "the read after its abort");
        return;
      }
      // Ending normally is fine only when the driver had already delivered the whole file.
      check(
        received === 8 * 1024 * 1024,
        `after the abort, readFileStream ended normally with ${received} of 8388608 bytes; it must reject with OperationAbortedError instead of ending short`,
      );
    },
  },
];
