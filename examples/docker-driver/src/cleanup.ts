/**
 * Removing everything a driver's namespace owns on the engine: containers
 * first (they hold networks and volumes), then networks, then volumes. Each
 * kind is listed by its ownership labels through its own client, so a
 * variant engine's client (services on Swarm) takes part without changes
 * here. A failure does not stop it: every object is tried, and each one
 * that could not be removed is reported.
 *
 * @module
 */
import {
  type CleanupFailure,
  type CleanupReport,
  ContainerNotFoundError,
  type ErrorMappingContext,
  NetworkNotFoundError,
  toDriverError,
  VolumeNotFoundError,
} from "../../../src/index.js";
import { statusCodeOf } from "./engine-call.js";

export type { CleanupFailure, CleanupReport };

/** One kind of object a namespace owns, as the cleanup sees it. */
export type OwnedObjects = {
  /** The ids of the namespace's objects of this kind. */
  listOwned(context: ErrorMappingContext): Promise<readonly string[]>;
  /** Remove one of them. */
  removeOwned(id: string, context: ErrorMappingContext): Promise<void>;
};

/** The kinds the cleanup removes, in the order it removes them. */
export type NamespaceObjects = {
  readonly containers: OwnedObjects;
  readonly networks: OwnedObjects;
  readonly volumes: OwnedObjects;
};

/** The error-mapping context of removing one object of each kind. */
const REMOVAL_CONTEXT: Readonly<Record<CleanupFailure["kind"], (id: string) => ErrorMappingContext>> = {
  container: (id) => ({ operation: "removeContainer", containerId: id }),
  network: (id) => ({ operation: "removeNetwork", networkId: id }),
  volume: (id) => ({ operation: "removeVolume", volumeId: id }),
};

/** The `id` of a failure that is the list of a kind itself: nothing of that kind could be seen. */
export const LIST_FAILURE_ID = "*";

/**
 * Remove every container, network and volume of the namespace, in that
 * order, going on past every failure: the report counts what was removed
 * (an object already gone counts: someone removed it first) and lists each
 * object that could not be, with its contract error code and message; a
 * kind whose list failed is one failure with id {@link LIST_FAILURE_ID}.
 * Never rejects for an engine failure; idempotent (a second run removes
 * nothing and reports no failure when nothing is left).
 *
 * @example
 * ```ts
 * const report = await cleanupNamespace({ containers, networks, volumes });
 * if (report.failures.length > 0) console.warn(report.failures);
 * ```
 */
export async function cleanupNamespace(
  objects: NamespaceObjects,
): Promise<CleanupReport & { readonly failures: readonly CleanupFailure[] }> {
  const context = { operation: "cleanup" };
  const failures: CleanupFailure[] = [];
  const fail = (kind: CleanupFailure["kind"], id: string, error: unknown, at: ErrorMappingContext) => {
    const mapped = toDriverError(error, at);
    failures.push({ kind, id, code: mapped.code, message: mapped.message });
  };
  const removeAll = async (kind: CleanupFailure["kind"], owned: OwnedObjects): Promise<number> => {
    let ids: readonly string[];
    try {
      ids = await owned.listOwned(context);
    } catch (error) {
      fail(kind, LIST_FAILURE_ID, error, context);
      return 0;
    }
    const removed = await Promise.all(
      ids.map(async (id) => {
        // Mapped as the removal it is, so a refusal is that kind's error (VolumeRemoveError, ...), not an unknown one.
        const removal = REMOVAL_CONTEXT[kind](id);
        try {
          await owned.removeOwned(id, removal);
          return true;
        } catch (error) {
          if (isGone(error)) return true;
          fail(kind, id, error, removal);
          return false;
        }
      }),
    );
    return removed.filter(Boolean).length;
  };
  const containers = await removeAll("container", objects.containers);
  const networks = await removeAll("network", objects.networks);
  const volumes = await removeAll("volume", objects.volumes);
  return { containers, networks, volumes, failures };
}

function isGone(error: unknown): boolean {
  return (
    statusCodeOf(error) === 404 ||
    error instanceof ContainerNotFoundError ||
    error instanceof NetworkNotFoundError ||
    error instanceof VolumeNotFoundError
  );
}
