/**
 * The public types of the conformance suite: what a case is, what the runner
 * takes and what it reports. Nothing here depends on a test framework.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import { DRIVER_CAPABILITIES } from "../contract/driver.js";
import type { DriverErrorName } from "../errors.js";
import type { ContainerDriver, DriverCapability } from "../contract/driver.js";
import type {
  ContainerConfig,
  ContainerInstance,
  ContainerStatus,
  Network,
  NetworkConfig,
  ResourceLimits,
  Volume,
  VolumeConfig,
} from "../contract/schemas.js";
import type { DriverConfigInput } from "../builders.js";
import type { ContractClauseId } from "./clauses.js";

/**
 * Which drivers a case applies to: `core` cases apply to every driver; a
 * capability name applies only to drivers that declare it in
 * `ContainerDriver.capabilities`.
 */
export type ConformanceTier = "core" | DriverCapability;

/**
 * Every tier: `core` and one per capability of `DRIVER_CAPABILITIES`. The
 * default selection of the runner and the CLI, derived so that a capability
 * added to the contract runs by default without touching either.
 *
 * @example
 * ```ts
 * runConformance(factory, { tiers: CONFORMANCE_TIERS.filter((tier) => tier !== "execution") });
 * ```
 */
export const CONFORMANCE_TIERS: readonly ConformanceTier[] = Object.freeze(["core", ...DRIVER_CAPABILITIES]);

/**
 * What the runner hands to a driver module or a test: a fresh driver on every
 * call. `D` is the driver's own type, so `arrange` hooks receive it without a cast.
 */
export type DriverFactory<D extends ContainerDriver = ContainerDriver> = () => D | Promise<D>;

/**
 * Everything a case needs. The driver is fresh for each case and wrapped so
 * that every rejection is checked against the error contract; everything the
 * case creates through the helpers carries the run's labels and is removed
 * after the case, whatever its outcome.
 */
export type CaseContext = {
  /** The driver under test, fresh for this case, wrapped to check every rejection. */
  readonly driver: ContainerDriver;
  /** The same driver unwrapped: what `ConformanceOptions.arrange` hooks receive. */
  readonly unwrappedDriver: ContainerDriver;
  /** Identifies this run; also the value of the run label. */
  readonly runId: string;
  /** The labels every container, volume and network of this run carries. */
  readonly runLabels: Readonly<Record<string, string>>;
  /** The id of the case this context belongs to. */
  readonly caseId: string;
  /**
   * The run's labels plus this case's own: what every resource the helpers
   * create for this case carries. Cases run concurrently, so a case that
   * looks for "its" containers filters by these, never by the run's alone.
   */
  readonly caseLabels: Readonly<Record<string, string>>;
  /** The resolved options of the run. */
  readonly options: ResolvedConformanceOptions;
  /** Aborts when the case runs out of time; long waits listen to it. */
  readonly signal: AbortSignal;
  /**
   * A name unique within the run, safe as a session id, volume or network name.
   *
   * @example
   * ```ts
   * const volume = await ctx.driver.createVolume({ name: ctx.uniqueName("vol"), labels: ctx.runLabels });
   * ```
   */
  uniqueName(prefix: string): string;
  /**
   * A valid container config for this case: a unique session id, the run's
   * image and idle command, then `ConformanceOptions.baseConfig`, then
   * `input` (nested objects merged field by field), with the case's labels
   * merged over the labels given.
   *
   * @example
   * ```ts
   * const config = ctx.containerConfig({ command: ["sh", "-c", "exit 3"] });
   * ```
   */
  containerConfig(input?: DriverConfigInput): ContainerConfig;
  /**
   * Create a container from {@link CaseContext.containerConfig}, tracked for cleanup.
   *
   * @example
   * ```ts
   * const container = await ctx.createContainer();
   * if (container.status !== "created") throw new ConformanceCheckError(`status is ${container.status}`);
   * ```
   */
  createContainer(input?: DriverConfigInput): Promise<ContainerInstance>;
  /**
   * Create and start a container, tracked for cleanup.
   *
   * @example
   * ```ts
   * const container = await ctx.createRunningContainer({ env: { GREETING: "hi" } });
   * ```
   */
  createRunningContainer(input?: DriverConfigInput): Promise<ContainerInstance>;
  /**
   * Create a volume with a unique name and the run's labels, tracked for cleanup.
   *
   * @example
   * ```ts
   * const volume = await ctx.createVolume({ labels: { purpose: "shared" } });
   * ```
   */
  createVolume(input?: Partial<VolumeConfig>): Promise<Volume>;
  /**
   * Create a network with a unique name and the run's labels, tracked for cleanup.
   *
   * @example
   * ```ts
   * const network = await ctx.createNetwork();
   * await ctx.createContainer({ network: network.name });
   * ```
   */
  createNetwork(input?: Partial<NetworkConfig>): Promise<Network>;
  /**
   * Track a container, volume or network created without the helpers, so
   * that cleanup removes it even when the case fails.
   *
   * @example
   * ```ts
   * const container = await ctx.driver.createContainer(ctx.containerConfig());
   * ctx.track("container", container.id);
   * ```
   */
  track(kind: "container" | "volume" | "network", id: string): void;
  /**
   * The driver's containers that carry this case's labels ({@link CaseContext.caseLabels}):
   * what this case created, whatever other cases run at the same time.
   *
   * @example
   * ```ts
   * if ((await ctx.ownContainers()).length > 0) throw new ConformanceCheckError("a container was left behind");
   * ```
   */
  ownContainers(): Promise<ContainerInstance[]>;
  /**
   * The container's status, failing the case when the container is gone.
   *
   * @example
   * ```ts
   * await ctx.driver.stopContainer(container.id);
   * const status = await ctx.statusOf(container.id); // "stopped"
   * ```
   */
  statusOf(id: string): Promise<ContainerStatus>;
  /**
   * Run `action` and check that it rejects with the contract error `expected`:
   * a `DriverError` (from any copy of the package) with that class's code and
   * retryable flag. Returns the error.
   *
   * @example
   * ```ts
   * await ctx.expectError(() => ctx.driver.startContainer("missing"), "ContainerNotFoundError", "start of an unknown id");
   * ```
   */
  expectError(action: () => Promise<unknown>, expected: DriverErrorName, what: string): Promise<unknown>;
  /**
   * Call `read` every poll interval until `done` holds for its result; fails
   * the case when the case's time runs out first.
   *
   * @example
   * ```ts
   * await ctx.waitFor(() => ctx.statusOf(container.id), (status) => status === "exited", "the command to end");
   * ```
   */
  waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T>;
  /**
   * Wait `ms`, or stop when the case runs out of time.
   *
   * @example
   * ```ts
   * await ctx.sleep(ctx.options.pollIntervalMs);
   * ```
   */
  sleep(ms: number): Promise<void>;
  /**
   * Remove everything this case created through the helpers, as a user
   * would: containers, then networks, then volumes. Errors propagate.
   *
   * @example
   * ```ts
   * await ctx.removeTracked();
   * (await ctx.ownContainers()).length; // 0
   * ```
   */
  removeTracked(): Promise<void>;
};

