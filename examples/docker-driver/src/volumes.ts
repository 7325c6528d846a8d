/**
 * Volumes: engine volumes with the ownership labels, and the reservation
 * that keeps a volume from being removed while a container that mounts it is
 * being created.
 *
 * @module
 */
import {
  type ErrorMappingContext,
  KeyedMutex,
  mayHaveTakenEffect,
  parseVolumeConfig,
  RESOURCE_NAME_PATTERN,
  type Volume,
  type VolumeConfig,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../../src/index.js";
import type { EngineScope, VolumeInspect } from "./engine-call.js";
import { isOwnedBy, ownerLabelFilter, ownerLabels, userLabels } from "./labels.js";
import { engineTimeOr } from "./mapping.js";
import { refuseReservedLabels, requireString } from "./preflight.js";

/** Hands back what {@link VolumeClient.reserve} counted. Call it once, whatever the create's outcome. */
export type ReleaseVolumes = () => void;

/**
 * The contract's volume methods over the engine, for one driver and
 * namespace. Operations on one name run one at a time.
 *
 * @example
 * ```ts
 * const volumes = new VolumeClient(scope);
 * const volume = await volumes.create({ name: "workspace-s1" });
 * await volumes.remove(volume.id);
 * ```
 */
export class VolumeClient {
  /** The engine and the owner this client works for. */
  protected readonly scope: EngineScope;
  /** Per volume name, so a create, a removal and a reservation of one name never interleave. */
  readonly #locks = new KeyedMutex<string>();
  /** Volume name → creates in flight that mount it; `remove` refuses while one is counted. */
  readonly #inCreation = new Map<string, number>();

  constructor(scope: EngineScope) {
    this.scope = scope;
  }

  /** Create an engine volume with the ownership labels. Its id is its name, as the engine has no other. */
  async create(input: VolumeConfig): Promise<Volume> {
    const config = parseVolumeConfig(input);
    refuseReservedLabels(config.labels, "labels");
    const { calls, docker } = this.scope;
    const context = { operation: "createVolume", volumeName: config.name };
    return this.#locks.runExclusive(config.name, async () => {
      if ((await this.inspect(config.name, context)) !== null) {
        // The engine would hand back the existing volume; the contract wants a refusal.
        throw new VolumeCreationError(config.name, "a volume with this name already exists on the engine");
      }
      let created = false;
      let info: VolumeInspect | null;
      try {
        // Creating a volume by name is idempotent on the engine, so it can be retried.
        await calls.call(context, (signal) =>
          docker.createVolume({
            Name: config.name,
            ...(config.driver === undefined ? {} : { Driver: config.driver }),
            Labels: { ...config.labels, ...ownerLabels(this.scope.driver, this.scope.namespace) },
            abortSignal: signal,
          }),
        );
        created = true;
        info = await this.inspect(config.name, context);
      } catch (error) {
        // The name was free under the lock, so a volume by that name now is this call's: a rejected
        // create must not leave it behind (nor keep the name taken).
        if (created || mayHaveTakenEffect(error)) await this.#removeQuietly(config.name);
        throw error;
      }
      if (info === null)
        throw new VolumeCreationError(config.name, "the engine lost the volume right after creating it");
      return {
        id: info.Name,
        name: info.Name,
        driver: info.Driver,
        mountpoint: info.Mountpoint,
        createdAt: engineTimeOr(info.CreatedAt, this.scope.clock.now()),
        labels: userLabels(info.Labels),
      };
    });
  }

  /** Remove a volume of this namespace; one a container still uses is a `VolumeRemoveError`. */
  async remove(id: string): Promise<void> {
    requireString(id, "Volume id");
    const context = { operation: "removeVolume", volumeId: id };
    await this.#locks.runExclusive(id, async () => {
      if ((await this.findOwned(id, context)) === null) throw new VolumeNotFoundError(id, { context });
      if ((this.#inCreation.get(id) ?? 0) > 0) {
        throw new VolumeRemoveError(id, "a container that mounts it is being created; remove that container first", {
          context,
        });
      }
      const users = await this.usersOf(id, context);
      if (users.length > 0) {
        throw new VolumeRemoveError(id, `in use by ${users.join(", ")}; remove them first`, { context });
      }
      await this.scope.calls.call(context, (signal) => this.scope.docker.getVolume(id).remove({ abortSignal: signal }));
    });
  }

  /** The engine's volume of this name, whoever owns it; `null` when there is none. */
  async inspect(name: string, context: ErrorMappingContext): Promise<VolumeInspect | null> {
    try {
      return (await this.scope.calls.call({ ...context, volumeName: name }, (signal) =>
        this.scope.docker.getVolume(name).inspect({ abortSignal: signal }),
      )) as VolumeInspect;
    } catch (error) {
      if (error instanceof VolumeNotFoundError) return null;
      throw error;
    }
  }

  /**
   * The volume of this name when this driver and namespace own it; `null`
   * otherwise (another namespace's volume is unknown here, as to every other
   * method). A name outside the contract's pattern never reaches the engine.
   */
  async findOwned(name: string, context: ErrorMappingContext): Promise<VolumeInspect | null> {
    const info = RESOURCE_NAME_PATTERN.test(name) ? await this.inspect(name, context) : null;
    return info !== null && isOwnedBy(info.Labels, this.scope.driver, this.scope.namespace) ? info : null;
  }

  /**
   * Count a create against each named volume it mounts, until the returned
   * release is called. Taken under each volume's lock, so a removal already
   * under way finishes first (and the create's check then finds no volume);
   * a removal that comes later is refused while the count holds.
   */
  async reserve(names: Iterable<string>): Promise<ReleaseVolumes> {
    const reserved: string[] = [];
    const release = () => {
      for (const name of reserved.splice(0)) {
        const count = (this.#inCreation.get(name) ?? 0) - 1;
        if (count > 0) this.#inCreation.set(name, count);
        else this.#inCreation.delete(name);
      }
    };
    try {
      for (const name of new Set(names)) {
        await this.#locks.runExclusive(name, () => {
          this.#inCreation.set(name, (this.#inCreation.get(name) ?? 0) + 1);
        });
        reserved.push(name);
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Who uses the volume besides the engine's own containers, checked by
   * {@link VolumeClient.remove} under the volume's lock. The engine itself
   * refuses to remove a volume that one of its containers mounts, so this
   * client reports nobody; a variant engine whose containers are made later
   * (a Swarm service runs its task only once started) overrides it.
   */
  protected async usersOf(_name: string, _context: ErrorMappingContext): Promise<string[]> {
    return [];
  }

  /** The names of this namespace's volumes, for `cleanup()`. */
  async listOwned(context: ErrorMappingContext): Promise<string[]> {
    const { calls, docker, driver, namespace } = this.scope;
    const labels = ownerLabelFilter(driver, namespace);
    const volumes = await calls.call(context, (signal) =>
      docker.listVolumes({ filters: { label: labels }, abortSignal: signal }),
    );
    return (volumes.Volumes ?? []).map((volume) => volume.Name);
  }

  /** Remove a volume `listOwned` returned, with no further checks (`cleanup()` removed the containers first). */
  async removeOwned(name: string, context: ErrorMappingContext): Promise<void> {
    await this.scope.calls.call(context, (signal) => this.scope.docker.getVolume(name).remove({ abortSignal: signal }));
  }

  async #removeQuietly(name: string): Promise<void> {
    try {
      await this.scope.docker.getVolume(name).remove();
    } catch {
      // Nothing to remove, or the engine is gone: nothing more can be done here.
    }
  }
}
