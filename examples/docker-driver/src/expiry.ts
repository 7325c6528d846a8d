/**
 * Expiry: where a container's expiry lives on the engine, how
 * `setContainerExpiry` moves it, and the sweeper that removes expired
 * containers.
 *
 * Where it lives. The expiry a container is created with (`ttlMs`) is the
 * label `org.openagent.expires-at` (ms since the epoch). Labels cannot change
 * after create, so a moved expiry is a marker in the container's name,
 * `.expires-<ms>` or `.expires-never` (see `EXPIRY_NAME_MARKER`), which wins
 * over the label. The name is, like the stopped marker, kept by the engine
 * across driver and engine restarts, changed through the current name and
 * read back (see container-name.ts, so two instances do not lose each
 * other's change), and
 * is in every list summary: a sweep reads every expiry of the namespace from
 * one list call, with no inspect per container.
 *
 * The sweeper (a variant engine overrides how it lists and removes). While a driver runs, it sweeps its namespace on the first
 * call (so a restarted driver removes what expired while none ran), then
 * every `intervalMs`, and earlier when it knows an expiry falls sooner (its
 * own creates and moves, and every expiry the last list showed). A sweep is
 * one list call by label, then one forced removal per expired container.
 * Its timer is `unref`ed (it never keeps a process alive) and `close()`
 * stops it. No container of the namespace outlives its expiry by more than
 * the interval plus one sweep while any driver of the namespace runs.
 *
 * @module
 */
import {
  ConfigurationError,
  ContainerNotFoundError,
  type DriverError,
  getErrorMessage,
  toDriverError,
  MAX_TIMER_DELAY_MS,
} from "../../../src/index.js";
import type Docker from "dockerode";
import { changeEngineName } from "./container-name.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { expiryOf, OWNER_LABELS, ownerLabelFilter } from "./labels.js";

/** The latest expiry the engine name can hold: the latest time a JavaScript `Date` can hold, in ms. */
export const MAX_EXPIRES_AT = 8_640_000_000_000_000;

/** Removals one sweep runs at a time: enough to clear a backlog quickly, few enough to leave the engine room. */
const SWEEP_CONCURRENCY = 8;

/**
 * The `expiresAt` argument of `setContainerExpiry` checked: `null`, or a
 * finite time `>= 0` in ms since the epoch (a fraction is rounded up to the
 * next ms). Anything else is a `ConfigurationError` naming it.
 *
 * @example
 * ```ts
 * parseExpiresAt(Date.now() + 60_000); // the time
 * parseExpiresAt(Number.NaN); // throws ConfigurationError (expiresAt)
 * ```
 */
export function parseExpiresAt(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_EXPIRES_AT) {
    const shown = typeof value === "number" ? String(value) : typeof value;
    throw new ConfigurationError(`Invalid expiresAt (${shown}): give a time in ms since the epoch, or null for none`, {
      issues: [
        { path: "expiresAt", message: `must be null or a finite number of ms since the epoch, 0 to ${MAX_EXPIRES_AT}` },
      ],
    });
  }
  return Math.ceil(value);
}

/**
 * Move the expiry of the container `info` describes to `expiresAt` (`null`:
 * never), by the marker in its name; no marker when the time equals the one
 * it was created with. Call it under the container's lock.
 *
 * @example
 * ```ts
 * await moveExpiry(scope, id, info, Date.now() + 30 * 60_000);
 * ```
 */
export async function moveExpiry(
  scope: EngineScope,
  id: string,
  info: Docker.ContainerInspectInfo,
  expiresAt: number | null,
): Promise<void> {
  const created = Number(info.Config.Labels?.[OWNER_LABELS.expiresAt] ?? Number.NaN);
  const createdWith = Number.isFinite(created) ? created : null;
  const marker = expiresAt === createdWith ? undefined : expiresAt;
  await changeEngineName(scope, id, info, (parts) => ({ ...parts, expiresAt: marker }), "setContainerExpiry");
}

/** A container of the namespace as a sweep sees it: its id, and its expiry when it has one. */
export type ListedExpiry = { readonly id: string; readonly expiresAt: number | undefined };

/** What one sweep did. */
export type ExpirySweepReport = {
  /** When the sweep read the time, ms since the epoch (the driver's clock). */
  readonly at: number;
  /** Containers of the namespace the one list call returned. */
  readonly listed: number;
  /** The ids it removed because their expiry had passed. */
  readonly removed: readonly string[];
  /** The removals that failed, each tried again at the next sweep. */
  readonly failed: readonly { readonly id: string; readonly error: DriverError }[];
};

/** What `healthCheck()` shows of the last background sweep: when, how many it removed, or why it failed. */
export type ExpirySweepSummary = { readonly at: number; readonly removed: number; readonly error?: string };

/**
 * The sweeper of one driver instance; see the module comment.
 *
 * @example
 * ```ts
 * const sweeper = new ExpirySweeper(scope, 10_000);
 * sweeper.start(); // sweeps now, then every 10 s
 * await sweeper.close();
 * ```
 */
export class ExpirySweeper {
  readonly #scope: EngineScope;
  readonly #intervalMs: number;
  readonly #stop = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires, ms since the epoch; `undefined` when none is set. */
  #due: number | undefined;
  #running: Promise<ExpirySweepReport> | undefined;
  #started = false;
  #last: ExpirySweepReport | { readonly at: number; readonly error: DriverError } | undefined;

  constructor(scope: EngineScope, intervalMs: number) {
    this.#scope = scope;
    this.#intervalMs = intervalMs;
  }

