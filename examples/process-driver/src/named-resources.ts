/**
 * The process driver's volumes (directories of its own) and networks (names
 * only: every process shares the host's network), with the contract's rules:
 * unique names, NotFound for an unknown id, refused while in use.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  type Clock,
  ConfigurationError,
  type Network,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  parseNetworkConfig,
  parseVolumeConfig,
  type Volume,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../../src/index.js";
import { HOST_NETWORK } from "./config-rules.js";

/** Answers whether a volume or network is used by a container that is not removed yet. */
export type InUse = (name: string) => boolean;

/** Volumes as directories under the driver's root. */
export class VolumeRegistry {
  readonly #byId = new Map<string, Volume>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Create a volume and its directory under `root`; a taken name is a `VolumeCreationError`. */
  async create(input: unknown, root: string): Promise<Volume> {
    const config = parseVolumeConfig(input);
    if (this.byName(config.name) !== undefined) {
      throw new VolumeCreationError(config.name, "a volume of that name exists");
    }
    const id = `vol-${randomBytes(8).toString("hex")}`;
    const mountpoint = join(root, "volumes", id);
    await mkdir(mountpoint, { recursive: true, mode: 0o755 });
    const volume: Volume = {
      id,
      name: config.name,
      driver: config.driver ?? "directory",
      mountpoint,
      createdAt: this.#clock.now(),
      labels: { ...config.labels },
    };
    this.#byId.set(id, volume);
    return volume;
  }

  /** Remove a volume and its directory; unknown → `VolumeNotFoundError`, in use → `VolumeRemoveError`. */
  async remove(id: string, inUse: InUse): Promise<void> {
    const volume = this.#byId.get(id);
    if (volume === undefined) throw new VolumeNotFoundError(String(id));
    if (inUse(volume.name)) throw new VolumeRemoveError(id, "a container that is not removed yet mounts it");
    this.#byId.delete(id);
    await rm(volume.mountpoint, { recursive: true, force: true });
  }

  /** The volume of that name, if any. */
  byName(name: string): Volume | undefined {
    for (const volume of this.#byId.values()) if (volume.name === name) return volume;
    return undefined;
  }

  /** Every volume. */
  all(): Volume[] {
    return [...this.#byId.values()];
  }

  /** Forget every volume (their directories go with the driver's root). */
  clear(): void {
    this.#byId.clear();
  }
}

/** Networks as names: a process reaches the host's network whatever it is told, so these separate nothing. */
export class NetworkRegistry {
  readonly #byId = new Map<string, Network>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Create a network; a taken name is a `NetworkCreationError`, the name `host` is this driver's. */
  create(input: unknown): Network {
    const config = parseNetworkConfig(input);
    if (config.name === HOST_NETWORK) {
      throw new ConfigurationError(`The network name "${HOST_NETWORK}" is the host's own for this driver`, {
        issues: [{ path: "name", message: `"${HOST_NETWORK}" is reserved: it is the host's network` }],
      });
    }
    if (this.byName(config.name) !== undefined) {
      throw new NetworkCreationError(config.name, "a network of that name exists");
    }
    const network: Network = {
      id: `net-${randomBytes(8).toString("hex")}`,
      name: config.name,
      driver: config.driver ?? "host",
      createdAt: this.#clock.now(),
      labels: { ...config.labels },
    };
    this.#byId.set(network.id, network);
    return network;
  }

  /** Remove a network, by id or name; unknown → `NetworkNotFoundError`, in use → `NetworkRemoveError`. */
  remove(id: string, inUse: InUse): void {
    const network = this.#byId.get(id) ?? this.byName(id);
    if (network === undefined) throw new NetworkNotFoundError(String(id));
    if (inUse(network.name)) throw new NetworkRemoveError(id, "a container that is not removed yet uses it");
    this.#byId.delete(network.id);
  }

  /** Whether a config may name this network: the host's, or one created here. */
  exists(name: string): boolean {
    return name === HOST_NETWORK || this.byName(name) !== undefined;
  }

  /** The network of that name, if any. */
  byName(name: string): Network | undefined {
    for (const network of this.#byId.values()) if (network.name === name) return network;
    return undefined;
  }

  /** Every network. */
  all(): Network[] {
    return [...this.#byId.values()];
  }

  /** Forget every network. */
  clear(): void {
    this.#byId.clear();
  }
}
