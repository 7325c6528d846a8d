/**
 * The mocks' 1.1 members besides commands: files, pause, expiry,
 * idempotency, a runtime shared by several drivers, close and cleanup,
 * methods called without their driver, and the virtual clock.
 */
import { describe, expect, it } from "vitest";
import {
  ALL_DRIVER_METHODS,
  ConfigurationError,
  createDriverConfig,
  createManualClock,
  type DriverConfigInput,
  FileNotFoundError,
  FileSystemError,
  IdempotencyConflictError,
  OperationAbortedError,
  ResourceLimitError,
} from "../../src/index.js";
import { createVirtualClock, DOCKER_PROFILE, MockDockerDriver, MockDriver, MockRuntime } from "./index.js";

const config = (input: DriverConfigInput = {}) =>
  createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", ...input });
const IDLE = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

describe("files", () => {
  it("writes strings, bytes and streams, owned by the container's user, with parents, and reads them back", async () => {
    const driver = new MockDockerDriver({ timing: "instant" });
    const { id } = await driver.createContainer(config({ command: IDLE }));
    await driver.writeFile(id, "/tmp/a/b/c.txt", "text");
    await driver.writeFile(id, "/tmp/bytes", Uint8Array.from([0, 255]), { mode: 0o600 });
    await driver.writeFile(id, "/tmp/stream", chunks("one ", "two"));
    expect(text(await driver.readFile(id, "/tmp/a/b/c.txt"))).toBe("text");
    expect([...(await driver.readFile(id, "/tmp/bytes"))]).toEqual([0, 255]);
    const parts: string[] = [];
    for await (const chunk of await driver.readFileStream(id, "/tmp/stream")) parts.push(text(chunk));
    expect(parts.join("")).toBe("one two");
    await driver.startContainer(id);
    const listing = await driver.execInContainer(id, {
      command: ["stat", "-c", "%a %U %n", "/tmp/a", "/tmp/a/b/c.txt", "/tmp/bytes"],
    });
    expect(listing.stdout).toBe("755 openagent /tmp/a\n644 openagent /tmp/a/b/c.txt\n600 openagent /tmp/bytes\n");
  });

  it("rejects a missing file, what the file system refuses, a file above maxBytes, and a bad path", async () => {
    const driver = new MockDockerDriver({ timing: "instant" });
    const { id } = await driver.createContainer(config());
    await expect(driver.readFile(id, "/tmp/none")).rejects.toBeInstanceOf(FileNotFoundError);
    const reasons: unknown[] = [];
    for (const path of ["/etc/motd", "/etc/passwd/x", "/tmp"]) {
      const error = await driver.writeFile(id, path, "x").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FileSystemError);
      reasons.push((error as FileSystemError).context.reason);
    }
    expect(reasons).toEqual(["read-only", "not-a-directory", "is-a-directory"]);
    await driver.writeFile(id, "/tmp/ten", "0123456789");
    await expect(driver.readFile(id, "/tmp/ten", { maxBytes: 9 })).rejects.toMatchObject({
      name: "ResourceLimitError",
      resource: "fileBytes",
    });
    await expect(driver.readFile(id, "/dev/zero", { maxBytes: 10 })).rejects.toBeInstanceOf(ResourceLimitError);
    await expect(driver.writeFile(id, "relative/path", "x")).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: "path" })]),
    });
    await expect(driver.writeFile(id, "/tmp/x", 42 as never)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("refuses to hold more than the profile's bytes, and an abort leaves the file as it was", async () => {
    const small = { ...DOCKER_PROFILE, fileSystem: { layerBytes: 1_000, tmpfsBytes: 100 } };
    const driver = new MockDriver(small, { timing: "instant" });
    const { id } = await driver.createContainer(config());
    await driver.writeFile(id, "/tmp/fits", new Uint8Array(100));
    const tooMuch = new Uint8Array(1);
    await expect(driver.writeFile(id, "/tmp/big", tooMuch)).rejects.toMatchObject({ context: { reason: "no-space" } });
    await driver.writeFile(id, "/tmp/fits", "old");
    const controller = new AbortController();
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode("new");
      controller.abort();
      await new Promise(() => undefined);
    }
    await expect(driver.writeFile(id, "/tmp/fits", endless(), { signal: controller.signal })).rejects.toBeInstanceOf(
      OperationAbortedError,
    );
    expect(text(await driver.readFile(id, "/tmp/fits"))).toBe("old");
  });
});

