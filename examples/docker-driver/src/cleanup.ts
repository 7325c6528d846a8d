/**
 * Removing everything a driver's namespace owns on the engine: containers
 * first (they hold networks and volumes), then networks, then volumes. Each
 * kind is listed by its ownership labels through its own client, so a
 * variant engine's client (services on Swarm) takes part without changes
 * here.
 *
 * @module
 */
import { ContainerNotFoundError, type ErrorMappingContext, toDriverError } from "../../../src/index.js";
import { statusCodeOf } from "./engine-call.js";

/** What `cleanup()` removed. */
export type CleanupReport = {
  readonly containers: number;
  readonly volumes: number;
  readonly networks: number;
};

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

/**
 * Remove every container, network and volume of the namespace, in that
 * order. Tries all of them and rethrows the first failure at the end; an
 * object already gone counts as removed.
 *
 * @example
 * ```ts
 * const report = await cleanupNamespace({ containers, networks, volumes });
 * console.log(report.containers); // how many containers were removed
 * ```
 */
export async function cleanupNamespace(objects: NamespaceObjects): Promise<CleanupReport> {
  const context = { operation: "cleanup" };
  const failures: unknown[] = [];
  const settle = async (work: Promise<unknown>): Promise<boolean> => {
    try {
      await work;
      return true;
    } catch (error) {
      if (statusCodeOf(error) === 404 || error instanceof ContainerNotFoundError) return true;
      failures.push(error);
      return false;
    }
  };
  const removeAll = async (kind: OwnedObjects): Promise<number> => {
    const ids = await kind.listOwned(context);
    const removed = await Promise.all(ids.map((id) => settle(kind.removeOwned(id, context))));
    return removed.filter(Boolean).length;
  };
  const containers = await removeAll(objects.containers);
  const networks = await removeAll(objects.networks);
  const volumes = await removeAll(objects.volumes);
  if (failures.length > 0) throw toDriverError(failures[0], context);
  return { containers, networks, volumes };
}
