import { describe, expect, it, type Mock, vi } from "vitest";
import { createDriverConfig } from "../../src/builders.js";
import { createManualClock, type ManualClock } from "../../src/clock.js";
import {
  CircuitOpenError,
  ConfigurationError,
  ContainerCreationError,
  ContainerNotFoundError,
  ContainerStartError,
  NetworkError,
  NetworkNotFoundError,
  TimeoutError,
  VolumeNotFoundError,
} from "../../src/errors.js";
import { CircuitBreaker } from "../../src/resilience/circuit-breaker.js";
import { DEFAULT_POLICY_TIMEOUT_MS, defaultShouldRetry } from "../../src/resilience/method-policy.js";
import { type DriverPolicies, type LateCreationInfo, withPolicies } from "../../src/resilience/with-policies.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import type { DriverMethod } from "../../src/contract/methods.js";
import type { ContainerInstance, DriverHealth } from "../../src/contract/schemas.js";
import { drive, flushMicrotasks, seededRandom } from "./helpers.js";

function instance(id: string): ContainerInstance {
  return {
    id,
    name: `name-${id}`,
    sessionId: "s-1",
    image: "alpine",
    status: "created",
    state: "terminated",
    endpoint: "",
    createdAt: 0,
    labels: {},
    resources: { cpu: 1, memory: 512, disk: 1024, pids: 100 },
  };
}

const healthy: DriverHealth = {
  status: "healthy",
  version: "9.9.9",
  uptime: 1,
  containers: { total: 0, running: 0, stopped: 0 },
};

function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

type FakeDriver = ContainerDriver & { [M in DriverMethod]: Mock<ContainerDriver[M]> };

/** A driver whose every method is a spy with a harmless default; tests replace what they need with other spies. */
function fakeDriver(overrides: Partial<Record<DriverMethod, Mock>> = {}): FakeDriver {
  const driver = {
    name: "fake",
    version: "2.3.4",
    createContainer: vi.fn(async () => instance("c-1")),
    startContainer: vi.fn(async () => undefined),
    stopContainer: vi.fn(async () => undefined),
    removeContainer: vi.fn(async () => undefined),
    getContainer: vi.fn(async (): Promise<ContainerInstance | null> => null),
    listContainers: vi.fn(async (): Promise<ContainerInstance[]> => []),
    getContainerLogs: vi.fn(async () => ""),
    healthCheck: vi.fn(async () => healthy),
    isContainerHealthy: vi.fn(async () => true),
    createVolume: vi.fn(async () => ({
      id: "v-1",
      name: "data",
      driver: "local",
      mountpoint: "/v",
      createdAt: 0,
      labels: {},
    })),
    removeVolume: vi.fn(async () => undefined),
    createNetwork: vi.fn(async () => ({ id: "n-1", name: "net", driver: "bridge", createdAt: 0, labels: {} })),
    removeNetwork: vi.fn(async () => undefined),
    ...overrides,
  };
  return driver as unknown as FakeDriver;
}

function policies(clock: ManualClock, extra: DriverPolicies = {}): DriverPolicies {
  return { clock, random: seededRandom(7), ...extra };
}

function failing(errors: readonly unknown[], then: () => Promise<unknown>) {
  let call = 0;
  return vi.fn(async () => {
    const error = errors[call++];
    if (error !== undefined) throw error;
    return then();
  });
}

function resetError(): Error {
  return Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" });
}

function refusedError(): Error {
  return Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED", syscall: "connect" });
}

