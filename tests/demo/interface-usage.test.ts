/**
 * Basic use of the contract: setting up a driver, the container lifecycle,
 * validating configuration, resources, volumes and networks, and code that
 * works with any driver. Every test runs against both mocks.
 */
import { describe, expect, it } from "vitest";
import {
  createDriverConfig,
  createResourceLimits,
  createSecurityOptions,
  DEFAULT_RESOURCE_LIMITS,
} from "../../src/builders.js";
import { createManualClock } from "../../src/clock.js";
import { ConfigurationError, ContainerNotFoundError, ResourceLimitError, VolumeRemoveError } from "../../src/errors.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import { validateContainerConfig } from "../../src/validation.js";
import { config, DRIVERS, elapsed } from "./helpers.js";

/** Platform code: written against the contract only, so it runs on any driver. */
async function runSession(driver: ContainerDriver, sessionId: string): Promise<{ id: string; logs: string }> {
  const container = await driver.createContainer(
    createDriverConfig({ sessionId, image: "alpine:3.20", command: ["sh", "-c", "echo ready"] }),
  );
  await driver.startContainer(container.id);
  await driver.stopContainer(container.id);
  const logs = await driver.getContainerLogs(container.id);
  await driver.removeContainer(container.id);
  return { id: container.id, logs };
}