describe("pause", () => {
  it("freezes the processes where they are: nothing is written while paused, and counting goes on after", async () => {
    const clock = createVirtualClock(0);
    const driver = new MockDockerDriver({ timing: "instant", clock });
    const { id } = await driver.createContainer(
      config({ command: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 1; done"] }),
    );
    await driver.startContainer(id);
    await clock.sleep(2_500);
    await driver.pauseContainer(id);
    expect(await driver.getContainerLogs(id)).toBe("1\n2\n3\n");
    await clock.sleep(10_000);
    expect(await driver.getContainerLogs(id)).toBe("1\n2\n3\n");
    await driver.resumeContainer(id);
    await clock.sleep(500);
    expect(await driver.getContainerLogs(id)).toBe("1\n2\n3\n4\n");
    await expect(driver.resumeContainer(id)).resolves.toBeUndefined();
    await driver.stopContainer(id);
    await expect(driver.pauseContainer(id)).rejects.toMatchObject({ name: "ContainerStateError", status: "stopped" });
  });
});

describe("expiry", () => {
  it("removes a container at its expiresAt on the driver's clock; setContainerExpiry moves, clears or makes it due", async () => {
    const clock = createManualClock(1_000);
    const driver = new MockDockerDriver({ timing: "instant", clock });
    const expiring = await driver.createContainer(config({ ttlMs: 5_000, command: IDLE }));
    expect(expiring.expiresAt).toBe(6_000);
    await driver.startContainer(expiring.id);
    const cleared = await driver.createContainer(config({ ttlMs: 1_000 }));
    await driver.setContainerExpiry(cleared.id, null);
    await clock.advance(4_999);
    expect(await driver.getContainer(expiring.id)).not.toBeNull();
    await clock.advance(1);
    expect(await driver.getContainer(expiring.id)).toBeNull();
    expect(await driver.getContainer(cleared.id)).toMatchObject({ status: "created" });
    await driver.setContainerExpiry(cleared.id, 0);
    await clock.advance(0);
    expect(await driver.getContainer(cleared.id)).toBeNull();
    await expect(driver.setContainerExpiry("x", Number.NaN)).rejects.toMatchObject({ issues: [{ path: "expiresAt" }] });
  });

  it("sweeps on its interval when given one, stops with close(), and a new driver sweeps what expired meanwhile", async () => {
    const clock = createManualClock(0);
    const runtime = new MockRuntime({ clock });
    const first = new MockDockerDriver({ runtime, timing: "instant", sweepIntervalMs: 1_000 });
    const { id } = await first.createContainer(config({ ttlMs: 1_500 }));
    await clock.advance(1_999);
    expect(await first.getContainer(id)).not.toBeNull();
    await clock.advance(1);
    expect(await first.getContainer(id)).toBeNull();
    const late = await first.createContainer(config({ ttlMs: 100 }));
    await first.close();
    await first.close();
    await clock.advance(10_000);
    expect(await first.getContainer(late.id)).not.toBeNull();
    const second = new MockDockerDriver({ runtime, timing: "instant" });
    expect(await second.getContainer(late.id)).toBeNull();
  });
});

describe("idempotency", () => {
  it("one key gives one container, also at once and across drivers of one runtime; another config conflicts", async () => {
    const runtime = new MockRuntime();
    const [first, second] = [
      new MockDockerDriver({ runtime, timing: "instant" }),
      new MockDockerDriver({ runtime, timing: "instant" }),
    ];
    const keyed = config({ idempotencyKey: "task-7", labels: { b: "2", a: "1" } });
    const created = await Promise.all([first, second, first, second].map((driver) => driver.createContainer(keyed)));
    expect(new Set(created.map((container) => container.id)).size).toBe(1);
    expect(created[0]?.idempotencyKey).toBe("task-7");
    expect((await first.createContainer(config({ idempotencyKey: "task-7", labels: { a: "1", b: "2" } }))).id).toBe(
      created[0]?.id,
    );
    await expect(second.createContainer(config({ idempotencyKey: "task-7", env: { X: "1" } }))).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await first.removeContainer(created[0]?.id ?? "");
    expect((await second.createContainer(keyed)).id).not.toBe(created[0]?.id);
    expect(await first.listContainers()).toHaveLength(1);
  });
});

describe("a shared runtime, close and cleanup", () => {
  it("refuses runtime options given to a driver over a shared runtime", () => {
    expect(() => new MockDockerDriver({ runtime: new MockRuntime(), clock: createManualClock() })).toThrow(
      /belong to the shared runtime/,
    );
    expect(() => new MockDockerDriver({ runtime: {} as MockRuntime })).toThrow(ConfigurationError);
  });

  it("cleanup removes everything of the runtime, goes on past failures and reports them", async () => {
    const driver = new MockDockerDriver({ timing: "instant" });
    const volume = await driver.createVolume({ name: "v" });
    const network = await driver.createNetwork({ name: "n" });
    const { id } = await driver.createContainer(
      config({ command: IDLE, network: "n", volumes: [{ source: "v", target: "/data" }] }),
    );
    await driver.startContainer(id);
    await driver.createContainer(config());
    driver.faults.failNext("removeContainer", 1);
    const partial = await driver.cleanup();
    expect(partial).toMatchObject({ containers: 1, networks: 0, volumes: 0 });
    expect(partial.failures?.map((failure) => failure.kind).sort()).toEqual(["container", "network", "volume"]);
    expect(await driver.cleanup()).toEqual({ containers: 1, volumes: 1, networks: 1, failures: [] });
    expect(await driver.cleanup()).toEqual({ containers: 0, volumes: 0, networks: 0, failures: [] });
    await expect(driver.removeVolume(volume.id)).rejects.toMatchObject({ name: "VolumeNotFoundError" });
    await expect(driver.removeNetwork(network.id)).rejects.toMatchObject({ name: "NetworkNotFoundError" });
  });

  it("every method called without its driver rejects instead of throwing", async () => {
    const driver = new MockDockerDriver({ timing: "instant" });
    for (const method of ALL_DRIVER_METHODS) {
      const detached = driver[method] as (...args: unknown[]) => Promise<unknown>;
      let result: Promise<unknown> | undefined;
      expect(() => {
        result = detached("c-1", { command: ["true"] });
      }, method).not.toThrow();
      await expect(result, method).rejects.toThrow(/called without its driver/);
    }
  });
});

describe("the virtual clock", () => {
  it("jumps to the next sleep when idle, only while someone waits in the foreground", async () => {
    const clock = createVirtualClock(0);
    const order: string[] = [];
    const background = clock.sleepInBackground(50).then(() => order.push("background"));
    await clock.sleep(100).then(() => order.push("foreground"));
    expect(clock.now()).toBe(100);
    await background;
    expect(order).toEqual(["background", "foreground"]);
    let woke = false;
    void clock.sleepInBackground(10).then(() => {
      woke = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woke).toBe(false);
    const release = clock.hold();
    while (!woke) await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(clock.now()).toBe(110);
  });
});
