/**
 * `ProcessDriver`: each container a child process on the host, in a
 * directory of its own. It really runs commands (capability `execution`)
 * and claims nothing else: it cannot isolate a process (no read-only root,
 * no other user, no network `none`, no mount at a target) nor enforce its
 * limits, so it refuses the first and lists the second in `unenforced`.
 *
 * Everything is in memory, per instance. As contract 1.1 says, `close()`
 * leaves the containers in place (their processes keep running and the
 * driver still answers) and frees only what nothing uses, its directory
 * once it is empty; `cleanup()` kills every process the instance started,
 * removes every container, volume and network, then the directory.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  type CleanupReport,
  type Clock,
  ContainerLifecycle,
  type ContainerConfig,
  type ContainerDriver,
  type ContainerFilter,
  type ContainerInstance,
  ContainerNotFoundError,
  ContainerStartError,
  type ContainerStatus,
  DEFAULT_STOP_GRACE_MS,
  type DriverHealth,
  getErrorCode,
  getErrorMessage,
  LogBuffer,
  type LogOptions,
  mountTypeOf,
  type Network,
  NetworkNotFoundError,
  parseContainerFilter,
  parseLogOptions,
  parseStopOptions,
  ResourceLimitError,
  type StopOptions,
  stateForStatus,
  systemClock,
  type Volume,
  VolumeNotFoundError,
} from "../../../src/index.js";
import { ALWAYS_UNENFORCED, checkProcessConfig, currentUser, type ProcessUser, unenforcedFor } from "./config-rules.js";
import { NetworkRegistry, VolumeRegistry } from "./named-resources.js";
import { type MainProcess, startProcess, stopProcess } from "./process.js";

/** Options of {@link ProcessDriver}. Every field is optional. */
export type ProcessDriverOptions = {
  /** Where the driver makes its own directory (`openagent-process-*`). Default: the system's temp directory. */
  readonly rootDirectory?: string;
  /** Grace period of a stop that gives none, in ms. Default `DEFAULT_STOP_GRACE_MS` (10 s). */
  readonly stopTimeoutMs?: number;
  /** Grace period before a remove kills a running process, in ms. Default 2 000. */
  readonly removeTimeoutMs?: number;
  /** Time source of timestamps and waits. Default `systemClock`. */
  readonly clock?: Clock;
};

/** The PATH a process gets when its config sets none (a container image would set one). */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

type Entry = {
  readonly id: string;
  readonly config: ContainerConfig;
  readonly dir: string;
  readonly createdAt: number;
  readonly logs: LogBuffer;
  readonly unenforced: string[];
  status: ContainerStatus;
  startedAt?: number;
  exitCode?: number;
  main?: MainProcess | undefined;
  /** Set while a stop or remove ends the process, so its end reads `stopped`, not `exited`. */
  stopping: boolean;
};

/**
 * A `ContainerDriver` whose containers are child processes.
 *
 * @example
 * ```ts
 * const driver = new ProcessDriver();
 * const config = createDriverConfig({
 *   sessionId: "s-1",
 *   image: "host",
 *   command: ["sh", "-c", "echo hi"],
 *   network: "host",
 *   security: { readOnly: false, noNewPrivileges: false, user: String(process.getuid?.()), capabilities: { drop: [] } },
 * });
 * const container = await driver.createContainer(config);
 * await driver.startContainer(container.id);
 * await driver.getContainerLogs(container.id, { follow: true }); // "hi\n"
 * await driver.close();
 * ```
 */
export class ProcessDriver implements ContainerDriver {
  readonly name = "process";
  readonly version = "1.0.0";
  /** It runs commands; it isolates nothing and enforces no limit, so it claims nothing more. */
  readonly capabilities = ["execution"] as const;
  /** The most a container may ask for (refused above; not enforced below: see `unenforced`). */
  readonly limits: Readonly<{ cpu: number; memory: number; pids: number }>;
  /** Who every process runs as. */
  readonly user: ProcessUser = currentUser();

  readonly #containers = new Map<string, Entry>();
  readonly #volumes: VolumeRegistry;
  readonly #networks: NetworkRegistry;
  readonly #lifecycle = new ContainerLifecycle();
  readonly #clock: Clock;
  readonly #parent: string;
  readonly #stopTimeoutMs: number;
  readonly #removeTimeoutMs: number;
  readonly #startedAt: number;
  #root: Promise<string> | undefined;

