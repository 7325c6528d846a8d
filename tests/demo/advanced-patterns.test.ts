/**
 * Patterns platform code builds on top of the contract: multi-container
 * orchestration, session-based management, resource pooling, error recovery,
 * event-driven designs, monitoring and metrics, and patterns across drivers.
 * Each helper below is written against `ContainerDriver` alone.
 */
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/clock.js";
import { CircuitOpenError, ContainerStartError, isDriverError, ResourceLimitError } from "../../src/errors.js";
import { CircuitBreaker } from "../../src/resilience/circuit-breaker.js";
import { withRetry } from "../../src/resilience/retry.js";
import { withPolicies } from "../../src/resilience/with-policies.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import type { DriverMethod } from "../../src/contract/methods.js";
import type { ContainerConfig } from "../../src/contract/schemas.js";
import { MockDockerDriver, MockLocalDriver } from "../mocks/index.js";
import { config, settle } from "./helpers.js";

// ---------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------

type ServiceSpec = { readonly name: string; readonly image: string; readonly dependsOn: readonly string[] };

/** Start services in dependency order on one network; on any failure, remove what was made and rethrow. */
async function deployStack(driver: ContainerDriver, sessionId: string, services: readonly ServiceSpec[]) {
  const network = await driver.createNetwork({ name: `${sessionId}-net` });
  const started = new Map<string, string>();
  try {
    const pending = [...services];
    while (pending.length > 0) {
      const ready = pending.findIndex((service) => service.dependsOn.every((dependency) => started.has(dependency)));
      if (ready < 0) throw new Error("dependency cycle");
      const [service] = pending.splice(ready, 1);
      if (service === undefined) break;
      const container = await driver.createContainer(
        config({ sessionId, image: service.image, network: network.name, labels: { service: service.name } }),
      );
      started.set(service.name, container.id);
      await driver.startContainer(container.id);
    }
    return { network, containers: started };
  } catch (error) {
    for (const id of [...started.values()].reverse()) await driver.removeContainer(id);
    await driver.removeNetwork(network.id);
    throw error;
  }
}

const STACK: readonly ServiceSpec[] = [
  { name: "web", image: "web:1", dependsOn: ["api"] },
  { name: "api", image: "api:1", dependsOn: ["db", "cache"] },
  { name: "db", image: "postgres:16", dependsOn: [] },
  { name: "cache", image: "redis:7", dependsOn: [] },
];

// ---------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------

/** One agent session: its containers carry its id; closing it removes exactly those. */
class SessionManager {
  constructor(private readonly driver: ContainerDriver) {}
  async open(sessionId: string, images: readonly string[]) {
    const ids: string[] = [];
    for (const image of images) {
      const { id } = await this.driver.createContainer(config({ sessionId, image, labels: { managedBy: "sessions" } }));
      await this.driver.startContainer(id);
      ids.push(id);
    }
    return ids;
  }
  async close(sessionId: string): Promise<number> {
    const containers = await this.driver.listContainers({ sessionId, label: { managedBy: "sessions" } });
    await Promise.all(containers.map((container) => this.driver.removeContainer(container.id)));
    return containers.length;
  }
}

// ---------------------------------------------------------------------------
// Pooling
// ---------------------------------------------------------------------------

