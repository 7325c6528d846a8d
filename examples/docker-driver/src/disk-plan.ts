/**
 * Whether the engine can limit a container's disk size, decided once per
 * driver from the engine's storage driver, and what the driver does when it
 * cannot (its `diskLimit` mode). See docs/IMPLEMENTATION_GUIDE.md, section 6.
 *
 * @module
 */
import { type EngineInfo, type EngineScope, type EngineWithSignal, engineMessage } from "./engine-call.js";
import { DiskLimitUnsupportedError } from "./errors.js";
import type { DiskLimitPlan } from "./mapping.js";
import type { DiskLimitMode } from "./options.js";

/** A {@link DiskLimitPlan} with what the engine said about its storage. */
export type DiskPlanInfo = DiskLimitPlan & {
  /** The engine's storage driver, such as `overlay2`. */
  readonly storageDriver: string;
  /** The file system under it, such as `extfs`, when the engine reports one. */
  readonly backingFilesystem: string | undefined;
};

/** What `healthCheck()` reports: whether disk limits are applied; `unknown` until the storage driver was examined. */
export type DiskLimitState = "enforced" | "unenforced" | "unknown";

/** The engine's answer to a size limit that overlay2 on xfs without `pquota` cannot apply. */
const STORAGE_OPT_UNSUPPORTED = /storage-opt is supported only/i;

/**
 * The disk-limit plan of one driver instance. The engine's `info` is asked
 * once (again after a failure: the engine may have been down); on overlay2
 * over xfs only a create tells whether `pquota` is on, and its refusal
 * settles the plan ({@link DiskPlanner.afterRefusal}).
 *
 * @example
 * ```ts
 * const disk = await planner.plan(); // DiskLimitUnsupportedError in "enforce" mode when unenforceable
 * toCreateOptions(config, { ...context, disk });
 * ```
 */
export class DiskPlanner {
  /** What happens to disk limits the engine cannot apply. */
  readonly mode: DiskLimitMode;
  readonly #scope: EngineScope;
  #pending: Promise<DiskPlanInfo> | undefined;
  #settled: DiskPlanInfo | undefined;

  constructor(scope: EngineScope, mode: DiskLimitMode) {
    this.#scope = scope;
    this.mode = mode;
  }

  /** The plan for the next create; `DiskLimitUnsupportedError` when it cannot be enforced and the mode says enforce. */
  async plan(): Promise<DiskPlanInfo> {
    const disk = await this.#resolve();
    if (!disk.enforced && this.mode === "enforce") {
      throw new DiskLimitUnsupportedError(disk.storageDriver, disk.backingFilesystem);
    }
    return disk;
  }

  /**
   * The plan to create with after the engine refused `disk` with `error`:
   * unenforced when the refusal was the storage driver's (remembered from
   * then on; `DiskLimitUnsupportedError` in enforce mode), `undefined` when
   * the refusal was about something else.
   */
  afterRefusal(disk: DiskPlanInfo, error: unknown): DiskPlanInfo | undefined {
    if (!disk.enforced || !STORAGE_OPT_UNSUPPORTED.test(engineMessage(error))) return undefined;
    // overlay2 on xfs without pquota: only a try tells. Remember the answer.
    const downgraded = this.#settle({ ...disk, enforced: false });
    if (this.mode === "enforce") {
      throw new DiskLimitUnsupportedError(downgraded.storageDriver, downgraded.backingFilesystem, { cause: error });
    }
    return downgraded;
  }

  /** Whether disk limits are applied, as far as the driver knows yet. */
  state(): DiskLimitState {
    if (this.#settled === undefined) return "unknown";
    return this.#settled.enforced ? "enforced" : "unenforced";
  }

  #resolve(): Promise<DiskPlanInfo> {
    if (this.#settled !== undefined) return Promise.resolve(this.#settled);
    const { calls, docker } = this.#scope;
    this.#pending ??= calls
      .call({ operation: "createContainer" }, (signal) =>
        (docker as unknown as EngineWithSignal).info({ abortSignal: signal }),
      )
      .then((info: EngineInfo) => {
        const storageDriver = String(info.Driver ?? "unknown");
        const backing = (info.DriverStatus ?? []).find(([key]) => key === "Backing Filesystem")?.[1];
        // overlay2 on xfs supports sizes only with pquota, which only a try reveals (see afterRefusal).
        const enforced =
          (storageDriver === "overlay2" && backing === "xfs") || storageDriver === "btrfs" || storageDriver === "zfs";
        return this.#settle({ enforced, storageDriver, backingFilesystem: backing });
      })
      .catch((error: unknown) => {
        // Ask again next time: the engine may have been down.
        this.#pending = undefined;
        throw error;
      });
    return this.#pending;
  }

  #settle(plan: DiskPlanInfo): DiskPlanInfo {
    this.#settled = plan;
    return plan;
  }
}