describe("withPolicies: identity and contract", () => {
  it("keeps name, version and capabilities, and has every method", () => {
    const plain = withPolicies(fakeDriver());
    expect(plain.name).toBe("fake");
    expect(plain.version).toBe("2.3.4");
    expect("capabilities" in plain).toBe(false);
    const capable = withPolicies({ ...fakeDriver(), capabilities: ["execution"] as const });
    expect(capable.capabilities).toEqual(["execution"]);
  });

  it("getContainer still resolves null for a missing id, without retrying", async () => {
    const driver = fakeDriver();
    const wrapped = withPolicies(driver, policies(createManualClock()));
    await expect(wrapped.getContainer("missing")).resolves.toBeNull();
    expect(driver.getContainer).toHaveBeenCalledTimes(1);
  });

  it("healthCheck never throws: a failure or a hang becomes unhealthy with error set", async () => {
    const clock = createManualClock();
    const rejecting = withPolicies(
      fakeDriver({ healthCheck: vi.fn(async () => Promise.reject(refusedError())) }),
      policies(clock),
    );
    const health = await rejecting.healthCheck();
    expect(health.status).toBe("unhealthy");
    expect(health.error).toContain("ECONNREFUSED");
    expect(health.version).toBe("2.3.4");

    const hanging = withPolicies(fakeDriver({ healthCheck: vi.fn(() => never<DriverHealth>()) }), policies(clock));
    const pending = hanging.healthCheck();
    const result = await drive(clock, pending);
    expect(result.status).toBe("unhealthy");
    expect(result.error).toContain("timed out after 5000 ms");
  });

  it("healthCheck bypasses an open breaker and does not count towards it", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock });
    const driver = fakeDriver({ listContainers: vi.fn(async () => Promise.reject(new NetworkError("down"))) });
    const wrapped = withPolicies(driver, policies(clock, { circuitBreaker: breaker, retry: false }));
    await expect(wrapped.listContainers()).rejects.toBeInstanceOf(NetworkError);
    expect(breaker.consecutiveFailures).toBe(1);
    driver.healthCheck.mockRejectedValueOnce(new NetworkError("down"));
    expect((await wrapped.healthCheck()).status).toBe("unhealthy");
    expect(breaker.consecutiveFailures).toBe(1);
    expect(breaker.state).toBe("closed");
    await expect(wrapped.listContainers()).rejects.toBeInstanceOf(NetworkError);
    expect(breaker.state).toBe("open");
    await expect(wrapped.healthCheck()).resolves.toEqual(healthy);
  });
});

describe("withPolicies: retries", () => {
  it("retries a retryable failure of startContainer and resolves once it succeeds", async () => {
    const clock = createManualClock();
    const startContainer = failing(
      [new ContainerStartError("c-1", "busy"), new NetworkError("reset")],
      async () => undefined,
    );
    const onRetry = vi.fn();
    const wrapped = withPolicies(fakeDriver({ startContainer }), policies(clock, { onRetry }));
    await drive(clock, wrapped.startContainer("c-1"));
    expect(startContainer).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls.map(([info]) => [info.method, info.attempt])).toEqual([
      ["startContainer", 1],
      ["startContainer", 2],
    ]);
  });

  it("never calls the driver more than maxAttempts times and throws the last error", async () => {
    const clock = createManualClock();
    const startContainer = vi.fn(async () => Promise.reject(new NetworkError("down")));
    const wrapped = withPolicies(
      fakeDriver({ startContainer }),
      policies(clock, { retry: { maxAttempts: 4 }, circuitBreaker: false }),
    );
    await expect(drive(clock, wrapped.startContainer("c-1"))).rejects.toBeInstanceOf(NetworkError);
    expect(startContainer).toHaveBeenCalledTimes(4);
  });

  it("does not retry non-retryable errors", async () => {
    const clock = createManualClock();
    const startContainer = vi.fn(async () => Promise.reject(new ContainerNotFoundError("c-1")));
    const wrapped = withPolicies(fakeDriver({ startContainer }), policies(clock));
    await expect(wrapped.startContainer("c-1")).rejects.toBeInstanceOf(ContainerNotFoundError);
    expect(startContainer).toHaveBeenCalledTimes(1);
  });

  it("maps a raw errno error before deciding, keeps it as cause, and retries it", async () => {
    const clock = createManualClock();
    const raw = resetError();
    const listContainers = vi.fn(async () => Promise.reject(raw));
    const wrapped = withPolicies(fakeDriver({ listContainers }), policies(clock, { circuitBreaker: false }));
    const error = await drive(clock, wrapped.listContainers()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).cause).toBe(raw);
    expect((error as NetworkError).context).toMatchObject({ operation: "listContainers", driver: "fake" });
    expect(listContainers).toHaveBeenCalledTimes(3);
  });

  it("with mapErrors false, a raw error passes through unchanged and is not retried", async () => {
    const clock = createManualClock();
    const raw = resetError();
    const listContainers = vi.fn(async () => Promise.reject(raw));
    const wrapped = withPolicies(fakeDriver({ listContainers }), policies(clock, { mapErrors: false }));
    await expect(wrapped.listContainers()).rejects.toBe(raw);
    expect(listContainers).toHaveBeenCalledTimes(1);
  });

  it("applies per-method overrides over the driver-wide policy", async () => {
    const clock = createManualClock();
    const listContainers = vi.fn(async () => Promise.reject(new NetworkError("down")));
    const startContainer = vi.fn(async () => Promise.reject(new NetworkError("down")));
    const wrapped = withPolicies(
      fakeDriver({ listContainers, startContainer }),
      policies(clock, {
        retry: { maxAttempts: 5 },
        circuitBreaker: false,
        methods: { listContainers: { retry: false }, startContainer: { retry: { maxAttempts: 2 } } },
      }),
    );
    await expect(wrapped.listContainers()).rejects.toBeInstanceOf(NetworkError);
    expect(listContainers).toHaveBeenCalledTimes(1);
    await expect(drive(clock, wrapped.startContainer("c"))).rejects.toBeInstanceOf(NetworkError);
    expect(startContainer).toHaveBeenCalledTimes(2);
  });

  it("a custom shouldRetry replaces the default", async () => {
    const clock = createManualClock();
    const createContainer = failing([new TimeoutError("createContainer", 1)], async () => instance("c-2"));
    const wrapped = withPolicies(
      fakeDriver({ createContainer }),
      policies(clock, { retry: { shouldRetry: () => true } }),
    );
    await expect(
      drive(clock, wrapped.createContainer(createDriverConfig({ sessionId: "s", image: "a" }))),
    ).resolves.toMatchObject({ id: "c-2" });
    expect(createContainer).toHaveBeenCalledTimes(2);
  });
});

