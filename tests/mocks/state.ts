/**
 * The options of a mock driver and the one state object its modules share.
 * `MockDriver` keeps an {@link EngineState} in a private field and passes it
 * to the functions of `lifecycle.ts`, `queries.ts`, `resources.ts` and
 * `simulation.ts`; nothing outside the driver can reach it, and a new
 * capability adds its own fields here plus one module of functions over it.
 *
 * @module
 */
import { type Clock, ConfigurationError, type KeyedMutex } from "../../src/index.js";
import type { MockExecHandler } from "./exec-handler.js";
import type { FaultInjector } from "./faults.js";
import type { MockProfile } from "./profiles.js";
import {
  createRuntimeState,
  type MockRuntime,
  type ResourceRegistry,
  type RuntimeState,
  runtimeState,
} from "./runtime.js";
import type { Program } from "./shell/program.js";
import type { ContainerStore, NetworkRecord, VolumeRecord } from "./store.js";
import type { RuntimeTimers } from "./timers.js";

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
   * uptime), the operation delays, the sleeps of container processes and
   * expiries. Pass `createManualClock()` to check timing without waiting, or
   * `createVirtualClock()` to let time jump ahead whenever nothing else
   * happens. Default `systemClock`. With `runtime`, give it to the runtime.
   */
  readonly clock?: Clock;
  /**
   * Source of numbers in `[0, 1)` for delays and ids. Default: a seeded
   * generator (see `seed`), so runs are reproducible. With `runtime`, give it
   * to the runtime.
   */
  readonly random?: () => number;
  /** Seed of the default `random`; ignored when `random` is given. Default 1. */
  readonly seed?: number;
  /**
   * The runtime this driver talks to, shared with other drivers made with
   * the same one: they see the same containers, volumes, networks and
   * idempotency keys. Default: a runtime of this driver's own, made from
   * `clock`, `random`, `seed`, `programs` and `exec`.
   */
  readonly runtime?: MockRuntime;
  /** Commands of the driver's own runtime besides the built-ins; see `MockRuntimeOptions.programs`. Default: none. */
  readonly programs?: Readonly<Record<string, Program>>;
  /** The driver's own runtime's exec handler; see {@link MockExecHandler}. Default: none. */
  readonly exec?: MockExecHandler;
  /**
   * How often the expiry sweeper looks, in ms: a container is removed at the
   * first sweep at or after its `expiresAt`. `0` sweeps at each expiry
   * exactly. A real driver sweeps on an interval; set one to see what a
   * platform makes of the delay. Default 0.
   */
  readonly sweepIntervalMs?: number;
};

export type { ResourceRegistry };

/**
 * Everything one mock driver instance holds: its own settings (profile,
 * timing, faults, sweeper) and its runtime. The runtime's fields that every
 * module reads (clock, containers, volumes, networks, locks) are repeated
 * here, as the same objects, so a module reaches them in one step.
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
  /** The runtime this driver talks to (shared or its own). */
  readonly runtime: RuntimeState;
  /** The runtime's waits (unref'd on the system clock). */
  readonly timers: RuntimeTimers;
  /** Serialises start, stop, remove, pause and resume per container id (the runtime's). */
  readonly locks: KeyedMutex<string>;
  /** The containers and their indexes (store.ts). */
  readonly containers: ContainerStore;
  /** Named volumes (resources.ts). */
  readonly volumes: ResourceRegistry<VolumeRecord>;
  /** Named networks (resources.ts). */
  readonly networks: ResourceRegistry<NetworkRecord>;
  /** The last sequence number handed out per kind; ids and names of the profiles derive from it. */
  readonly sequences: { container: number; volume: number; network: number };
  /** See {@link MockDriverOptions.sweepIntervalMs}. */
  readonly sweepIntervalMs: number;
  /** The expiry sweeper of this instance (expiry.ts); stopped by `close()`. */
  sweeper: { readonly reschedule: () => void; stop: () => void } | undefined;
  /** Set by `close()`: the sweeper stays stopped. */
  closed: boolean;
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

const RUNTIME_OPTIONS = ["clock", "random", "seed", "programs", "exec"] as const;

function resolveSweepInterval(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  throw new ConfigurationError(`Invalid sweepIntervalMs ${String(value)}: use a number of ms >= 0.`, {
    issues: [{ path: "sweepIntervalMs", message: "must be a finite number >= 0" }],
  });
}

/**
 * The runtime of a new driver: the shared one it is given, or one of its
 * own. Options that belong to the runtime given alongside a shared one are
 * a `ConfigurationError` (they would silently not apply).
 */
function runtimeFor(options: MockDriverOptions): RuntimeState {
  if (options.runtime === undefined) return createRuntimeState(options);
  const misplaced = RUNTIME_OPTIONS.filter((key) => options[key] !== undefined);
  if (misplaced.length > 0) {
    throw new ConfigurationError(
      `${misplaced.join(", ")} belong to the shared runtime: pass them to new MockRuntime({...}), not to the driver.`,
      { issues: misplaced.map((path) => ({ path, message: "give it to the MockRuntime" })) },
    );
  }
  return runtimeState(options.runtime);
}

/**
 * A fresh engine for one driver instance, over its runtime. Throws
 * `ConfigurationError` for an invalid option.
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
  const runtime = runtimeFor(options);
  const timing = resolveTiming(options.timing ?? "profile", profile);
  return {
    name: profile.name,
    version: profile.version,
    profile,
    clock: runtime.clock,
    random: runtime.random,
    timing,
    startedAt: runtime.clock.now(),
    faults,
    runtime,
    timers: runtime.timers,
    locks: runtime.lifecycle.locks,
    containers: runtime.containers,
    volumes: runtime.volumes,
    networks: runtime.networks,
    sequences: runtime.sequences,
    sweepIntervalMs: resolveSweepInterval(options.sweepIntervalMs),
    sweeper: undefined,
    closed: false,
  };
}
