/**
 * Files: the contract's `writeFile`, `readFile` and `readFileStream` over the
 * engine's archive API (`PUT` and `GET /containers/{id}/archive`, a tar
 * stream both ways), for one driver and namespace.
 *
 * A write is decided before a byte is sent (files-target.ts): links resolved
 * inside the container, the mount checked, the parents to create listed; the
 * owner is the container's configured user, resolved in the container's own
 * `/etc/passwd` (files-owner.ts); content of unknown length is sized first
 * (files-content.ts); the archive is streamed (files-tar.ts). Reads are in
 * files-read.ts. Writes to one
 * path through one driver run one at a time, so the file is always one
 * writer's content.
 *
 * Status: files work on a container that is `created`, `running`, `paused`,
 * `stopped` or `exited` (the engine reads and writes a stopped container's
 * file system), except a write into the memory-backed `/tmp` of a container
 * that does not run, which would vanish (`ContainerStateError`); `dead` and
 * `removing` refuse every file operation with `ContainerStateError`.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  ContainerNotFoundError,
  ContainerStateError,
  DEFAULT_FILE_MODE,
  DEFAULT_READ_FILE_MAX_BYTES,
  type DriverError,
  type FileContent,
  FileNotFoundError,
  isDriverError,
  KeyedMutex,
  OperationAbortedError,
  parseFileContent,
  parseFilePath,
  parseReadFileOptions,
  parseWriteFileOptions,
  type ReadFileOptions,
  toDriverError,
  UnexpectedError,
  type WriteFileOptions,
} from "../../../src/index.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { sizeContent, unlessAborted } from "./files-content.js";
import { needsAccountFiles, type Owner, resolveOwner, UnknownUserError } from "./files-owner.js";
import {
  answerText,
  archiveError,
  type Operation,
  openFile,
  readWhole,
  STAT_HEADER,
  throwIfAborted,
} from "./files-read.js";
import { type ExtractedEntry, packFile } from "./files-tar.js";
import {
  archiveAnswer,
  areaOf,
  fileSystemError,
  mountAreas,
  parsePathStat,
  planWrite,
  type StatResult,
  type WritePlan,
} from "./files-target.js";
import { isOwnedBy } from "./labels.js";
import { statusFromEngine } from "./mapping.js";
import { requireString } from "./preflight.js";

/** What {@link FileClient} needs besides the engine scope. */
export type FileClientSettings = {
  /** The host directory where content of unknown length is spooled (unlinked at once). */
  readonly spoolDirectory: string;
};

/** Engine ids are 64 hex digits; anything else is not an id this driver handed out. */
const ENGINE_ID = /^[0-9a-f]{64}$/;

/** The most containers whose owner is remembered; the oldest is forgotten first. */
const OWNER_CACHE_SIZE = 1_024;

/** The largest account file (`/etc/passwd`, `/etc/group`) read to resolve the owner. */
const ACCOUNT_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The file methods of the Docker driver.
 *
 * @example
 * ```ts
 * const files = new FileClient(scope, { spoolDirectory: os.tmpdir() });
 * await files.write(id, "/workspace/task.json", JSON.stringify(task), { mode: 0o600 });
 * const result = await files.read(id, "/workspace/result.json");
 * ```
 */
export class FileClient {
  readonly #scope: EngineScope;
  readonly #settings: FileClientSettings;
  /** Per container and path: writes to one path take turns, so the file is one writer's whole content. */
  readonly #locks = new KeyedMutex<string>();
  /** Container id → its configured user's uid and gid (a container's user never changes). */
  readonly #owners = new Map<string, Promise<Owner>>();

  constructor(scope: EngineScope, settings: FileClientSettings) {
    this.#scope = scope;
    this.#settings = settings;
  }