describe("withPolicies: timeouts and non-idempotent creates", () => {
  const config = createDriverConfig({ sessionId: "s-1", image: "alpine" });

  it("does not retry a create that timed out, and removes what it creates late", async () => {
    const clock = createManualClock();
    let finish!: (value: ContainerInstance) => void;
    const createContainer = vi.fn(() => new Promise<ContainerInstance>((resolve) => (finish = resolve)));
    const removeContainer = vi.fn(async () => undefined);
    const late: LateCreationInfo[] = [];
    const wrapped = withPolicies(
      fakeDriver({ createContainer, removeContainer }),
      policies(clock, { timeoutMs: 1_000, onLateCreation: (info) => late.push(info) }),
    );
    const error = await drive(clock, wrapped.createContainer(config)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).operation).toBe("createContainer");
    expect((error as TimeoutError).timeout).toBe(1_000);
    expect(createContainer).toHaveBeenCalledTimes(1);
    finish(instance("c-late"));
    await flushMicrotasks();
    expect(removeContainer).toHaveBeenCalledWith("c-late");
    expect(late).toEqual([{ method: "createContainer", id: "c-late", removed: true }]);
  });

  it("reports a failed clean-up of a late creation", async () => {
    const clock = createManualClock();
    let finish!: (value: {
      id: string;
      name: string;
      driver: string;
      createdAt: number;
      labels: Record<string, string>;
    }) => void;
    const failure = new Error("cannot remove");
    const late: LateCreationInfo[] = [];
    const wrapped = withPolicies(
      fakeDriver({
        createNetwork: vi.fn(() => new Promise((resolve) => (finish = resolve))),
        removeNetwork: vi.fn(async () => Promise.reject(failure)),
      }),
      policies(clock, { timeoutMs: 10, onLateCreation: (info) => late.push(info) }),
    );
    await expect(drive(clock, wrapped.createNetwork({ name: "net" }))).rejects.toBeInstanceOf(TimeoutError);
    finish({ id: "n-late", name: "net", driver: "bridge", createdAt: 0, labels: {} });
    await flushMicrotasks();
    expect(late).toEqual([{ method: "createNetwork", id: "n-late", removed: false, error: failure }]);
  });

  it("with removeLateCreations false, leaves a late creation alone", async () => {
    const clock = createManualClock();
    let finish!: (value: ContainerInstance) => void;
    const removeContainer = vi.fn(async () => undefined);
    const wrapped = withPolicies(
      fakeDriver({ createContainer: vi.fn(() => new Promise((resolve) => (finish = resolve))), removeContainer }),
      policies(clock, { timeoutMs: 10, removeLateCreations: false }),
    );
    await expect(drive(clock, wrapped.createContainer(config))).rejects.toBeInstanceOf(TimeoutError);
    finish(instance("c-late"));
    await flushMicrotasks();
    expect(removeContainer).not.toHaveBeenCalled();
  });

  it("retries a create whose config carries an idempotencyKey after a connection reset", async () => {
    const clock = createManualClock();
    const createContainer = failing([resetError()], async () => instance("c-keyed"));
    const wrapped = withPolicies(fakeDriver({ createContainer }), policies(clock));
    const created = await drive(clock, wrapped.createContainer({ ...config, idempotencyKey: "task-7" }));
    expect(created.id).toBe("c-keyed");
    expect(createContainer).toHaveBeenCalledTimes(2);
  });

  it("keeps what a keyed create made after its attempt timed out: the key names it, a retry may have returned it", async () => {
    const clock = createManualClock();
    const finishers: ((value: ContainerInstance) => void)[] = [];
    const createContainer = vi.fn(() => new Promise<ContainerInstance>((resolve) => finishers.push(resolve)));
    const removeContainer = vi.fn(async () => undefined);
    const late: LateCreationInfo[] = [];
    const wrapped = withPolicies(
      fakeDriver({ createContainer, removeContainer }),
      policies(clock, { timeoutMs: 10, retry: { maxAttempts: 2 }, onLateCreation: (info) => late.push(info) }),
    );
    const creating = wrapped.createContainer({ ...config, idempotencyKey: "task-7" });
    await expect(drive(clock, creating)).rejects.toBeInstanceOf(TimeoutError);
    expect(createContainer).toHaveBeenCalledTimes(2);
    for (const finish of finishers) finish(instance("c-keyed"));
    await flushMicrotasks();
    expect(removeContainer).not.toHaveBeenCalled();
    expect(late).toEqual([]);
  });

  it("does not retry a create after a connection reset (the request may have been processed)", async () => {
    const clock = createManualClock();
    const createContainer = vi.fn(async () => Promise.reject(resetError()));
    const wrapped = withPolicies(fakeDriver({ createContainer }), policies(clock));
    await expect(wrapped.createContainer(config)).rejects.toBeInstanceOf(NetworkError);
    expect(createContainer).toHaveBeenCalledTimes(1);
  });

  it("retries a create after a refused connection (the request never left) and after a definite creation failure", async () => {
    const clock = createManualClock();
    const createContainer = failing([refusedError(), new ContainerCreationError("engine busy")], async () =>
      instance("c-3"),
    );
    const wrapped = withPolicies(fakeDriver({ createContainer }), policies(clock));
    await expect(drive(clock, wrapped.createContainer(config))).resolves.toMatchObject({ id: "c-3" });
    expect(createContainer).toHaveBeenCalledTimes(3);
  });

  it.each([
    ["removeContainer", () => new ContainerNotFoundError("x")],
    ["removeVolume", () => new VolumeNotFoundError("x")],
    ["removeNetwork", () => new NetworkNotFoundError("x")],
  ] as const)("retries %s after a timeout, and treats NotFound on the retry as done", async (method, notFound) => {
    const clock = createManualClock();
    let calls = 0;
    const remove = vi.fn(async () => {
      calls++;
      if (calls === 1) return never<void>(); // removed on the engine, but the answer is lost
      throw notFound();
    });
    const wrapped = withPolicies(fakeDriver({ [method]: remove }), policies(clock, { timeoutMs: 100 }));
    await expect(drive(clock, wrapped[method]("x"))).resolves.toBeUndefined();
    expect(remove).toHaveBeenCalledTimes(2);
  });

  it("removes a volume created after its caller timed out, and leaves alone a late create that failed", async () => {
    const clock = createManualClock();
    let finishVolume!: (value: Awaited<ReturnType<ContainerDriver["createVolume"]>>) => void;
    let failContainer!: (error: Error) => void;
    const removeVolume = vi.fn(async () => undefined);
    const removeContainer = vi.fn(async () => undefined);
    const late: LateCreationInfo[] = [];
    const wrapped = withPolicies(
      fakeDriver({
        createVolume: vi.fn(() => new Promise((resolve) => (finishVolume = resolve))),
        createContainer: vi.fn(() => new Promise((_, reject) => (failContainer = reject))),
        removeVolume,
        removeContainer,
      }),
      policies(clock, { timeoutMs: 10, onLateCreation: (info) => late.push(info) }),
    );
    await expect(drive(clock, wrapped.createVolume({ name: "data" }))).rejects.toBeInstanceOf(TimeoutError);
    await expect(drive(clock, wrapped.createContainer(config))).rejects.toBeInstanceOf(TimeoutError);
    finishVolume({ id: "v-late", name: "data", driver: "local", mountpoint: "/v", createdAt: 0, labels: {} });
    failContainer(new Error("engine gave up too"));
    await flushMicrotasks();
    expect(removeVolume).toHaveBeenCalledWith("v-late");
    expect(removeContainer).not.toHaveBeenCalled();
    expect(late).toEqual([{ method: "createVolume", id: "v-late", removed: true }]);
  });

  it("still reports NotFound for a remove of something that never existed", async () => {
    const clock = createManualClock();
    const removeVolume = vi.fn(async () => Promise.reject(new VolumeNotFoundError("v-0")));
    const wrapped = withPolicies(fakeDriver({ removeVolume }), policies(clock));
    await expect(wrapped.removeVolume("v-0")).rejects.toBeInstanceOf(VolumeNotFoundError);
    expect(removeVolume).toHaveBeenCalledTimes(1);
  });

  it("times out each attempt at the default 30 s and retries idempotent calls", async () => {
    const clock = createManualClock();
    const startContainer = failing([], async () => undefined);
    startContainer.mockImplementationOnce(() => never());
    const wrapped = withPolicies(fakeDriver({ startContainer }), policies(clock, { random: () => 0 }));
    await drive(clock, wrapped.startContainer("c"));
    expect(startContainer).toHaveBeenCalledTimes(2);
    expect(clock.now()).toBe(DEFAULT_POLICY_TIMEOUT_MS);
  });

  it("gives stopContainer at least its grace period plus a margin", async () => {
    const clock = createManualClock();
    const stopContainer = vi.fn(() => clock.sleep(60_000));
    const wrapped = withPolicies(fakeDriver({ stopContainer }), policies(clock, { retry: false }));
    // 60 s of stopping is within 50 s grace + 30 s margin, though above the 30 s default deadline.
    await expect(drive(clock, wrapped.stopContainer("c", { timeout: 50_000 }))).resolves.toBeUndefined();
    expect(stopContainer).toHaveBeenCalledTimes(1);
    const cut = withPolicies(
      fakeDriver({ stopContainer: vi.fn(() => clock.sleep(60_000)) }),
      policies(clock, { retry: false, methods: { stopContainer: { timeoutMs: 1_000 } } }),
    );
    await expect(drive(clock, cut.stopContainer("c", { timeout: 50_000 }))).rejects.toBeInstanceOf(TimeoutError);
  });

  it("does not cut short getContainerLogs with follow", async () => {
    const clock = createManualClock();
    const getContainerLogs = vi.fn(() => clock.sleep(120_000).then(() => "all output"));
    const wrapped = withPolicies(fakeDriver({ getContainerLogs }), policies(clock));
    await expect(drive(clock, wrapped.getContainerLogs("c", { follow: true }))).resolves.toBe("all output");
  });

  it("passes method arguments through unchanged", async () => {
    const driver = fakeDriver();
    const wrapped = withPolicies(driver, policies(createManualClock()));
    await wrapped.stopContainer("c", { force: true });
    await wrapped.stopContainer("c");
    await wrapped.listContainers({ sessionId: "s" });
    await wrapped.listContainers();
    await wrapped.getContainerLogs("c", { tail: 3 });
    expect(driver.stopContainer.mock.calls).toEqual([["c", { force: true }], ["c"]]);
    expect(driver.listContainers.mock.calls).toEqual([[{ sessionId: "s" }], []]);
    expect(driver.getContainerLogs.mock.calls).toEqual([["c", { tail: 3 }]]);
  });
});

