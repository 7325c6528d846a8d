/**
 * Type-level tests: the inferred types equal the shapes documented in seed 001
 * (written out below, not derived), so a schema change that alters a type
 * fails here. Run by vitest in typecheck mode.
 *
 * Additions to the seed's shapes, each optional and so backward-compatible:
 * `ContainerInstance.exitCode` and `ContainerDriver.capabilities`
 * (CONTRACT_NOTES). Zod infers an optional key as `key?: T | undefined`;
 * under `exactOptionalPropertyTypes` that is the one way the inferred types
 * are wider than the seed's `key?: T`, and it is written out as such.
 */
import { describe, expectTypeOf, it } from "vitest";
import type {
  Capabilities,
  ContainerConfig,
  ContainerDriver,
  ContainerFilter,
  ContainerInstance,
  ContainerState,
  ContainerStatus,
  DriverCapability,
  DriverHealth,
  DriverMethod,
  LogLine,
  LogOptions,
  Network,
  NetworkConfig,
  ResourceLimits,
  SecurityOptions,
  StopOptions,
  Volume,
  VolumeConfig,
  VolumeMount,
} from "../../src/index.js";

type SeedResourceLimits = {
  cpu: number;
  memory: number;
  disk: number;
  pids: number;
};

type SeedSecurityOptions = {
  readOnly: boolean;
  noNewPrivileges: boolean;
  user: string;
  capabilities: {
    drop: string[];
    add: string[];
  };
};

type SeedVolumeMount = {
  source: string;
  target: string;
  readOnly?: boolean | undefined;
  type?: "bind" | "volume" | undefined;
};

type SeedContainerConfig = {
  sessionId: string;
  image: string;
  command?: string[] | undefined;
  env: Record<string, string>;
  labels: Record<string, string>;
  resources: SeedResourceLimits;
  volumes: SeedVolumeMount[];
  network: string;
  security: SeedSecurityOptions;
};

type SeedContainerStatus = "created" | "running" | "paused" | "stopped" | "removing" | "exited" | "dead";
type SeedContainerState = "running" | "terminated" | "error";

type SeedContainerInstance = {
  id: string;
  name: string;
  sessionId: string;
  image: string;
  status: SeedContainerStatus;
  state: SeedContainerState;
  endpoint: string;
  createdAt: number;
  startedAt?: number | undefined;
  exitCode?: number | undefined;
  labels: Record<string, string>;
  resources: SeedResourceLimits;
};

type SeedContainerFilter = {
  sessionId?: string | undefined;
  status?: SeedContainerStatus | undefined;
  state?: SeedContainerState | undefined;
  label?: Record<string, string> | undefined;
};

type SeedStopOptions = {
  timeout?: number | undefined;
  force?: boolean | undefined;
};

type SeedLogOptions = {
  follow?: boolean | undefined;
  tail?: number | undefined;
  since?: number | undefined;
  timestamps?: boolean | undefined;
};

type SeedDriverHealth = {
  status: "healthy" | "unhealthy";
  version: string;
  uptime: number;
  containers: {
    total: number;
    running: number;
    stopped: number;
  };
  error?: string | undefined;
};

type SeedVolumeConfig = {
  name: string;
  driver?: string | undefined;
  labels?: Record<string, string> | undefined;
};

type SeedVolume = {
  id: string;
  name: string;
  driver: string;
  mountpoint: string;
  createdAt: number;
  labels: Record<string, string>;
};

type SeedNetworkConfig = {
  name: string;
  driver?: string | undefined;
  labels?: Record<string, string> | undefined;
  options?: Record<string, string> | undefined;
};

type SeedNetwork = {
  id: string;
  name: string;
  driver: string;
  createdAt: number;
  labels: Record<string, string>;
};

