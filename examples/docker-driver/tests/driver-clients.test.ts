/**
 * The driver composes one client per resource kind in one place
 * (`createClients`), so a variant engine's driver subclasses it and replaces
 * only what differs. Without an engine: a subclass swaps the container client
 * and keeps the others, and the subclass's own `name` is the owner in the
 * scope every client gets.
 */
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { createDriverConfig, type ErrorMappingContext } from "../../../src/index.js";
import type { ContainerCounts, ContainerOperations } from "../src/containers.js";
import { DockerDriver, type DockerDriverClients } from "../src/driver.js";
import type { EngineScope } from "../src/engine-call.js";
import type { DockerContainerInstance } from "../src/mapping.js";
import { NetworkClient } from "../src/networks.js";
import { VolumeClient } from "../src/volumes.js";

/** A container client over another kind of object, recording what the driver hands it. */
class RecordingContainers implements ContainerOperations {
  readonly calls: string[] = [];
  async create(): Promise<DockerContainerInstance> {
    this.calls.push("create");
    throw new Error("not needed here");
  }
  async start(id: string) {
    this.calls.push(`start ${id}`);
  }
  async stop(id: string) {
    this.calls.push(`stop ${id}`);
  }
  async remove(id: string) {
    this.calls.push(`remove ${id}`);
  }
  async get(id: string) {
    this.calls.push(`get ${id}`);
    return null;
  }
  async list() {
    this.calls.push("list");
    return [];
  }
  async logs(id: string) {
    this.calls.push(`logs ${id}`);
    return "";
  }
  async isHealthy(id: string) {
    this.calls.push(`isHealthy ${id}`);
    return false;
  }
  async count(_context: ErrorMappingContext): Promise<ContainerCounts> {
    return { total: 0, running: 0, stopped: 0 };
  }
  async listOwned() {
    return [];
  }
  async removeOwned() {}
}

class VariantDriver extends DockerDriver {
  scope: EngineScope | undefined;
  built: DockerDriverClients | undefined;
  readonly containers = new RecordingContainers();

  protected override createClients(scope: EngineScope): DockerDriverClients {
    this.scope = scope;
    this.built = { ...super.createClients(scope), containers: this.containers };
    return this.built;
  }
}

/** An engine with no networks and no volumes; any other call fails. */
const noEngine = new Proxy(
  {},
  {
    get: (_target, key) => {
      if (key === "listNetworks") return async () => [];
      if (key === "listVolumes") return async () => ({ Volumes: [] });
      return () => Promise.reject(new Error("no engine in this test"));
    },
  },
) as Docker;

describe("DockerDriver's clients", () => {
  it("hands every container method to the client createClients returned, and keeps the other clients", async () => {
    const driver = new VariantDriver({ docker: noEngine, namespace: "variant" });
    await driver.startContainer("a");
    await driver.stopContainer("a");
    await driver.getContainer("a");
    await driver.listContainers();
    await driver.getContainerLogs("a");
    await driver.isContainerHealthy("a");
    await driver.removeContainer("a");
    expect(driver.containers.calls).toEqual([
      "start a",
      "stop a",
      "get a",
      "list",
      "logs a",
      "isHealthy a",
      "remove a",
    ]);
    expect(driver.built?.volumes).toBeInstanceOf(VolumeClient);
    expect(driver.built?.networks).toBeInstanceOf(NetworkClient);
    expect(await driver.cleanup()).toEqual({ containers: 0, networks: 0, volumes: 0, failures: [] });
  });

  it("builds the clients once, with the subclass's name and namespace as the owner", async () => {
    class RenamedDriver extends VariantDriver {
      override readonly name = "renamed";
    }
    const driver = new RenamedDriver({ docker: noEngine, namespace: "variant" });
    await driver.getContainer("a");
    const first = driver.built;
    await driver.getContainer("b");
    expect(driver.built).toBe(first);
    expect(driver.scope?.driver).toBe("renamed");
    expect(driver.scope?.namespace).toBe("variant");
  });

  it("runs the pre-flight and limits before handing a create to the client", async () => {
    const driver = new VariantDriver({ docker: noEngine, maxPids: 10 });
    const config = createDriverConfig({ sessionId: "s1", image: "busybox", resources: { pids: 11 } });
    await expect(driver.createContainer({ ...config, network: "host" })).rejects.toMatchObject({
      name: "ConfigurationError",
    });
    await expect(driver.createContainer(config)).rejects.toMatchObject({ name: "ResourceLimitError" });
    expect(driver.containers.calls).toEqual([]);
  });
});