describe("withPolicies: circuit breaker", () => {
  it("opens after repeated failures, then refuses without calling the driver and without retrying", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 1_000, clock });
    const startContainer = vi.fn(async () => Promise.reject(new NetworkError("down")));
    const wrapped = withPolicies(fakeDriver({ startContainer }), policies(clock, { circuitBreaker: breaker }));
    await expect(drive(clock, wrapped.startContainer("c"))).rejects.toBeInstanceOf(NetworkError);
    expect(startContainer).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe("open");
    await expect(wrapped.startContainer("c")).rejects.toBeInstanceOf(CircuitOpenError);
    expect(startContainer).toHaveBeenCalledTimes(3);
  });

  it("stops retrying once the breaker opens and reports the failure that opened it", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 1_000, clock });
    const failure = new NetworkError("down");
    const startContainer = vi.fn(async () => Promise.reject(failure));
    const onRetry = vi.fn();
    const wrapped = withPolicies(
      fakeDriver({ startContainer }),
      policies(clock, { circuitBreaker: breaker, retry: { maxAttempts: 10 }, onRetry }),
    );
    await expect(drive(clock, wrapped.startContainer("c"))).rejects.toBe(failure);
    expect(startContainer).toHaveBeenCalledTimes(2);
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it("does not count caller errors towards opening", async () => {
    const clock = createManualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    const wrapped = withPolicies(
      fakeDriver({ startContainer: vi.fn(async () => Promise.reject(new ConfigurationError("bad id"))) }),
      policies(clock, { circuitBreaker: breaker }),
    );
    await expect(wrapped.startContainer("c")).rejects.toBeInstanceOf(ConfigurationError);
    expect(breaker.state).toBe("closed");
  });

  it("builds its own breaker from options, named after the driver", async () => {
    const clock = createManualClock();
    const wrapped = withPolicies(
      fakeDriver({ listContainers: vi.fn(async () => Promise.reject(new NetworkError("down"))) }),
      policies(clock, { circuitBreaker: { failureThreshold: 1 }, retry: false }),
    );
    await expect(wrapped.listContainers()).rejects.toBeInstanceOf(NetworkError);
    const error = await wrapped.listContainers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).context).toMatchObject({ circuit: "fake" });
  });
});