/** One conformance case: data plus the check. */
export type ConformanceCase = {
  /** Stable id such as `lifecycle.start.from-stopped`; never reused for another check. */
  readonly id: string;
  /** The tier the case belongs to. */
  readonly tier: ConformanceTier;
  /** The contract clause the case checks, defined in docs/INTERFACE_CONTRACT.md. */
  readonly clause: ContractClauseId;
  /**
   * Ids the case had before (a case moved to another tier gets that tier's
   * prefix). Filters and `unsupported` keys still find it by them, and the
   * report lists them, so a CI that tracked the old id can follow it.
   */
  readonly formerIds?: readonly string[];
  /**
   * The case counts or lists what the whole driver holds (health counts,
   * totals before and after a refused create), so it runs alone, after the
   * concurrent ones, in case order. Default `false`.
   */
  readonly exclusive?: boolean;
  /** One sentence: what the case checks. */
  readonly checks: string;
  /** When set, the case is always reported as skipped with this reason. */
  readonly skipReason?: string;
  /** A reason to skip under these options (such as no declared limits), or `undefined` to run. */
  readonly skipUnless?: (options: ResolvedConformanceOptions, driver: ConformanceDriverInfo) => string | undefined;
  /**
   * The check. Resolves when the driver honours the clause; rejects with a
   * message that says what was expected and what happened otherwise.
   */
  readonly run: (context: CaseContext) => Promise<void>;
};

/** Progress events, for a progress line or a log. */
export type ConformanceProgress =
  | {
      readonly type: "run-start";
      readonly driver: ConformanceDriverInfo;
      readonly total: number;
    }
  | {
      readonly type: "case-start";
      readonly id: string;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly type: "case-end";
      readonly result: ConformanceResult;
      readonly index: number;
      readonly total: number;
    }
  | { readonly type: "run-end"; readonly report: ConformanceReport };

/** Statuses that only a driver's own test hooks can produce. */
export type HookedStatus = Extract<ContainerStatus, "paused" | "dead" | "removing" | "exited">;