describe.each(DRIVERS)("using $label through the ContainerDriver interface", ({ label, make }) => {
  const newDriver = () => make({ timing: "instant" });

  it("is ready after construction: healthy, identified, with no containers", async () => {
    const driver = newDriver();
    expect(driver.name).toBe(label);
    expect(driver.version).toMatch(/^\d+\.\d+\.\d+$/);
    const health = await driver.healthCheck();
    expect(health).toMatchObject({ status: "healthy", containers: { total: 0, running: 0, stopped: 0 } });
  });

  it("creates a container from the builder's secure defaults", async () => {
    const driver = newDriver();
    const input = createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" });
    expect(input.security).toMatchObject({ readOnly: true, noNewPrivileges: true, user: "openagent" });
    expect(input.security.capabilities.drop).toEqual(["ALL"]);
    const container = await driver.createContainer(input);
    expect(container).toMatchObject({ sessionId: "s-1", image: "alpine:3.20", status: "created" });
    expect(container.resources).toEqual(DEFAULT_RESOURCE_LIMITS);
  });

  it("runs the whole lifecycle: create, start, stop, remove", async () => {
    const driver = newDriver();
    const { id } = await driver.createContainer(config());
    await driver.startContainer(id);
    expect(await driver.getContainer(id)).toMatchObject({ status: "running", state: "running" });
    expect(await driver.isContainerHealthy(id)).toBe(true);
    await driver.stopContainer(id);
    expect(await driver.getContainer(id)).toMatchObject({ status: "stopped", state: "terminated" });
    await driver.removeContainer(id);
    expect(await driver.getContainer(id)).toBeNull();
    await expect(driver.startContainer(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  it("treats repeated starts and stops as no-ops", async () => {
    const driver = newDriver();
    const { id } = await driver.createContainer(config());
    await driver.startContainer(id);
    const first = await driver.getContainer(id);
    await driver.startContainer(id);
    expect(await driver.getContainer(id)).toEqual(first);
    await driver.stopContainer(id);
    await driver.stopContainer(id);
    expect((await driver.getContainer(id))?.status).toBe("stopped");
  });

  it("lets callers check a config before sending it, and refuses an invalid one with every issue", async () => {
    const driver = newDriver();
    const invalid = config({ sessionId: "", image: "has space" });
    expect(validateContainerConfig(invalid)).toBe(false);
    const error = await driver.createContainer(invalid).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(["image", "sessionId"]);
    expect(await driver.listContainers()).toEqual([]);
  });

  it("refuses a misspelt security option instead of ignoring it", async () => {
    const driver = newDriver();
    const typo = { ...config(), security: { ...createSecurityOptions(), readonly: false } };
    const error = await driver.createContainer(typo).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.issues).toContainEqual(expect.objectContaining({ path: "security.readonly" }));
  });

  it("reports the resources a container was given", async () => {
    const driver = newDriver();
    const resources = createResourceLimits({ cpu: 1.5, memory: 2048 });
    const container = await driver.createContainer(config({ resources }));
    expect(container.resources).toEqual({ cpu: 1.5, memory: 2048, disk: 1024, pids: 100 });
    expect((await driver.getContainer(container.id))?.resources).toEqual(container.resources);
  });

  it("refuses more CPU than the driver offers with ResourceLimitError", async () => {
    const driver = newDriver();
    const limit = driver.profile.limits.cpu;
    const error = await driver.createContainer(config({ resources: { cpu: limit + 0.5 } })).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error).toMatchObject({ resource: "cpu", limit, requested: limit + 0.5 });
  });

  it("finds containers by session and label", async () => {
    const driver = newDriver();
    const web = await driver.createContainer(config({ sessionId: "s-a", labels: { role: "web" } }));
    await driver.createContainer(config({ sessionId: "s-a", labels: { role: "db" } }));
    await driver.createContainer(config({ sessionId: "s-b", labels: { role: "web" } }));
    expect(await driver.listContainers({ sessionId: "s-a" })).toHaveLength(2);
    const found = await driver.listContainers({ sessionId: "s-a", label: { role: "web" } });
    expect(found.map((c) => c.id)).toEqual([web.id]);
  });

  it("keeps what the command wrote in its logs", async () => {
    const driver = newDriver();
    const { logs } = await runSession(driver, "logged");
    expect(logs).toBe("ready\n");
  });

  it("mounts a named volume and protects it while a container uses it", async () => {
    const driver = newDriver();
    const volume = await driver.createVolume({ name: "workspace" });
    const { id } = await driver.createContainer(config({ volumes: [{ source: "workspace", target: "/work" }] }));
    await expect(driver.removeVolume(volume.id)).rejects.toBeInstanceOf(VolumeRemoveError);
    await driver.removeContainer(id);
    await expect(driver.removeVolume(volume.id)).resolves.toBeUndefined();
  });

  it("attaches containers to a network by name", async () => {
    const driver = newDriver();
    const network = await driver.createNetwork({ name: "agents" });
    const { id } = await driver.createContainer(config({ network: "agents" }));
    await driver.startContainer(id);
    await driver.removeContainer(id);
    await expect(driver.removeNetwork(network.id)).resolves.toBeUndefined();
  });

  it("counts containers in healthCheck as they move through the lifecycle", async () => {
    const driver = newDriver();
    const a = await driver.createContainer(config());
    const b = await driver.createContainer(config());
    await driver.startContainer(a.id);
    expect((await driver.healthCheck()).containers).toEqual({ total: 2, running: 1, stopped: 1 });
    await driver.startContainer(b.id);
    await driver.stopContainer(a.id);
    expect((await driver.healthCheck()).containers).toEqual({ total: 2, running: 1, stopped: 1 });
    await driver.removeContainer(b.id);
    expect((await driver.healthCheck()).containers).toEqual({ total: 1, running: 0, stopped: 1 });
  });

  it("takes the seed's operation time, measured on an injected clock", async () => {
    const clock = createManualClock();
    const driver = make({ clock, seed: 11 });
    const { minMs, maxMs } = driver.profile.timing;
    for (let i = 0; i < 5; i++) {
      const took = await elapsed(clock, () => driver.createContainer(config()));
      expect(took).toBeGreaterThanOrEqual(minMs);
      expect(took).toBeLessThanOrEqual(maxMs);
    }
  });

  it("runs platform code written against the interface alone", async () => {
    const driver = newDriver();
    const { id } = await runSession(driver, "portable");
    expect(await driver.getContainer(id)).toBeNull();
    expect((await driver.healthCheck()).containers.total).toBe(0);
  });
});