type SeedContainerDriver = {
  readonly name: string;
  readonly version: string;
  readonly capabilities?: readonly "execution"[];

  createContainer(config: SeedContainerConfig): Promise<SeedContainerInstance>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, options?: SeedStopOptions): Promise<void>;
  removeContainer(id: string): Promise<void>;

  getContainer(id: string): Promise<SeedContainerInstance | null>;
  listContainers(filter?: SeedContainerFilter): Promise<SeedContainerInstance[]>;
  getContainerLogs(id: string, options?: SeedLogOptions): Promise<string>;

  healthCheck(): Promise<SeedDriverHealth>;
  isContainerHealthy(id: string): Promise<boolean>;

  createVolume(config: SeedVolumeConfig): Promise<SeedVolume>;
  removeVolume(id: string): Promise<void>;

  createNetwork(config: SeedNetworkConfig): Promise<SeedNetwork>;
  removeNetwork(id: string): Promise<void>;
};

/**
 * Contract 1.1 adds optional members only (shared/CONTRACT_1_1.md), written
 * out here: each 1.1 type is the seed's 1.0 shape plus exactly these, so a
 * 1.0 value is still a valid 1.1 value and nothing of 1.0 changed.
 */
type Additions11 = {
  config: {
    stdin?: string | Uint8Array | undefined;
    ttlMs?: number | undefined;
    idempotencyKey?: string | undefined;
  };
  instance: {
    oomKilled?: boolean | undefined;
    expiresAt?: number | undefined;
    idempotencyKey?: string | undefined;
    unenforced?: string[] | undefined;
  };
  logOptions: {
    stream?: "stdout" | "stderr" | "all" | undefined;
    maxBytes?: number | undefined;
    signal?: AbortSignal | undefined;
    onLine?: ((line: LogLine) => void) | undefined;
  };
  health: { unenforced?: string[] | undefined };
};

/** `A` with the optional members `B`, as one object type (`Omit` flattens the intersection and keeps `?`). */
type With<A, B> = Omit<A & Partial<B>, never>;

describe("inferred types equal the documented shapes", () => {
  it("configuration types", () => {
    expectTypeOf<ResourceLimits>().toEqualTypeOf<SeedResourceLimits>();
    expectTypeOf<SecurityOptions>().toEqualTypeOf<SeedSecurityOptions>();
    expectTypeOf<Capabilities>().toEqualTypeOf<SeedSecurityOptions["capabilities"]>();
    expectTypeOf<VolumeMount>().toEqualTypeOf<SeedVolumeMount>();
    expectTypeOf<ContainerConfig>().toEqualTypeOf<With<SeedContainerConfig, Additions11["config"]>>();
  });

  it("status, state and instance", () => {
    expectTypeOf<ContainerStatus>().toEqualTypeOf<SeedContainerStatus>();
    expectTypeOf<ContainerState>().toEqualTypeOf<SeedContainerState>();
    expectTypeOf<ContainerInstance>().toEqualTypeOf<With<SeedContainerInstance, Additions11["instance"]>>();
  });

  it("operation options", () => {
    expectTypeOf<ContainerFilter>().toEqualTypeOf<SeedContainerFilter>();
    expectTypeOf<StopOptions>().toEqualTypeOf<SeedStopOptions>();
    expectTypeOf<LogOptions>().toEqualTypeOf<With<SeedLogOptions, Additions11["logOptions"]>>();
  });

  it("health, volumes and networks", () => {
    expectTypeOf<DriverHealth>().toEqualTypeOf<With<SeedDriverHealth, Additions11["health"]>>();
    expectTypeOf<VolumeConfig>().toEqualTypeOf<SeedVolumeConfig>();
    expectTypeOf<Volume>().toEqualTypeOf<SeedVolume>();
    expectTypeOf<NetworkConfig>().toEqualTypeOf<SeedNetworkConfig>();
    expectTypeOf<Network>().toEqualTypeOf<SeedNetwork>();
  });

  it("every 1.0 value is still a valid 1.1 value", () => {
    expectTypeOf<SeedContainerConfig>().toExtend<ContainerConfig>();
    expectTypeOf<SeedContainerInstance>().toExtend<ContainerInstance>();
    expectTypeOf<SeedLogOptions>().toExtend<LogOptions>();
    expectTypeOf<SeedDriverHealth>().toExtend<DriverHealth>();
  });

  it("the driver contract: the 1.0 methods, then optional 1.1 members only", () => {
    expectTypeOf<SeedContainerDriver>().toExtend<ContainerDriver>();
    type Added = Exclude<keyof ContainerDriver, keyof SeedContainerDriver>;
    expectTypeOf<Added>().toEqualTypeOf<
      | "execInContainer"
      | "writeFile"
      | "readFile"
      | "readFileStream"
      | "pauseContainer"
      | "resumeContainer"
      | "setContainerExpiry"
      | "close"
      | "cleanup"
    >();
    // Every added member is optional: a 1.0 driver need not have any.
    expectTypeOf<Pick<ContainerDriver, Added>>().toEqualTypeOf<Partial<Pick<ContainerDriver, Added>>>();
    expectTypeOf<DriverCapability>().toEqualTypeOf<
      "execution" | "isolation" | "limits" | "streams" | "exec" | "files" | "pause" | "expiry" | "idempotency"
    >();
    expectTypeOf<DriverMethod>().toEqualTypeOf<
      Exclude<keyof SeedContainerDriver, "name" | "version" | "capabilities">
    >();
  });
});

