/**
 * Expiry: a container created with `ttlMs` shows `expiresAt` (its
 * `createdAt` plus the time to live) and is removed by the runtime when the
 * driver's clock reaches it, whatever its status; `setContainerExpiry`
 * moves or clears it, and a time already past makes it due at once.
 *
 * Each driver instance runs a sweeper on the runtime's clock: one wait,
 * until the earliest expiry of its runtime (rounded up to its
 * `sweepIntervalMs`, when it has one), re-armed whenever an expiry changes.
 * On the system clock the wait is an unref'd timer, so it never keeps Node
 * alive; on a manual clock, advancing time sweeps. `close()` stops it. A
 * driver made over a shared runtime sweeps the runtime's expired containers
 * as it starts.
 *
 * @module
 */
import { ConfigurationError } from "../../src/index.js";
import { trackExpiry, untrackExpiry } from "./expiry-index.js";
import { removeNow } from "./lifecycle.js";
import { checkId, delay, injectFault, requireContainer } from "./operation.js";
import type { EngineState } from "./state.js";

/**
 * Remove every container of the runtime whose expiry has come, at once.
 *
 * @example
 * ```ts
 * sweepExpired(state); // what the sweeper does when it wakes
 * ```
 */
export function sweepExpired(state: EngineState): number {
  if (state.runtime.expiring.size === 0) return 0;
  const now = state.clock.now();
  let removed = 0;
  for (const record of [...state.runtime.expiring]) {
    if (record.expiresAt === undefined || record.expiresAt > now) continue;
    if (state.containers.get(record.id) === record) {
      removeNow(state, record);
      removed++;
    } else state.runtime.expiring.delete(record);
  }
  return removed;
}

/**
 * Start this driver's sweeper: sweep once now (what expired while no driver
 * ran), then wake at each expiry.
 *
 * @example
 * ```ts
 * startSweeper(state);
 * ```
 */
export function startSweeper(state: EngineState): void {
  let timer: AbortController | undefined;
  let dueAt: number | undefined;
  const cancel = () => {
    timer?.abort();
    timer = undefined;
    dueAt = undefined;
  };
  const reschedule = () => {
    if (state.closed) return;
    let next: number | undefined;
    for (const record of state.runtime.expiring) {
      if (record.expiresAt !== undefined && (next === undefined || record.expiresAt < next)) next = record.expiresAt;
    }
    const interval = state.sweepIntervalMs;
    const wakeAt =
      next === undefined || interval === 0
        ? next
        : state.startedAt + Math.ceil((next - state.startedAt) / interval) * interval;
    if (wakeAt === dueAt) return;
    cancel();
    if (wakeAt === undefined) return;
    const controller = new AbortController();
    timer = controller;
    dueAt = wakeAt;
    state.timers.background(Math.max(0, wakeAt - state.clock.now()), controller.signal).then(
      () => {
        if (timer !== controller) return;
        timer = undefined;
        dueAt = undefined;
        sweepExpired(state);
        reschedule();
      },
      () => undefined,
    );
  };
  state.runtime.expiryListeners.add(reschedule);
  state.sweeper = {
    reschedule,
    stop: () => {
      state.runtime.expiryListeners.delete(reschedule);
      cancel();
    },
  };
  sweepExpired(state);
  reschedule();
}

/**
 * `setContainerExpiry`: a time in ms since the epoch (finite, `>= 0`), or
 * `null` for none; anything else is a `ConfigurationError` that changes
 * nothing.
 *
 * @example
 * ```ts
 * await setContainerExpiry(state, id, state.clock.now() + 60_000);
 * ```
 */
export async function setContainerExpiry(state: EngineState, id: string, expiresAt: number | null): Promise<void> {
  const operation = "setContainerExpiry";
  checkId(id, "container");
  if (expiresAt !== null && (typeof expiresAt !== "number" || !Number.isFinite(expiresAt) || expiresAt < 0)) {
    throw new ConfigurationError(
      `expiresAt must be a time in ms since the epoch (a finite number >= 0) or null, got ${typeof expiresAt === "string" ? JSON.stringify(expiresAt) : String(expiresAt)}.`,
      { issues: [{ path: "expiresAt", message: "must be a finite number >= 0, or null" }] },
    );
  }
  await delay(state);
  injectFault(state, operation, id);
  const record = requireContainer(state, id, operation);
  if (expiresAt === null) {
    record.expiresAt = undefined;
    untrackExpiry(state, record);
    return;
  }
  record.expiresAt = expiresAt;
  trackExpiry(state, record);
}