  constructor(options: ProcessDriverOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#parent = options.rootDirectory ?? tmpdir();
    this.#stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_GRACE_MS;
    this.#removeTimeoutMs = options.removeTimeoutMs ?? 2_000;
    this.#volumes = new VolumeRegistry(this.#clock);
    this.#networks = new NetworkRegistry(this.#clock);
    this.#startedAt = this.#clock.now();
    this.limits = Object.freeze({ cpu: availableParallelism(), memory: Math.floor(totalmem() / 2 ** 20), pids: 4096 });
  }

  async createContainer(input: ContainerConfig): Promise<ContainerInstance> {
    const config = checkProcessConfig(input, this.user);
    const { cpu, memory, pids } = config.resources;
    if (cpu > this.limits.cpu) throw new ResourceLimitError("cpu", this.limits.cpu, cpu);
    if (memory > this.limits.memory) throw new ResourceLimitError("memory", this.limits.memory, memory);
    if (pids > this.limits.pids) throw new ResourceLimitError("pids", this.limits.pids, pids);
    if (config.network !== "none" && !this.#networks.exists(config.network)) {
      throw new NetworkNotFoundError(config.network);
    }
    for (const mount of config.volumes) {
      if (mountTypeOf(mount) === "volume" && this.#volumes.byName(mount.source) === undefined) {
        throw new VolumeNotFoundError(mount.source);
      }
    }
    const id = randomBytes(12).toString("hex");
    const dir = join(await this.#rootDirectory(), "containers", id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const entry: Entry = {
      id,
      config,
      dir,
      createdAt: this.#clock.now(),
      logs: new LogBuffer({ clock: this.#clock }),
      unenforced: unenforcedFor(config),
      status: "created",
      stopping: false,
    };
    this.#containers.set(id, entry);
    return this.#instance(entry);
  }

  async startContainer(id: string): Promise<void> {
    await this.#lifecycle.apply(id, "start", {
      status: () => this.#containers.get(id)?.status ?? null,
      move: () => this.#spawn(this.#entry(id)),
    });
  }

