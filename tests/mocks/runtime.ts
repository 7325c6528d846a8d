/**
 * The mock runtime: what a container engine holds, apart from the drivers
 * that talk to it. Each mock driver has one; several drivers share one when
 * a test passes the same {@link MockRuntime} to each (two instances of a
 * platform over one engine, or a driver that restarts): they see the same
 * containers, volumes and networks, one idempotency key names one container
 * across them, and a new driver sweeps the runtime's expired containers as
 * it starts.
 *
 * @module
 */
import { type Clock, ConfigurationError, ContainerLifecycle, systemClock } from "../../src/index.js";
import { createImageRoot } from "./fs/image.js";
import type { DirNode, FsTree } from "./fs/tree.js";
import { createProgramTable } from "./programs/index.js";
import { createSeededRandom } from "./random.js";
import type { MockExecHandler } from "./exec-handler.js";
import type { Program, ProgramTable } from "./shell/program.js";
import { ContainerStore, type ContainerRecord, type NetworkRecord, type VolumeRecord } from "./store.js";
import { createRuntimeTimers, type RuntimeTimers } from "./timers.js";

/** Options of a {@link MockRuntime}; every one has a default. */
export type MockRuntimeOptions = {
  /**
   * Where the runtime's time comes from: timestamps, log times, the sleeps of
   * container processes, expiries. `createManualClock()` moves only when the
   * test says so; `createVirtualClock()` jumps to the next sleep when idle.
   * Default `systemClock`.
   */
  readonly clock?: Clock;
  /** Source of numbers in `[0, 1)` for ids, delays and `/dev/urandom`. Default: a generator seeded with `seed`. */
  readonly random?: () => number;
  /** Seed of the default `random`; ignored when `random` is given. Default 1. */
  readonly seed?: number;
  /**
   * Programs the containers have besides the built-in commands, by name (in
   * `/bin`, found through `PATH`, callable from `sh -c`). A name the
   * built-ins have is replaced. Default: none.
   */
  readonly programs?: Readonly<Record<string, Program>>;
  /**
   * Consulted first for every command a container runs (its main command and
   * each exec): return `undefined` to leave the command to the built-in
   * shell and commands. See {@link MockExecHandler}. Default: none.
   */
  readonly exec?: MockExecHandler;
};

/** Volumes or networks, reachable by id and by name (removal accepts either, creation checks the name). */
export type ResourceRegistry<Entry> = {
  readonly byId: Map<string, Entry>;
  readonly byName: Map<string, Entry>;
};

/** Everything a runtime holds; shared by the drivers over it. */
export type RuntimeState = {
  readonly clock: Clock;
  readonly random: () => number;
  readonly timers: RuntimeTimers;
  /** Per-id locks and the transition table (start, stop, remove, pause, resume serialise on them). */
  readonly lifecycle: ContainerLifecycle;
  readonly containers: ContainerStore;
  readonly volumes: ResourceRegistry<VolumeRecord>;
  readonly networks: ResourceRegistry<NetworkRecord>;
  /** The last sequence number handed out per kind; ids and names of the profiles derive from it. */
  readonly sequences: { container: number; volume: number; network: number };
  /** Idempotency key → the container it names. */
  readonly keys: Map<string, ContainerRecord>;
  /** Containers that have an expiry. */
  readonly expiring: Set<ContainerRecord>;
  /** Called whenever an expiry is added, moved or removed (each driver's sweeper). */
  readonly expiryListeners: Set<() => void>;
  /** Host directories of bind mounts, by source path: shared by every container that binds them. */
  readonly binds: Map<string, FsTree>;
  readonly programs: ProgramTable;
  readonly exec: MockExecHandler | undefined;
  /** The image's root, built at the first container that needs a file system. */
  image: DirNode | undefined;
};

const states = new WeakMap<MockRuntime, RuntimeState>();

/**
 * One in-memory container engine that several mock drivers can share.
 *
 * @example
 * ```ts
 * const runtime = new MockRuntime({ clock });
 * const first = new MockDockerDriver({ runtime, timing: "instant" });
 * const second = new MockDockerDriver({ runtime, timing: "instant" }); // sees first's containers
 * ```
 */
export class MockRuntime {
  /** @param options - see {@link MockRuntimeOptions}. */
  constructor(options: MockRuntimeOptions = {}) {
    states.set(this, createRuntimeState(options));
  }
}

/**
 * The state of `runtime`, for the engine's modules.
 *
 * @example
 * ```ts
 * const state = runtimeState(runtime);
 * ```
 */
export function runtimeState(runtime: MockRuntime): RuntimeState {
  const state = states.get(runtime);
  if (state === undefined) {
    throw new ConfigurationError("The runtime option must be a MockRuntime made with new MockRuntime().", {
      issues: [{ path: "runtime", message: "must be a MockRuntime" }],
    });
  }
  return state;
}

/**
 * A fresh, empty runtime state.
 *
 * @example
 * ```ts
 * const state = createRuntimeState({ clock: createManualClock() });
 * ```
 */
export function createRuntimeState(options: MockRuntimeOptions): RuntimeState {
  const clock = options.clock ?? systemClock;
  if (options.exec !== undefined && typeof options.exec !== "function") {
    throw new ConfigurationError("The exec option must be a function.", {
      issues: [{ path: "exec", message: "must be a function" }],
    });
  }
  for (const [name, program] of Object.entries(options.programs ?? {})) {
    if (typeof program !== "function" || !/^[A-Za-z0-9_.+-]+$/.test(name)) {
      throw new ConfigurationError(`Program '${name}' must be a function with a name of [A-Za-z0-9_.+-].`, {
        issues: [{ path: `programs.${name}`, message: "must be a function named with [A-Za-z0-9_.+-]" }],
      });
    }
  }
  return {
    clock,
    random: options.random ?? createSeededRandom(options.seed ?? 1),
    timers: createRuntimeTimers(clock),
    lifecycle: new ContainerLifecycle(),
    containers: new ContainerStore(),
    volumes: { byId: new Map(), byName: new Map() },
    networks: { byId: new Map(), byName: new Map() },
    sequences: { container: 0, volume: 0, network: 0 },
    keys: new Map(),
    expiring: new Set(),
    expiryListeners: new Set(),
    binds: new Map(),
    programs: createProgramTable(options.programs),
    exec: options.exec,
    image: undefined,
  };
}

/**
 * The image's root for this runtime (its programs in `/bin`), built once.
 *
 * @example
 * ```ts
 * const root = imageRoot(runtime);
 * ```
 */
export function imageRoot(runtime: RuntimeState): DirNode {
  runtime.image ??= createImageRoot(runtime.programs.names());
  return runtime.image;
}
