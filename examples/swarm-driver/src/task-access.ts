/**
 * Exec and files through the engine of the node that runs a container's
 * task. A manager knows where the task is (its node and its container there)
 * but has no exec or archive call; that node's own engine has both. So each
 * call finds the newest task (`ServiceClient.locate`) and hands it to the
 * Docker driver's `ExecClient` or `FileClient`, built once per node over a
 * scope for that node's engine: the task's container carries the ownership
 * labels, so those clients' own checks hold there unchanged.
 *
 * Status, read from the managers first (the service is the container):
 * - exec: the transition table's `exec` row; a container that does not run
 *   is a `ContainerStateError` naming its status.
 * - files: `running` and `paused` use the task's container; `stopped` and
 *   `exited` use the ended task's container, which its node keeps: the
 *   engine reads and writes a stopped container's file system, and the next
 *   start carries it into the new task (tasks.ts commits it). `created` has
 *   no task and no container yet, so nothing could hold a file: a
 *   `ContainerStateError`, as for `dead` (the node is down) and for an ended
 *   task whose container its node no longer has.
 *
 * Errors of the node's clients that name the task's container (not found,
 * state, file not found) are named again with the service's id.
 *
 * @module
 */
import { tmpdir } from "node:os";
import {
  ContainerNotFoundError,
  ContainerStateError,
  ExecError,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
  type FileContent,
  FileNotFoundError,
  parseExecOptions,
  parseExecRequest,
  parseFileContent,
  parseFilePath,
  parseReadFileOptions,
  parseWriteFileOptions,
  type ReadFileOptions,
  transitionFor,
  type WriteFileOptions,
} from "../../../src/index.js";
import { ExecClient } from "../../docker-driver/src/exec.js";
import { FileClient } from "../../docker-driver/src/files.js";
import { throwIfAborted } from "../../docker-driver/src/files-read.js";
import { requireString } from "../../docker-driver/src/preflight.js";
import type { NodeEngines } from "./nodes.js";
import type { ServiceClient, TaskLocation } from "./services.js";

/** The statuses whose task's container holds the container's file system. */
const FILE_STATUSES: ReadonlySet<string> = new Set(["running", "paused", "stopped", "exited"]);

type NodeClients = { readonly exec: ExecClient; readonly files: FileClient };

/** A task's container on its node, ready for the node's clients. */
type Reached = { readonly clients: NodeClients; readonly containerId: string };

/**
 * `execInContainer` and the file methods of the Swarm driver.
 *
 * @example
 * ```ts
 * const access = new TaskAccess(services, nodes);
 * const result = await access.exec(serviceId, { command: ["sh", "-c", "echo hi"] });
 * await access.writeFile(serviceId, "/workspace/task.json", "{}");
 * ```
 */
export class TaskAccess {
  readonly #services: ServiceClient;
  readonly #nodes: NodeEngines;
  /** Node ID → the Docker driver's clients over that node's engine. */
  readonly #clients = new Map<string, NodeClients>();

  constructor(services: ServiceClient, nodes: NodeEngines) {
    this.#services = services;
    this.#nodes = nodes;
  }

  /** `execInContainer`: see the module comment. */
  async exec(id: string, request: ExecRequest, options?: ExecOptions): Promise<ExecResult> {
    const operation = "execInContainer";
    requireString(id, "Container id");
    // Checked before the lookup: an invalid request is a ConfigurationError whatever the id.
    parseExecRequest(request);
    parseExecOptions(options);
    const location = await this.#locate(id, operation);
    if (transitionFor("exec", location.status).kind === "reject") {
      throw new ContainerStateError(id, location.status, operation);
    }
    if (location.containerId === undefined || location.nodeId === undefined) {
      // `running` while Swarm brings the task up: it will have a container shortly.
      throw new ExecError(id, "its task has no container yet (Swarm is starting it); try again", {
        context: { operation, containerId: id },
      });
    }
    const reached = await this.#reach(location, operation, id);
    return this.#renamed(id, operation, () => reached.clients.exec.run(reached.containerId, request, options));
  }

  /** `writeFile`: see the module comment. */
  async writeFile(id: string, path: string, content: FileContent, options: WriteFileOptions = {}): Promise<void> {
    const operation = "writeFile";
    requireString(id, "Container id");
    parseFilePath(path);
    parseFileContent(content);
    throwIfAborted(parseWriteFileOptions(options).signal, operation);
    const reached = await this.#reachFiles(id, operation);
    return this.#renamed(id, operation, () => reached.clients.files.write(reached.containerId, path, content, options));
  }

  /** `readFile`: see the module comment. */
  async readFile(id: string, path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    const operation = "readFile";
    requireString(id, "Container id");
    parseFilePath(path);
    throwIfAborted(parseReadFileOptions(options).signal, operation);
    const reached = await this.#reachFiles(id, operation);
    return this.#renamed(id, operation, () => reached.clients.files.read(reached.containerId, path, options));
  }

  /** `readFileStream`: see the module comment. Errors while iterating are the node client's own. */
  async readFileStream(id: string, path: string, options: ReadFileOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    const operation = "readFileStream";
    requireString(id, "Container id");
    parseFilePath(path);
    throwIfAborted(parseReadFileOptions(options).signal, operation);
    const reached = await this.#reachFiles(id, operation);
    return this.#renamed(id, operation, () => reached.clients.files.readStream(reached.containerId, path, options));
  }

  async #locate(id: string, operation: string): Promise<TaskLocation> {
    const location = await this.#services.locate(id, operation);
    if (location === null) throw new ContainerNotFoundError(id, { context: { operation } });
    return location;
  }

  async #reachFiles(id: string, operation: string): Promise<Reached> {
    const location = await this.#locate(id, operation);
    if (!FILE_STATUSES.has(location.status) || location.containerId === undefined || location.nodeId === undefined) {
      throw new ContainerStateError(id, location.status, operation);
    }
    return this.#reach(location, operation, id);
  }

  async #reach(location: TaskLocation, operation: string, id: string): Promise<Reached> {
    const nodeId = location.nodeId ?? "";
    const node = await this.#nodes.node(nodeId, { operation, containerId: id });
    let clients = this.#clients.get(nodeId);
    if (clients === undefined) {
      const scope = this.#nodes.scopeOf(node);
      clients = { exec: new ExecClient(scope), files: new FileClient(scope, { spoolDirectory: tmpdir() }) };
      this.#clients.set(nodeId, clients);
    }
    return { clients, containerId: location.containerId ?? "" };
  }

  /**
   * Run a node client's call; its errors that name the task's container are
   * named again with the service's id, its status read again from the managers.
   */
  async #renamed<T>(id: string, operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const options = { cause: error, context: { operation, containerId: id } };
      if (error instanceof FileNotFoundError) throw new FileNotFoundError(id, error.path, options);
      if (!(error instanceof ContainerNotFoundError || error instanceof ContainerStateError)) throw error;
      // The task's container ended or went between the lookup and the call: the service says what that is.
      const now = await this.#services.locate(id, operation);
      if (now === null) throw new ContainerNotFoundError(id, options);
      const status = now.status === "running" && error instanceof ContainerStateError ? error.status : now.status;
      throw new ContainerStateError(id, status, operation, options);
    }
  }
}