/** Warm containers created ahead of time; acquire starts one, release stops it and puts it back. */
class ContainerPool {
  readonly #idle: string[] = [];
  readonly #busy = new Set<string>();
  constructor(
    private readonly driver: ContainerDriver,
    private readonly template: ContainerConfig,
  ) {}
  async fill(size: number): Promise<void> {
    for (let i = 0; i < size; i++) this.#idle.push((await this.driver.createContainer(this.template)).id);
  }
  async acquire(): Promise<string> {
    const id = this.#idle.shift();
    if (id === undefined) throw new Error("pool exhausted");
    this.#busy.add(id);
    await this.driver.startContainer(id);
    return id;
  }
  async release(id: string): Promise<void> {
    if (!this.#busy.delete(id)) throw new Error(`${id} is not in use`);
    await this.driver.stopContainer(id);
    this.#idle.push(id);
  }
  get idle(): number {
    return this.#idle.length;
  }
}

// ---------------------------------------------------------------------------
// Events and metrics
// ---------------------------------------------------------------------------

type DriverEvent = { readonly method: DriverMethod; readonly ok: boolean; readonly id?: string; readonly at: number };

/** Wraps any driver so that every call is published as an event, with its time and outcome. */
function observed(driver: ContainerDriver, now: () => number, publish: (event: DriverEvent) => void): ContainerDriver {
  return new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const method = property as DriverMethod;
      return async (...args: unknown[]) => {
        try {
          const result = await value.apply(target, args);
          const id = typeof args[0] === "string" ? args[0] : ((result as { id?: string } | undefined)?.id ?? undefined);
          publish(id === undefined ? { method, ok: true, at: now() } : { method, ok: true, id, at: now() });
          return result;
        } catch (error) {
          publish({ method, ok: false, at: now() });
          throw error;
        }
      };
    },
  });
}

/** Per-method call counts, failures and total simulated time. */
class Metrics {
  readonly calls = new Map<DriverMethod, { count: number; failures: number; totalMs: number }>();
  wrap(driver: ContainerDriver, now: () => number): ContainerDriver {
    return new Proxy(driver, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        const method = property as DriverMethod;
        return async (...args: unknown[]) => {
          const started = now();
          const entry = this.calls.get(method) ?? { count: 0, failures: 0, totalMs: 0 };
          this.calls.set(method, entry);
          entry.count++;
          try {
            return await value.apply(target, args);
          } catch (error) {
            entry.failures++;
            throw error;
          } finally {
            entry.totalMs += now() - started;
          }
        };
      },
    });
  }
}