  /** The last sweep's report, or its error; `undefined` before the first. */
  get last(): ExpirySweepReport | { readonly at: number; readonly error: DriverError } | undefined {
    return this.#last;
  }

  /** The last background sweep in a few fields, for `healthCheck()`; `undefined` before the first. */
  summary(): ExpirySweepSummary | undefined {
    const last = this.#last;
    if (last === undefined) return undefined;
    return "error" in last
      ? { at: last.at, removed: 0, error: getErrorMessage(last.error) }
      : { at: last.at, removed: last.removed.length };
  }

  /** Whether `close()` was called: no sweep runs any more. */
  get closed(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Sweep now, then every interval. Idempotent; does nothing after `close()`. */
  start(): void {
    if (this.#started || this.closed) return;
    this.#started = true;
    this.#wakeAt(this.#scope.clock.now());
  }

  /**
   * Make sure a sweep runs soon after `expiresAt` (a create with `ttlMs`, a
   * moved expiry), when that is before the next one planned.
   */
  expect(expiresAt: number): void {
    if (this.#started && !this.closed) this.#wakeAt(expiresAt);
  }

  /**
   * Sweep now: one list call, then a forced removal of each expired
   * container (a container already gone counts as removed by whoever got
   * there first). Joins a sweep already under way. Rejects when the list
   * fails (the engine is unreachable). Works after `close()` too: closing
   * stops the background sweeps, not a sweep asked for.
   */
  sweep(): Promise<ExpirySweepReport> {
    return this.#run(undefined);
  }

  /** Stop sweeping: no timer, the sweep under way cancelled and waited for. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort(new Error("the driver was closed"));
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  #run(signal: AbortSignal | undefined): Promise<ExpirySweepReport> {
    this.#running ??= this.#sweepOnce(signal).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * The namespace's containers and their expiries, from one list call. A
   * variant engine (the Swarm driver's services) overrides this and
   * {@link ExpirySweeper.remove}.
   */
  protected async listExpiries(signal: AbortSignal | undefined): Promise<ListedExpiry[]> {
    const { calls, docker, driver, namespace } = this.#scope;
    const summaries = await calls.call(
      { operation: "sweepExpired" },
      (callSignal) =>
        docker.listContainers({
          all: true,
          filters: { label: ownerLabelFilter(driver, namespace) },
          abortSignal: callSignal,
        }),
      signal === undefined ? {} : { signal },
    );
    return summaries
      .filter((summary) => summary.State !== "removing")
      .map((summary) => ({ id: summary.Id, expiresAt: expiryOf(summary.Names[0] ?? "", summary.Labels) }));
  }

  async #sweepOnce(signal: AbortSignal | undefined): Promise<ExpirySweepReport> {
    const { clock } = this.#scope;
    if (signal?.aborted === true) throw signal.reason;
    const summaries = await this.listExpiries(signal);
    const at = clock.now();
    const due: string[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const { id, expiresAt } of summaries) {
      if (expiresAt === undefined) continue;
      if (expiresAt <= at) due.push(id);
      else next = Math.min(next, expiresAt);
    }
    const removed: string[] = [];
    const failed: { id: string; error: DriverError }[] = [];
    for (let index = 0; index < due.length; index += SWEEP_CONCURRENCY) {
      if (aborted(signal)) break;
      await Promise.all(
        due.slice(index, index + SWEEP_CONCURRENCY).map(async (id) => {
          try {
            await this.remove(id, signal);
            removed.push(id);
          } catch (error) {
            if (!aborted(signal)) failed.push({ id, error: toDriverError(error, { operation: "sweepExpired" }) });
          }
        }),
      );
    }
    if (Number.isFinite(next)) this.#wakeAt(next);
    return { at, listed: summaries.length, removed, failed };
  }

  /** Remove an expired container, forced; one already gone counts as removed. */
  protected async remove(id: string, signal: AbortSignal | undefined): Promise<void> {
    const { calls, docker } = this.#scope;
    await calls
      .call(
        { operation: "sweepExpired", containerId: id },
        (callSignal) =>
          docker
            .getContainer(id)
            .remove({ force: true, v: true, abortSignal: callSignal })
            .catch((error: unknown) => {
              // Gone already (another instance's sweep, its owner), or its removal under way: removed.
              if (statusCodeOf(error) === 404 || statusCodeOf(error) === 409) return;
              throw error;
            }),
        signal === undefined ? {} : { signal },
      )
      .catch((error: unknown) => {
        if (error instanceof ContainerNotFoundError) return;
        throw error;
      });
  }

  /** Set the timer to fire at `time`, unless it fires sooner already; never later than one interval from now. */
  #wakeAt(time: number): void {
    if (this.closed) return;
    const now = this.#scope.clock.now();
    const at = Math.min(Math.max(time, now), now + this.#intervalMs);
    if (this.#due !== undefined && this.#due <= at) return;
    clearTimeout(this.#timer);
    this.#due = at;
    this.#timer = setTimeout(() => this.#fire(), Math.min(at - now, MAX_TIMER_DELAY_MS));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#due = undefined;
    void this.#run(this.#stop.signal)
      .then(
        (report) => {
          this.#last = report;
        },
        (error: unknown) => {
          if (!this.closed)
            this.#last = { at: this.#scope.clock.now(), error: toDriverError(error, { operation: "sweepExpired" }) };
        },
      )
      .finally(() => {
        // The next sweep in one interval at the latest (sooner when the list showed an expiry falling sooner).
        this.#wakeAt(this.#scope.clock.now() + this.#intervalMs);
      });
  }
}

/** Whether `signal` has aborted; a function, so a check after an `await` is not narrowed away by one before it. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
