/**
 * The options of a mock driver and the one state object its modules share.
 * `MockDriver` keeps an {@link EngineState} in a private field and passes it
 * to the functions of `lifecycle.ts`, `queries.ts`, `resources.ts` and
 * `simulation.ts`; nothing outside the driver can reach it, and a new
 * capability adds its own fields here plus one module of functions over it.
 *
 * @module
 */
import { type Clock, ConfigurationError, KeyedMutex, systemClock } from "../../src/index.js";
import type { FaultInjector } from "./faults.js";
import type { MockProfile } from "./profiles.js";
import { createSeededRandom } from "./random.js";
import { ContainerStore, type NetworkRecord, type VolumeRecord } from "./store.js";

/**
 * How long each operation of a mock takes.
 *
 * - `"profile"`: the profile's range (100–200 ms for mock-docker, 200–300 ms
 *   for mock-local), the realistic default.
 * - `"instant"`: no waiting at all and no timer created; what unit tests and
 *   the conformance suite use. Calls still return promises and resolve
 *   asynchronously.
 * - `{ minMs, maxMs }`: a delay drawn uniformly from the range, on the
 *   driver's clock. `{ minMs: 0, maxMs: 0 }` is the same as `"instant"`.
 */
export type MockTiming = "profile" | "instant" | { readonly minMs: number; readonly maxMs: number };

/** Options of both mock drivers. Every option has a default; `new MockDockerDriver()` is the seed's driver. */
export type MockDriverOptions = {
  /** How long each operation takes; see {@link MockTiming}. Default `"profile"`. */
  readonly timing?: MockTiming;
  /**
   * Where time comes from: timestamps (`createdAt`, `startedAt`, log times,
   * uptime) and the operation delays. Pass `createManualClock()` to check
   * timing without waiting. Default `systemClock`.
   */
  readonly clock?: Clock;
  /**
   * Source of numbers in `[0, 1)` for delays and ids. Default: a seeded
   * generator (see `seed`), so runs are reproducible.
   */
  readonly random?: () => number;
  /** Seed of the default `random`; ignored when `random` is given. Default 1. */
  readonly seed?: number;
};

/** Volumes or networks, reachable by id and by name (removal accepts either, creation checks the name). */
export type ResourceRegistry<Entry> = {
  readonly byId: Map<string, Entry>;
  readonly byName: Map<string, Entry>;
};

/**
 * Everything one mock driver instance holds. Fields are grouped by the module
 * that changes them; the others only read them.
 */
export type EngineState = {
  /** The driver's name, put in every error's context. */
  readonly name: string;
  /** The driver's version, reported by `healthCheck`. */
  readonly version: string;
  /** Limits, formats and error vocabulary. */
  readonly profile: MockProfile;
  /** Timestamps and operation delays. */
  readonly clock: Clock;
  /** Delays and ids. */
  readonly random: () => number;
  /** The operation time range, or `undefined` for instant operations (no timer at all). */
  readonly timing: { readonly minMs: number; readonly maxMs: number } | undefined;
  /** The clock's time when the driver was made; `healthCheck` reports uptime from it. */
  readonly startedAt: number;
  /** The driver's public fault plan, consulted once per call that reaches the runtime. */
  readonly faults: FaultInjector;
  /** Serialises start, stop and remove per container id (lifecycle.ts). */
  readonly locks: KeyedMutex<string>;
  /** The containers and their indexes (store.ts). */
  readonly containers: ContainerStore;
  /** Named volumes (resources.ts). */
  readonly volumes: ResourceRegistry<VolumeRecord>;
  /** Named networks (resources.ts). */
  readonly networks: ResourceRegistry<NetworkRecord>;
  /** The last sequence number handed out per kind; ids and names of the profiles derive from it. */
  readonly sequences: { container: number; volume: number; network: number };
};

/**
 * The operation time range `timing` asks for, or `undefined` when operations
 * are instant. A bad value is a `ConfigurationError` when the driver is made,
 * not a surprise at the first call.
 */
function resolveTiming(timing: MockTiming, profile: MockProfile): { minMs: number; maxMs: number } | undefined {
  if (timing === "instant") return undefined;
  const range = timing === "profile" ? profile.timing : timing;
  const { minMs, maxMs } = range as { minMs: unknown; maxMs: unknown };
  if (
    typeof minMs !== "number" ||
    typeof maxMs !== "number" ||
    !Number.isFinite(minMs) ||
    !Number.isFinite(maxMs) ||
    minMs < 0 ||
    maxMs < minMs
  ) {
    throw new ConfigurationError(
      `Invalid mock timing ${JSON.stringify(timing)}: use "profile", "instant" or { minMs, maxMs } with 0 <= minMs <= maxMs.`,
      { issues: [{ path: "timing", message: "must be 'profile', 'instant' or a range 0 <= minMs <= maxMs" }] },
    );
  }
  return maxMs === 0 ? undefined : { minMs, maxMs };
}

/**
 * A fresh, empty engine for one driver instance. Throws `ConfigurationError`
 * for an invalid `options.timing`.
 *
 * @example
 * ```ts
 * const state = createEngineState(DOCKER_PROFILE, new FaultInjector(), { timing: "instant" });
 * ```
 */
export function createEngineState(
  profile: MockProfile,
  faults: FaultInjector,
  options: MockDriverOptions,
): EngineState {
  const clock = options.clock ?? systemClock;
  // Same order of reads as the constructor always had: a clock or random
  // source that counts its calls sees no difference.
  const random = options.random ?? createSeededRandom(options.seed ?? 1);
  const timing = resolveTiming(options.timing ?? "profile", profile);
  return {
    name: profile.name,
    version: profile.version,
    profile,
    clock,
    random,
    timing,
    startedAt: clock.now(),
    faults,
    locks: new KeyedMutex<string>(),
    containers: new ContainerStore(),
    volumes: { byId: new Map(), byName: new Map() },
    networks: { byId: new Map(), byName: new Map() },
    sequences: { container: 0, volume: 0, network: 0 },
  };
}
