/**
 * Which containers of a runtime have an expiry, and who to tell when one
 * changes (each driver's sweeper, see expiry.ts): kept apart from the
 * sweeper so that creating and removing a container can keep it up to date
 * without depending on the sweeper.
 *
 * @module
 */
import type { EngineState } from "./state.js";
import type { ContainerRecord } from "./store.js";

function notify(state: EngineState): void {
  for (const listener of state.runtime.expiryListeners) listener();
}

/**
 * Start watching `record`'s expiry (it was created with `ttlMs`, or `setContainerExpiry` gave it one).
 *
 * @example
 * ```ts
 * trackExpiry(state, record);
 * ```
 */
export function trackExpiry(state: EngineState, record: ContainerRecord): void {
  state.runtime.expiring.add(record);
  notify(state);
}

/**
 * Stop watching `record`'s expiry (removed, or cleared).
 *
 * @example
 * ```ts
 * untrackExpiry(state, record);
 * ```
 */
export function untrackExpiry(state: EngineState, record: ContainerRecord): void {
  if (state.runtime.expiring.delete(record)) notify(state);
}