describe("withPolicies: options", () => {
  it.each<[string, DriverPolicies]>([
    ["timeoutMs", { timeoutMs: -1 }],
    ["retry.maxAttempts", { retry: { maxAttempts: 0 } }],
    ["methods.listContainers.timeoutMs", { methods: { listContainers: { timeoutMs: Number.NaN } } }],
    ["methods.startContainer.retry.jitter", { methods: { startContainer: { retry: { jitter: "x" as "full" } } } }],
    ["circuitBreaker.failureThreshold", { circuitBreaker: { failureThreshold: 0 } }],
  ])("refuses a bad %s when wrapping", (_, bad) => {
    expect(() => withPolicies(fakeDriver(), bad)).toThrow(ConfigurationError);
  });

  it("defaultShouldRetry refuses CircuitOpenError and ambiguous create failures only", () => {
    expect(defaultShouldRetry("startContainer", new TimeoutError("startContainer", 1))).toBe(true);
    expect(defaultShouldRetry("createContainer", new TimeoutError("createContainer", 1))).toBe(false);
    expect(defaultShouldRetry("createVolume", new NetworkError("reset"))).toBe(false);
    expect(defaultShouldRetry("createNetwork", new NetworkError("refused", { context: { requestSent: false } }))).toBe(
      true,
    );
    expect(defaultShouldRetry("createContainer", new ContainerCreationError("busy"))).toBe(true);
    expect(defaultShouldRetry("listContainers", new CircuitOpenError(0))).toBe(false);
    expect(defaultShouldRetry("listContainers", new Error("raw"))).toBe(false);
  });
});