  /** `writeFile`: see the module's description. */
  async write(id: string, path: string, content: FileContent, options: WriteFileOptions = {}): Promise<void> {
    const operation = "writeFile";
    const containerId = requireString(id, "Container id");
    const target = parseFilePath(path);
    const { mode = DEFAULT_FILE_MODE, signal } = parseWriteFileOptions(options);
    const source = parseFileContent(content);
    throwIfAborted(signal, operation);
    try {
      await this.#locks.runExclusive(
        `${containerId}\u0000${target}`,
        async () => {
          if (!ENGINE_ID.test(containerId)) throw new ContainerNotFoundError(containerId, { context: { operation } });
          const context = { operation, containerId };
          // The stats only read, so they go with the ownership check rather than after it: one round trip less.
          const [inspected, planned] = await Promise.allSettled([
            this.#inspect(containerId, operation, signal),
            planWrite(target, (prefix) => this.#stat(containerId, prefix, signal), context),
          ]);
          if (inspected.status === "rejected") throw inspected.reason;
          if (planned.status === "rejected") throw planned.reason;
          const [info, plan] = [inspected.value, planned.value];
          this.#checkArea(info, plan, target);
          const owner = await this.#owner(info, target, signal);
          const sized = await sizeContent(source, { signal, spoolDirectory: this.#settings.spoolDirectory, operation });
          try {
            await this.#put(containerId, plan, target, owner, mode, sized, signal);
          } finally {
            await sized.release();
          }
        },
        signal === undefined ? {} : { signal },
      );
    } catch (error) {
      throw this.#settle(error, operation, containerId, signal);
    }
  }

  /** `readFile`: the whole file, at most `maxBytes` (default 64 MiB) or `ResourceLimitError`. */
  async read(id: string, path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    const operation = "readFile";
    const containerId = requireString(id, "Container id");
    const source = parseFilePath(path);
    const { maxBytes = DEFAULT_READ_FILE_MAX_BYTES, signal } = parseReadFileOptions(options);
    throwIfAborted(signal, operation);
    try {
      await this.#inspect(containerId, operation, signal);
      return await readWhole(this.#scope, containerId, source, maxBytes, operation, signal);
    } catch (error) {
      throw this.#settle(error, operation, containerId, signal);
    }
  }

  /**
   * `readFileStream`: resolves once the file is found, with its bytes as
   * they arrive. Read the iterable to its end or stop it (`break`): until
   * then the engine's answer holds a connection.
   */
  async readStream(id: string, path: string, options: ReadFileOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const operation = "readFileStream";
    const containerId = requireString(id, "Container id");
    const source = parseFilePath(path);
    const { signal } = parseReadFileOptions(options);
    throwIfAborted(signal, operation);
    let entry: ExtractedEntry;
    try {
      await this.#inspect(containerId, operation, signal);
      ({ entry } = await openFile(this.#scope, containerId, source, operation, signal));
    } catch (error) {
      throw this.#settle(error, operation, containerId, signal);
    }
    const settle = (error: unknown) => this.#settle(error, operation, containerId, signal);
    return (async function* () {
      try {
        for await (const chunk of entry.chunks) {
          throwIfAborted(signal, operation);
          yield chunk;
        }
      } catch (error) {
        throw settle(error);
      }
    })();
  }

  /** The container's inspect data; `ContainerNotFoundError` unless it is this driver's and namespace's. */
  async #inspect(
    id: string,
    operation: Operation,
    signal: AbortSignal | undefined,
  ): Promise<Docker.ContainerInspectInfo> {
    const { calls, docker, driver, namespace } = this.#scope;
    if (!ENGINE_ID.test(id)) throw new ContainerNotFoundError(id, { context: { operation } });
    let info: Docker.ContainerInspectInfo;
    try {
      info = await unlessAborted(
        calls.call({ operation, containerId: id }, (timeout) =>
          docker.getContainer(id).inspect({ abortSignal: timeout }),
        ),
        signal,
        operation,
      );
    } catch (error) {
      if (error instanceof ContainerNotFoundError) throw new ContainerNotFoundError(id, { context: { operation } });
      throw error;
    }
    if (info.Id !== id || !isOwnedBy(info.Config.Labels, driver, namespace)) {
      throw new ContainerNotFoundError(id, { context: { operation } });
    }
    const status = statusFromEngine(info.State.Status, info.Name);
    if (status === "dead" || status === "removing") throw new ContainerStateError(id, status, operation);
    return info;
  }

  /** The engine's stat of one path (HEAD of the archive endpoint). */
  #stat(id: string, path: string, signal: AbortSignal | undefined): Promise<StatResult> {
    const operation = "writeFile";
    const container = this.#scope.docker.getContainer(id);
    const attempt = async (timeout: AbortSignal): Promise<StatResult> => {
      try {
        const answer = (await container.infoArchive({ path, abortSignal: timeout })) as unknown as {
          headers: Record<string, string | string[] | undefined>;
          resume(): void;
        };
        answer.resume();
        const stat = parsePathStat(answer.headers[STAT_HEADER]);
        if (stat === undefined) throw new UnexpectedError(`The engine's stat of '${path}' has no readable header.`);
        return { kind: "found", stat };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 404) return { kind: "missing" };
        // A HEAD answer has no body; the engine's reason is in the GET's.
        if (status === 500 && (await this.#reasonOf(container, path, timeout)) === "not-a-directory") {
          return { kind: "not-a-directory" };
        }
        throw error;
      }
    };
    return unlessAborted(this.#scope.calls.call({ operation, containerId: id }, attempt), signal, operation);
  }

  async #reasonOf(container: Docker.Container, path: string, signal: AbortSignal) {
    try {
      const answer = (await container.getArchive({ path, abortSignal: signal })) as unknown as { destroy(): void };
      answer.destroy();
      return undefined;
    } catch (error) {
      return archiveAnswer(statusCodeOf(error), answerText(error));
    }
  }

  /** Refuses a target the engine would not write where the container sees it. */
  #checkArea(info: Docker.ContainerInspectInfo, plan: WritePlan, path: string): void {
    const area = areaOf(mountAreas(info), plan.target);
    const context = { operation: "writeFile", containerId: info.Id };
    const where = area.destination === "/" ? "the container's root file system" : `the mount at ${area.destination}`;
    if (area.access === "read-only") {
      throw fileSystemError(
        "read-only",
        path,
        `Cannot write '${path}': ${where} is read-only. Write under a writable mount (a volume), or create the container with security.readOnly: false.`,
        context,
      );
    }
    if (area.access === "unreachable") {
      throw fileSystemError(
        "read-only",
        path,
        `Cannot write '${path}': ${where} is a tmpfs inside the container, which the engine's archive API cannot reach (it would write beneath it, where the container never looks). Recreate the container with this driver, whose /tmp it can reach, or write to a volume.`,
        context,
      );
    }
    const status = statusFromEngine(info.State.Status, info.Name);
    if (area.access === "memory" && status !== "running" && status !== "paused") {
      // The volume is a fresh tmpfs whenever it is mounted: a write now would be gone by the next start.
      throw new ContainerStateError(info.Id, status, "writeFile", {
        context: { path, mount: area.destination, reason: "memory-backed mount" },
      });
    }
  }

  /** The uid and gid of the container's configured user, resolved once per container. */
  #owner(info: Docker.ContainerInspectInfo, path: string, signal: AbortSignal | undefined): Promise<Owner> {
    const cached = this.#owners.get(info.Id);
    if (cached !== undefined) return cached;
    const user = info.Config.User ?? "";
    const resolving = (async () => {
      const files = needsAccountFiles(user)
        ? await Promise.all([
            this.#readAccountFile(info.Id, "/etc/passwd", signal),
            this.#readAccountFile(info.Id, "/etc/group", signal),
          ])
        : [undefined, undefined];
      try {
        return resolveOwner(user, { passwd: files[0], group: files[1] });
      } catch (error) {
        if (!(error instanceof UnknownUserError)) throw error;
        throw fileSystemError(
          "unknown-user",
          path,
          `Cannot write '${path}' as the container's user: ${error.message}.`,
          {
            operation: "writeFile",
            containerId: info.Id,
          },
        );
      }
    })();
    this.#owners.set(info.Id, resolving);
    // Forgotten when it fails (the next write asks again), and the oldest goes once the cache is full.
    resolving.catch(() => this.#owners.delete(info.Id));
    if (this.#owners.size > OWNER_CACHE_SIZE) this.#owners.delete(this.#owners.keys().next().value as string);
    return resolving;
  }

  async #readAccountFile(id: string, path: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    try {
      return Buffer.from(await readWhole(this.#scope, id, path, ACCOUNT_FILE_MAX_BYTES, "writeFile", signal)).toString(
        "utf8",
      );
    } catch (error) {
      if (error instanceof FileNotFoundError) return undefined;
      throw error;
    }
  }

  /** Send the archive of `plan` and wait for the engine's answer. */
  async #put(
    id: string,
    plan: WritePlan,
    path: string,
    owner: Owner,
    mode: number,
    content: Awaited<ReturnType<typeof sizeContent>>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const archive = packFile({ parents: plan.parents, entry: plan.entry, owner, mode, content });
    const upload = this.#scope.docker.getContainer(id).putArchive(archive.stream, {
      path: plan.directory,
      noOverwriteDirNonDir: true,
      ...(signal === undefined ? {} : { abortSignal: signal }),
    });
    // An early answer (a refusal) must stop the content, or the producer would wait for a reader forever.
    upload.catch((error: unknown) => archive.stream.destroy(error instanceof Error ? error : new Error(String(error))));
    archive.done.catch((error: unknown) =>
      archive.stream.destroy(error instanceof Error ? error : new Error(String(error))),
    );
    const [sent, answered] = await Promise.allSettled([archive.done, upload]);
    // The engine's answer says most; else the content's own failure, which cut the upload short.
    if (answered.status === "rejected" && statusCodeOf(answered.reason) !== undefined) {
      throw archiveError(answered.reason, id, path, "writeFile");
    }
    if (sent.status === "rejected") throw toDriverError(sent.reason, { operation: "writeFile", containerId: id });
    if (answered.status === "rejected") throw archiveError(answered.reason, id, path, "writeFile");
  }

  /** What a failed call rejects with: the caller's abort wins, then contract errors, then the mapping. */
  #settle(error: unknown, operation: Operation, id: string, signal: AbortSignal | undefined): DriverError {
    if (error instanceof OperationAbortedError) return error;
    if (signal?.aborted === true) return new OperationAbortedError(operation, { cause: signal.reason });
    if (isDriverError(error)) return error;
    return toDriverError(error, { operation, containerId: id });
  }
}