describe("ContainerDriver implementations", () => {
  const instance: ContainerInstance = {
    id: "c",
    name: "c",
    sessionId: "s",
    image: "i",
    status: "created",
    state: "terminated",
    endpoint: "",
    createdAt: 0,
    labels: {},
    resources: { cpu: 1, memory: 1, disk: 1, pids: 1 },
  };
  const complete = {
    name: "test",
    version: "1.0.0",
    createContainer: async () => instance,
    startContainer: async () => {},
    stopContainer: async () => {},
    removeContainer: async () => {},
    getContainer: async () => null,
    listContainers: async () => [],
    getContainerLogs: async () => "",
    healthCheck: async (): Promise<DriverHealth> => ({
      status: "healthy",
      version: "1.0.0",
      uptime: 0,
      containers: { total: 0, running: 0, stopped: 0 },
    }),
    isContainerHealthy: async () => true,
    createVolume: async (): Promise<Volume> => ({
      id: "v",
      name: "v",
      driver: "local",
      mountpoint: "/",
      createdAt: 0,
      labels: {},
    }),
    removeVolume: async () => {},
    createNetwork: async (): Promise<Network> => ({ id: "n", name: "n", driver: "bridge", createdAt: 0, labels: {} }),
    removeNetwork: async () => {},
  };

  it("accepts a complete implementation, with or without capabilities", () => {
    expectTypeOf(complete).toExtend<ContainerDriver>();
    expectTypeOf({ ...complete, capabilities: ["execution"] as const }).toExtend<ContainerDriver>();
  });

  it("rejects an implementation missing a method", () => {
    const { removeNetwork: _removeNetwork, ...incomplete } = complete;
    // @ts-expect-error removeNetwork is missing
    const driver: ContainerDriver = incomplete;
    expectTypeOf(incomplete).not.toExtend<ContainerDriver>();
    void driver;
  });

  it("rejects an implementation without name or version", () => {
    const { name: _name, ...nameless } = complete;
    // @ts-expect-error name is missing
    const driver: ContainerDriver = nameless;
    void driver;
  });

  it("rejects a method with the wrong result type and an unknown capability", () => {
    // @ts-expect-error startContainer must return a Promise
    const syncStart: ContainerDriver = { ...complete, startContainer: () => undefined };
    // @ts-expect-error "gpu" is not a driver capability
    const unknownCapability: ContainerDriver = { ...complete, capabilities: ["gpu"] };
    void syncStart;
    void unknownCapability;
  });

  it("keeps name and version read-only", () => {
    const driver: ContainerDriver = complete;
    // @ts-expect-error name is readonly
    driver.name = "other";
  });
});