/**
 * Per status, a hook that moves the given running container of `driver` into
 * that status (the driver passed is the one under test, unwrapped, typed as
 * the factory's driver `D`).
 */
export type StatusArrangers<D extends ContainerDriver = ContainerDriver> = Readonly<
  Partial<Record<HookedStatus, (driver: D, id: string) => void | Promise<void>>>
>;

/**
 * Cases the driver's author declares unsupported, each with the reason: a
 * case id (or one of its former ids) or a pattern where `*` stands for any
 * characters (`networks.use.*`), mapped to why the driver cannot honour it.
 */
export type UnsupportedCases = Readonly<Record<string, string>>;

/** Options of `runConformance`. Every field is optional. */
export type ConformanceOptions<D extends ContainerDriver = ContainerDriver> = {
  /**
   * The image the cases create containers from. Execution-tier cases need a
   * busybox-like image with `sh`, `echo`, `id`, `cat`, `env`, `grep`, `sleep`
   * and a user the config's `security.user` names. Default
   * `openagent-test/busybox:latest` (the image scripts/docker-engine.sh builds).
   */
  readonly image?: string;
  /**
   * The command of containers that should keep running until stopped.
   * Default: a shell that sleeps and exits 0 at once on SIGTERM, so that a real
   * engine stops it without waiting for the kill.
   */
  readonly idleCommand?: readonly string[];
  /**
   * Tiers to run; cases of other tiers are left out of the report, e.g. `["core"]`
   * where no engine can run commands. Default: every tier.
   */
  readonly tiers?: readonly ConformanceTier[];
  /** Only cases whose id contains this string or matches this pattern, to rerun one failure quickly. Default: every case. */
  readonly filter?: string | RegExp;
  /** Time each case may take, cleanup excluded, in ms; positive. Default 30 000 (real engines are slow). */
  readonly timeoutMs?: number;
  /** Interval between two polls of a waiting case, in ms, `>= 0`; short enough to keep the suite quick. Default 50. */
  readonly pollIntervalMs?: number;
  /**
   * The most the driver allows of each resource. When known, the
   * `limits.declared.*` cases check that exactly these are enforced; when not,
   * they are skipped and only the absurd request (`limits.absurd.cpu`) is checked.
   * Default: the driver's own `limits` property when it has one (an object
   * with finite `cpu`, `memory`, `disk` or `pids`), so a driver states its
   * maxima once; otherwise not given.
   */
  readonly limits?: Partial<ResourceLimits>;
  /**
   * A config merged under every config the cases build (nested objects field
   * by field; a case's own fields win). For a driver that refuses a secure
   * default it cannot enforce (a read-only root, network `none`): declare
   * here what it supports instead, openly, rather than downgrading in
   * silence. The report shows it. `sessionId` and `idempotencyKey` are
   * refused (every case needs its own). Default: none, the contract's secure
   * defaults.
   *
   * @example
   * ```ts
   * { baseConfig: { security: { readOnly: false }, network: "host" } }
   * ```
   */
  readonly baseConfig?: DriverConfigInput;
  /**
   * Cases the driver cannot honour, by id or `*` pattern, each with the
   * reason ({@link UnsupportedCases}). They do not run; they are reported as
   * `unsupported` with the reason, counted apart (never as passed), and a
   * key that matches no case is refused, so a typo cannot hide a case.
   * Default: none.
   */
  readonly unsupported?: UnsupportedCases;
  /**
   * How many cases run at once. Cases are isolated by their own names and
   * labels; those marked `exclusive` run alone afterwards. 1 runs them one
   * after the other. Default 4: enough to overlap a real engine's waits
   * without swamping a small machine.
   */
  readonly concurrency?: number;
  /**
   * Hooks that put a running container into a status no interface call
   * produces (`dead`, `removing`; `paused` for a driver without the `pause`
   * capability, which otherwise is reached through `pauseContainer`; and
   * `exited` for a driver without the `execution` capability), for drivers
   * with test hooks such as the mocks' `simulate`. With a hook, the
   * transition cells of that status run; without, they are skipped.
   * Default: none.
   */
  readonly arrange?: StatusArrangers<D>;
  /** Called on every progress event, to show a long run's progress (the CLI draws its progress line from it). Default: none. */
  readonly onProgress?: (event: ConformanceProgress) => void;
  /** Time source for timeouts, polls and durations. Default `systemClock`. */
  readonly clock?: Clock;
  /**
   * Identifies the run in labels and names, so a leftover can be traced to
   * its run; 1–16 characters of `[a-z0-9]` (it ends up in resource names).
   * Default: a random 8-character id.
   */
  readonly runId?: string;
};