describe("advanced patterns", () => {
  describe("multi-container orchestration", () => {
    it("starts a stack in dependency order on a shared network", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const events: DriverEvent[] = [];
      const watched = observed(
        driver,
        () => 0,
        (event) => events.push(event),
      );
      const { containers } = await deployStack(watched, "stack-1", STACK);
      const order = events.filter((e) => e.method === "startContainer").map((e) => e.id);
      const serviceOrder = order.map((id) => [...containers].find(([, value]) => value === id)?.[0]);
      expect(serviceOrder.indexOf("db")).toBeLessThan(serviceOrder.indexOf("api"));
      expect(serviceOrder.indexOf("cache")).toBeLessThan(serviceOrder.indexOf("api"));
      expect(serviceOrder.at(-1)).toBe("web");
      const running = await driver.listContainers({ sessionId: "stack-1", status: "running" });
      expect(running).toHaveLength(4);
      expect(new Set(running.map((c) => c.endpoint)).size).toBe(4);
    });

    it("rolls the whole stack back when one service fails to start", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      // The fourth start (web, the last service) fails.
      let starts = 0;
      const failingFourthStart: ContainerDriver = observed(
        driver,
        () => 0,
        (event) => {
          if (event.method === "startContainer" && ++starts === 3) driver.faults.failNext("startContainer", 1);
        },
      );
      await expect(deployStack(failingFourthStart, "stack-2", STACK)).rejects.toBeInstanceOf(ContainerStartError);
      expect(starts).toBe(4);
      expect(await driver.listContainers()).toEqual([]);
      await expect(driver.createNetwork({ name: "stack-2-net" })).resolves.toBeDefined();
    });
  });

  describe("session-based management", () => {
    it("closing a session removes its containers and no one else's", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const sessions = new SessionManager(driver);
      await sessions.open("alice", ["python:3.12", "node:22"]);
      const bobs = await sessions.open("bob", ["python:3.12"]);
      expect(await sessions.close("alice")).toBe(2);
      expect((await driver.listContainers()).map((c) => c.id)).toEqual(bobs);
      expect(await sessions.close("alice")).toBe(0);
    });

    it("keeps sessions apart in listings and health counts", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      const sessions = new SessionManager(driver);
      await sessions.open("s-1", ["a:1", "b:1", "c:1"]);
      await sessions.open("s-2", ["a:1"]);
      expect(await driver.listContainers({ sessionId: "s-1" })).toHaveLength(3);
      expect(await driver.listContainers({ sessionId: "s-2" })).toHaveLength(1);
      await sessions.close("s-1");
      expect((await driver.healthCheck()).containers).toEqual({ total: 1, running: 1, stopped: 0 });
    });
  });

  describe("resource pooling", () => {
    it("hands out warm containers and takes them back stopped", async () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const pool = new ContainerPool(driver, config({ sessionId: "pool" }));
      await pool.fill(2);
      const first = await pool.acquire();
      expect(await driver.isContainerHealthy(first)).toBe(true);
      const second = await pool.acquire();
      await expect(pool.acquire()).rejects.toThrow("pool exhausted");
      await pool.release(first);
      expect((await driver.getContainer(first))?.status).toBe("stopped");
      expect(await pool.acquire()).toBe(first);
      expect(second).not.toBe(first);
    });

    it("never hands the same container to two concurrent callers", async () => {
      const clock = createManualClock();
      const driver = new MockLocalDriver({ clock, timing: { minMs: 1, maxMs: 20 } });
      const pool = new ContainerPool(driver, config({ sessionId: "pool" }));
      await settle(clock, pool.fill(5));
      const acquired = await settle(clock, Promise.all([1, 2, 3, 4, 5].map(() => pool.acquire())));
      expect(new Set(acquired).size).toBe(5);
      expect(pool.idle).toBe(0);
      const running = await settle(clock, driver.listContainers({ status: "running" }));
      expect(running).toHaveLength(5);
    });

    it("sizes a pool to the driver's CPU limit instead of discovering it by failure", async () => {
      for (const driver of [new MockDockerDriver({ timing: "instant" }), new MockLocalDriver({ timing: "instant" })]) {
        const perContainer = driver.profile.limits.cpu;
        const pool = new ContainerPool(driver, config({ resources: { cpu: perContainer } }));
        await expect(pool.fill(1)).resolves.toBeUndefined();
        const oversized = new ContainerPool(driver, config({ resources: { cpu: perContainer * 2 } }));
        await expect(oversized.fill(1)).rejects.toBeInstanceOf(ResourceLimitError);
      }
    });
  });

  describe("error recovery", () => {
    it("retries a flaky start with backoff on an injected clock, without waiting", async () => {
      const clock = createManualClock();
      const driver = new MockDockerDriver({ timing: "instant", clock });
      const { id } = await driver.createContainer(config());
      driver.faults.failNext("startContainer", 2);
      const waits: number[] = [];
      await settle(
        clock,
        withRetry(() => driver.startContainer(id), {
          maxAttempts: 4,
          baseDelayMs: 100,
          jitter: "none",
          clock,
          onRetry: ({ delayMs }) => waits.push(delayMs),
        }),
      );
      expect(waits).toEqual([100, 200]);
      expect((await driver.getContainer(id))?.status).toBe("running");
    });

    it("withPolicies hides transient faults from the caller", async () => {
      const clock = createManualClock();
      const driver = new MockLocalDriver({ timing: "instant", clock });
      driver.faults.failNext("listContainers", 2);
      const resilient = withPolicies(driver, { clock, retry: { maxAttempts: 3, jitter: "none" } });
      await expect(settle(clock, resilient.listContainers())).resolves.toEqual([]);
      expect(driver.faults.injected).toBe(2);
    });
  });

  describe("event-driven architecture", () => {
    it("publishes every call as an event, in order, with the container id", async () => {
      const clock = createManualClock(1_000);
      const events: DriverEvent[] = [];
      const driver = observed(new MockDockerDriver({ timing: "instant", clock }), clock.now, (e) => events.push(e));
      const { id } = await driver.createContainer(config());
      await clock.advance(5);
      await driver.startContainer(id);
      await driver.stopContainer(id);
      await driver.removeContainer(id);
      await driver.startContainer(id).catch(() => undefined);
      expect(events.map((e) => `${e.method}:${e.ok}`)).toEqual([
        "createContainer:true",
        "startContainer:true",
        "stopContainer:true",
        "removeContainer:true",
        "startContainer:false",
      ]);
      expect(events.slice(0, 4).every((e) => e.id === id)).toBe(true);
      expect(events.map((e) => e.at)).toEqual([1_000, 1_005, 1_005, 1_005, 1_005]);
    });

    it("reacts when a container ends by following its logs", async () => {
      const driver = new MockLocalDriver({ timing: "instant" });
      const { id } = await driver.createContainer(config({ command: ["worker"] }));
      await driver.startContainer(id);
      const cleanedUp = driver.getContainerLogs(id, { follow: true }).then(async (logs) => {
        await driver.removeContainer(id);
        return logs;
      });
      driver.simulate.exit(id, 0);
      expect(await cleanedUp).toContain("exited: exit code 0");
      expect(await driver.getContainer(id)).toBeNull();
    });
  });

  describe("monitoring and metrics", () => {
    it("counts calls, failures and simulated time per method", async () => {
      const clock = createManualClock();
      const raw = new MockDockerDriver({ clock, random: () => 0.5 });
      const metrics = new Metrics();
      const driver = metrics.wrap(raw, clock.now);
      raw.faults.failNext("startContainer", 1);
      const { id } = await settle(clock, driver.createContainer(config()), 1);
      await settle(
        clock,
        driver.startContainer(id).catch(() => undefined),
        1,
      );
      await settle(clock, driver.startContainer(id), 1);
      expect(metrics.calls.get("createContainer")).toEqual({ count: 1, failures: 0, totalMs: 150 });
      expect(metrics.calls.get("startContainer")).toEqual({ count: 2, failures: 1, totalMs: 300 });
    });

    it("a health monitor notices an outage and the recovery", async () => {
      const clock = createManualClock();
      const driver = new MockLocalDriver({ timing: "instant", clock });
      const history: string[] = [];
      const probe = async () => history.push((await driver.healthCheck()).status);
      await probe();
      driver.faults.failNext("healthCheck", 2);
      for (let i = 0; i < 3; i++) {
        await clock.advance(30_000);
        await probe();
      }
      expect(history).toEqual(["healthy", "unhealthy", "unhealthy", "healthy"]);
    });
  });

  describe("cross-driver patterns", () => {
    it("fails over to a second driver while the first one's circuit is open", async () => {
      const clock = createManualClock();
      const primary = new MockDockerDriver({ timing: "instant", clock });
      const secondary = new MockLocalDriver({ timing: "instant", clock });
      const breaker = new CircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 10_000, clock });
      const create = async (input: ContainerConfig) => {
        try {
          return await breaker.execute(() => primary.createContainer(input));
        } catch (error) {
          if (error instanceof CircuitOpenError || (isDriverError(error) && error.retryable)) {
            return secondary.createContainer(input);
          }
          throw error;
        }
      };
      primary.faults.failRate("createContainer", 1);
      const placed = [];
      for (let i = 0; i < 4; i++) placed.push((await create(config())).endpoint);
      expect(breaker.state).toBe("open");
      expect(primary.faults.injected).toBe(2);
      expect(placed.every((endpoint) => endpoint.startsWith("unix://"))).toBe(true);
      primary.faults.clear();
      await clock.advance(10_000);
      expect((await create(config())).endpoint).toMatch(/^tcp:/);
      expect(breaker.state).toBe("closed");
    });
  });
});
