/**
 * What the process driver does beyond the suite: which secure defaults it
 * refuses and how it says so, what it lists as unenforced, that a container
 * ends with its main process (nothing it started survives), and that
 * cleanup() then close() leaves no process and no directory.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDriverConfig, type DriverConfigInput, isDriverError } from "../../../src/index.js";
import { ALWAYS_UNENFORCED, PROCESS_BASE_CONFIG, ProcessDriver } from "../src/index.js";
import { entriesOf, processesUnder } from "./leaks.js";

const root = mkdtempSync(join(tmpdir(), "process-driver-test-"));

function config(input: DriverConfigInput = {}) {
  return createDriverConfig({
    sessionId: "s-1",
    image: "host",
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 60 & wait"],
    ...PROCESS_BASE_CONFIG,
    ...input,
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting until ${what}`);
}

afterAll(() => {
  const left = { processes: processesUnder(root), entries: entriesOf(root) };
  rmSync(root, { recursive: true, force: true });
  expect(left).toEqual({ processes: [], entries: [] });
});

describe("ProcessDriver: what it refuses", () => {
  it("refuses the contract's secure defaults with one ConfigurationError naming every field it cannot honour", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const secure = createDriverConfig({ sessionId: "s-1", image: "host", command: ["true"] });
    const error = await driver.createContainer(secure).catch((caught: unknown) => caught);
    expect(isDriverError(error) && error.code).toBe("CONFIGURATION_INVALID");
    const paths = (error as { issues: { path: string }[] }).issues.map((issue) => issue.path).sort();
    expect(paths).toEqual([
      "network",
      "security.capabilities.drop",
      "security.noNewPrivileges",
      "security.readOnly",
      "security.user",
    ]);
    expect(await driver.listContainers()).toEqual([]);
    await driver.cleanup();
    await driver.close();
  });

  it("refuses a bind mount, a missing command, and the 1.1 fields it has no capability for", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    for (const [input, path] of [
      [{ volumes: [{ source: "/etc", target: "/etc" }] }, "volumes.0.source"],
      [{ command: [] }, "command"],
      [{ ttlMs: 60_000 }, "ttlMs"],
      [{ idempotencyKey: "k-1" }, "idempotencyKey"],
    ] as const) {
      await expect(driver.createContainer(config(input as DriverConfigInput))).rejects.toMatchObject({
        issues: [expect.objectContaining({ path })],
      });
    }
    await driver.cleanup();
    await driver.close();
  });
});

describe("ProcessDriver: what it accepts without enforcing", () => {
  it("lists the image, the resources and the network (and volumes when mounted) in unenforced", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const plain = await driver.createContainer(config());
    expect(plain.unenforced).toEqual([...ALWAYS_UNENFORCED]);
    const volume = await driver.createVolume({ name: "work" });
    const mounted = await driver.createContainer(config({ volumes: [{ source: volume.name, target: "/work" }] }));
    expect(mounted.unenforced).toEqual([...ALWAYS_UNENFORCED, "volumes"]);
    expect((await driver.healthCheck()).unenforced).toEqual([...ALWAYS_UNENFORCED, "volumes"]);
    await driver.cleanup();
    await driver.close();
  });
});

describe("ProcessDriver: processes", () => {
  it("ends what the main process started when it ends, as a container does", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const { id } = await driver.createContainer(config({ command: ["sh", "-c", "sleep 60 & echo started"] }));
    await driver.startContainer(id);
    await until(async () => (await driver.getContainer(id))?.status === "exited", "the main process ends");
    await until(() => processesUnder(root).length === 0, "the background sleep is killed with it");
    expect(await driver.getContainerLogs(id)).toBe("started\n");
    await driver.cleanup();
    await driver.close();
  });

  it("writes stdin to the main process and closes it", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const { id } = await driver.createContainer(config({ command: ["cat"], stdin: "from stdin\n" }));
    await driver.startContainer(id);
    expect(await driver.getContainerLogs(id, { follow: true })).toBe("from stdin\n");
    expect((await driver.getContainer(id))?.exitCode).toBe(0);
    await driver.cleanup();
    await driver.close();
  });

  it("an unknown command is a ContainerStartError, and the container stays created", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const { id } = await driver.createContainer(config({ command: ["no-such-command-anywhere"] }));
    await expect(driver.startContainer(id)).rejects.toMatchObject({ name: "ContainerStartError" });
    expect((await driver.getContainer(id))?.status).toBe("created");
    await driver.cleanup();
    await driver.close();
  });

  it("close() leaves containers running and the driver answering; cleanup() then leaves nothing; both idempotent", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    const volume = await driver.createVolume({ name: "data" });
    const containers = await Promise.all([1, 2, 3].map(() => driver.createContainer(config())));
    await Promise.all(containers.map((container) => driver.startContainer(container.id)));
    expect(processesUnder(root).length).toBeGreaterThanOrEqual(3);
    await driver.close();
    await driver.close();
    expect(processesUnder(root).length).toBeGreaterThanOrEqual(3);
    expect(existsSync(volume.mountpoint)).toBe(true);
    expect((await driver.listContainers()).map((container) => container.status)).toEqual([
      "running",
      "running",
      "running",
    ]);
    await driver.cleanup();
    await driver.cleanup();
    await driver.close();
    await until(() => processesUnder(root).length === 0, "every process is gone");
    expect(entriesOf(root)).toEqual([]);
    expect(await driver.listContainers()).toEqual([]);
  });

  it("cleanup() removes containers, volumes and networks and reports them", async () => {
    const driver = new ProcessDriver({ rootDirectory: root });
    await driver.createVolume({ name: "v" });
    await driver.createNetwork({ name: "n" });
    const { id } = await driver.createContainer(config({ network: "n" }));
    await driver.startContainer(id);
    expect(await driver.cleanup()).toEqual({ containers: 1, volumes: 1, networks: 1 });
    expect(await driver.getContainer(id)).toBeNull();
    await driver.cleanup();
    await driver.close();
  });
});
