/**
 * Releasing a mock driver: `close()` stops what the instance runs (its
 * expiry sweeper) and leaves every container, volume and network in place;
 * `cleanup()` removes every container, volume and network of its runtime
 * (the mock's namespace is its runtime), going on past failures and
 * reporting each.
 *
 * @module
 */
import {
  type CleanupFailure,
  type CleanupReport,
  NetworkRemoveError,
  toDriverError,
  VolumeRemoveError,
} from "../../src/index.js";
import { removeNow } from "./lifecycle.js";
import { delay, failureContext, injectFault } from "./operation.js";
import type { ResourceRegistry } from "./runtime.js";
import type { EngineState } from "./state.js";
import type { NetworkRecord, VolumeRecord } from "./store.js";

/**
 * `close()`: idempotent; the driver still answers calls afterwards, only its
 * sweeper is stopped (a driver over a shared runtime, or a new one, sweeps).
 *
 * @example
 * ```ts
 * await close(state);
 * ```
 */
export async function close(state: EngineState): Promise<void> {
  state.closed = true;
  state.sweeper?.stop();
}

function failure(kind: CleanupFailure["kind"], id: string, error: unknown, state: EngineState): CleanupFailure {
  const mapped = toDriverError(error, { operation: "cleanup", driver: state.name });
  return { kind, id, code: mapped.code, message: mapped.message };
}

/** Remove each volume or network no container uses; one in use, or a fault, is a failure of the report. */
function removeAll<Entry extends VolumeRecord | NetworkRecord>(
  state: EngineState,
  registry: ResourceRegistry<Entry>,
  kind: "volume" | "network",
  failures: CleanupFailure[],
): number {
  let removed = 0;
  for (const entry of [...registry.byId.values()]) {
    const resource = "volume" in entry ? entry.volume : entry.network;
    try {
      injectFault(state, kind === "volume" ? "removeVolume" : "removeNetwork", resource.id);
      if (entry.users.size > 0) {
        const users = [...entry.users].join(", ");
        const reason = state.profile.describe("inUse", resource.name, users).reason;
        const options = { context: failureContext(state, "cleanup", "inUse", resource.name, users) };
        throw kind === "volume"
          ? new VolumeRemoveError(resource.id, reason, options)
          : new NetworkRemoveError(resource.id, reason, options);
      }
      registry.byId.delete(resource.id);
      registry.byName.delete(resource.name);
      removed++;
    } catch (error) {
      failures.push(failure(kind, resource.id, error, state));
    }
  }
  return removed;
}

/**
 * `cleanup()`: every container (whatever its status, killed at once), then
 * every network and volume. Each removal gives fault injection its chance
 * (`removeContainer`, `removeNetwork`, `removeVolume`), so a test can show a
 * partial failure; a failure is reported and the rest goes on. A second
 * call removes nothing and reports zeros.
 *
 * @example
 * ```ts
 * const report = await cleanup(state); // { containers: 3, volumes: 1, networks: 1, failures: [] }
 * ```
 */
export async function cleanup(state: EngineState): Promise<CleanupReport> {
  await delay(state);
  injectFault(state, "cleanup", "runtime");
  const failures: CleanupFailure[] = [];
  let containers = 0;
  for (const record of [...state.containers.values()]) {
    try {
      const removed = await state.locks.runExclusive(record.id, () => {
        injectFault(state, "removeContainer", record.id);
        if (state.containers.get(record.id) !== record) return false;
        removeNow(state, record);
        return true;
      });
      if (removed) containers++;
    } catch (error) {
      failures.push(failure("container", record.id, error, state));
    }
  }
  const networks = removeAll(state, state.networks, "network", failures);
  const volumes = removeAll(state, state.volumes, "volume", failures);
  return { containers, volumes, networks, failures };
}