  async stopContainer(id: string, options: StopOptions = {}): Promise<void> {
    const { timeout, force } = parseStopOptions(options);
    const grace = force === true ? 0 : (timeout ?? this.#stopTimeoutMs);
    await this.#lifecycle.apply(id, "stop", {
      status: () => this.#containers.get(id)?.status ?? null,
      move: () => this.#end(this.#entry(id), grace),
    });
  }

  async removeContainer(id: string): Promise<void> {
    await this.#lifecycle.apply(id, "remove", {
      status: () => this.#containers.get(id)?.status ?? null,
      remove: async () => {
        const entry = this.#entry(id);
        if (entry.main !== undefined) await this.#end(entry, this.#removeTimeoutMs);
        this.#containers.delete(id);
        await rm(entry.dir, { recursive: true, force: true });
      },
    });
  }

  async getContainer(id: string): Promise<ContainerInstance | null> {
    const entry = this.#containers.get(id);
    return entry === undefined ? null : this.#instance(entry);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerInstance[]> {
    const { sessionId, status, state, label = {} } = parseContainerFilter(filter);
    return [...this.#containers.values()]
      .map((entry) => this.#instance(entry))
      .filter(
        (container) =>
          (sessionId === undefined || container.sessionId === sessionId) &&
          (status === undefined || container.status === status) &&
          (state === undefined || container.state === state) &&
          Object.entries(label).every(([key, value]) => container.labels[key] === value),
      );
  }

  async getContainerLogs(id: string, options: LogOptions = {}): Promise<string> {
    const parsed = parseLogOptions(options);
    return this.#entry(id, "getContainerLogs").logs.read(parsed);
  }

  async healthCheck(): Promise<DriverHealth> {
    const all = [...this.#containers.values()];
    const running = all.filter((entry) => entry.status === "running").length;
    return {
      status: "healthy",
      version: this.version,
      uptime: Math.max(0, this.#clock.now() - this.#startedAt),
      containers: { total: all.length, running, stopped: all.length - running },
      unenforced: [...ALWAYS_UNENFORCED, "volumes"],
    };
  }

  async isContainerHealthy(id: string): Promise<boolean> {
    return this.#entry(id, "isContainerHealthy").status === "running";
  }

  async createVolume(input: Parameters<ContainerDriver["createVolume"]>[0]): Promise<Volume> {
    return this.#volumes.create(input, await this.#rootDirectory());
  }

  async removeVolume(id: string): Promise<void> {
    await this.#volumes.remove(id, (name) =>
      [...this.#containers.values()].some((entry) =>
        entry.config.volumes.some((mount) => mountTypeOf(mount) === "volume" && mount.source === name),
      ),
    );
  }

  async createNetwork(input: Parameters<ContainerDriver["createNetwork"]>[0]): Promise<Network> {
    return this.#networks.create(input);
  }

  async removeNetwork(id: string): Promise<void> {
    this.#networks.remove(id, (name) => [...this.#containers.values()].some((entry) => entry.config.network === name));
  }

  /**
   * Remove every container (killing its processes), volume and network of
   * this instance; reports what it removed.
   */
  async cleanup(): Promise<CleanupReport> {
    const ids = [...this.#containers.keys()];
    const failures: NonNullable<CleanupReport["failures"]> = [];
    await Promise.all(
      ids.map((id) =>
        this.removeContainer(id).catch((error: unknown) => {
          failures.push({ kind: "container", id, code: getErrorCode(error), message: getErrorMessage(error) });
        }),
      ),
    );
    const networks = this.#networks.all().length;
    const volumes = this.#volumes.all().length;
    this.#networks.clear();
    for (const volume of this.#volumes.all()) await rm(volume.mountpoint, { recursive: true, force: true });
    this.#volumes.clear();
    await this.#releaseRootIfUnused();
    const report = { containers: ids.length - failures.length, volumes, networks };
    return failures.length === 0 ? report : { ...report, failures };
  }

  /**
   * Free what this instance holds and nothing uses: its directory, once no
   * container or volume lives in it. Containers, volumes and networks stay
   * (contract 1.1: a closed driver leaves runtime objects in place; in 1.0
   * this driver killed them here): running processes keep running, and the
   * driver still answers calls, making a new directory when it needs one.
   * Call `cleanup()` first to remove everything. Idempotent.
   *
   * @example
   * ```ts
   * await driver.cleanup();
   * await driver.close(); // nothing of the driver is left on the host
   * ```
   */
  async close(): Promise<void> {
    await this.#releaseRootIfUnused();
  }

  /** Remove the instance's directory when no container or volume lives in it. */
  async #releaseRootIfUnused(): Promise<void> {
    if (this.#containers.size > 0 || this.#volumes.all().length > 0) return;
    const root = this.#root;
    this.#root = undefined;
    if (root !== undefined) await rm(await root, { recursive: true, force: true });
  }

  #rootDirectory(): Promise<string> {
    this.#root ??= mkdtemp(join(this.#parent, "openagent-process-"));
    return this.#root;
  }

  #entry(id: string, operation?: string): Entry {
    const entry = this.#containers.get(id);
    if (entry === undefined) {
      throw new ContainerNotFoundError(String(id), operation === undefined ? {} : { context: { operation } });
    }
    return entry;
  }

  async #spawn(entry: Entry): Promise<void> {
    const { config } = entry;
    const env = { PATH: DEFAULT_PATH, HOME: entry.dir, ...config.env };
    let main: MainProcess;
    try {
      main = await startProcess(config.command ?? [], { cwd: entry.dir, env, stdin: config.stdin, logs: entry.logs });
    } catch (error) {
      throw new ContainerStartError(entry.id, getErrorMessage(error), { cause: error });
    }
    entry.main = main;
    entry.status = "running";
    entry.startedAt = this.#clock.now();
    delete entry.exitCode;
    entry.stopping = false;
    void main.ended.then((code) => {
      if (entry.main !== main) return;
      entry.main = undefined;
      entry.exitCode = code;
      entry.status = entry.stopping ? "stopped" : "exited";
    });
  }

  /** End the running process of `entry` with `graceMs`, and wait until its end is recorded. */
  async #end(entry: Entry, graceMs: number): Promise<void> {
    const main = entry.main;
    if (main === undefined) return;
    entry.stopping = true;
    await stopProcess(main, graceMs, this.#clock);
    // The `ended` handler above records the status; let it run first.
    await main.ended.then(() => undefined);
  }

  #instance(entry: Entry): ContainerInstance {
    const { config } = entry;
    const instance: ContainerInstance = {
      id: entry.id,
      name: `process-${config.sessionId}-${entry.id.slice(0, 8)}`,
      sessionId: config.sessionId,
      image: config.image,
      status: entry.status,
      state: stateForStatus(entry.status, entry.exitCode),
      endpoint: `file://${entry.dir}`,
      createdAt: entry.createdAt,
      labels: { ...config.labels },
      resources: { ...config.resources },
      unenforced: [...entry.unenforced],
    };
    if (entry.startedAt !== undefined) instance.startedAt = entry.startedAt;
    if (entry.exitCode !== undefined) instance.exitCode = entry.exitCode;
    if (config.idempotencyKey !== undefined) instance.idempotencyKey = config.idempotencyKey;
    return instance;
  }
}