/** {@link ConformanceOptions} with every default applied. */
export type ResolvedConformanceOptions = {
  /** See {@link ConformanceOptions.image}. */
  readonly image: string;
  /** See {@link ConformanceOptions.idleCommand}. */
  readonly idleCommand: readonly string[];
  /** See {@link ConformanceOptions.tiers}. */
  readonly tiers: readonly ConformanceTier[];
  /** See {@link ConformanceOptions.filter}; `undefined` selects every case. */
  readonly filter: string | RegExp | undefined;
  /** See {@link ConformanceOptions.timeoutMs}. */
  readonly timeoutMs: number;
  /** See {@link ConformanceOptions.pollIntervalMs}. */
  readonly pollIntervalMs: number;
  /** See {@link ConformanceOptions.limits}; `undefined` skips the `limits.declared.*` cases. */
  readonly limits: Partial<ResourceLimits> | undefined;
  /** See {@link ConformanceOptions.arrange}. */
  readonly arrange: StatusArrangers;
  /** See {@link ConformanceOptions.baseConfig}; `{}` when none. */
  readonly baseConfig: DriverConfigInput;
  /** See {@link ConformanceOptions.unsupported}; `{}` when none. */
  readonly unsupported: UnsupportedCases;
  /** See {@link ConformanceOptions.concurrency}. */
  readonly concurrency: number;
  /** See {@link ConformanceOptions.clock}. */
  readonly clock: Clock;
  /** See {@link ConformanceOptions.runId}. */
  readonly runId: string;
};

/**
 * Outcome of one case: `skipped` when the case does not apply (a capability
 * not declared, a status nothing can reach), `unsupported` when the driver's
 * author declared it so (`ConformanceOptions.unsupported`), with the reason.
 */
export type ConformanceStatus = "passed" | "failed" | "skipped" | "unsupported";

/** The result of one case. */
export type ConformanceResult = {
  /** The case's id, such as `lifecycle.start.from-stopped`; stable, so CI can track a case across runs. */
  readonly id: string;
  /** The tier the case belongs to; a tier the driver does not declare is skipped. */
  readonly tier: ConformanceTier;
  /** The clause of docs/INTERFACE_CONTRACT.md the case checks, so a failure points at the rule broken. */
  readonly clause: ContractClauseId;
  /** What the case checks, in one sentence. */
  readonly checks: string;
  /** The ids the case had before, when it was renamed; see {@link ConformanceCase.formerIds}. */
  readonly formerIds?: readonly string[];
  /** Whether it passed, failed, was skipped or is unsupported; see `error` and `reason`. */
  readonly status: ConformanceStatus;
  /** Time the case took, cleanup included, in ms; 0 when skipped. */
  readonly durationMs: number;
  /** Why the case failed. */
  readonly error?: string;
  /** Why the case was skipped, or why the driver does not support it. */
  readonly reason?: string;
};

/** Who was tested. */
export type ConformanceDriverInfo = {
  /** The driver's `name`. */
  readonly name: string;
  /** The driver's `version`. */
  readonly version: string;
  /** The driver's declared capabilities; `[]` when it declares none. Decides which tiers run. */
  readonly capabilities: readonly string[];
  /** The driver's own `limits` property, when it has one; the default of `ConformanceOptions.limits`. */
  readonly limits?: Partial<ResourceLimits>;
  /**
   * The optional methods the driver has (`close`, `cleanup`, and those of
   * its capabilities), in the method table's order; the cases of `close()`
   * and `cleanup()` run only for a driver that has them.
   */
  readonly optionalMethods: readonly string[];
};

/** What `runConformance` returns. */
export type ConformanceReport = {
  /** Who was tested. */
  readonly driver: ConformanceDriverInfo;
  /** The run's id, also in the labels of what it created, so leftovers can be traced to the run. */
  readonly runId: string;
  /** One result per selected case, in case order. */
  readonly results: readonly ConformanceResult[];
  /** The `baseConfig` every case's config was built on, when one was given: what the driver declared it needs. */
  readonly baseConfig?: DriverConfigInput;
  /** Counts of `results` by status, so a caller need not count. */
  readonly summary: {
    /** Selected cases. */
    readonly total: number;
    /** Cases that passed. */
    readonly passed: number;
    /** Cases that failed. */
    readonly failed: number;
    /** Cases skipped, each with its reason in `results`. */
    readonly skipped: number;
    /** Cases the driver's author declared unsupported, each with its reason in `results`; never passed. */
    readonly unsupported: number;
  };
  /** Wall time of the whole run, in ms. */
  readonly durationMs: number;
  /** `true` when no selected case failed (skipped and declared-unsupported cases are listed, not failed). */
  readonly ok: boolean;
};
