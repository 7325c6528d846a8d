/**
 * What the streams tier cannot see of the Docker driver, on the engine:
 * stdin kept in the engine (another driver instance starts the container), a
 * container without stdin never waits on one, rotation on every container,
 * a long line joined live from the engine's partial messages, and `tail`
 * with `follow` (history first, then live lines, none twice).
 */
import { afterAll, expect, it } from "vitest";
import { createDriverConfig, type LogLine } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { DOCKER_DRIVER_DEFAULTS } from "../src/options.js";
import { describeWithEngine, docker, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

describeWithEngine("Docker driver streams on the engine", () => {
  const namespace = uniqueNamespace("streams");
  const newDriver = () => new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  const driver = newDriver();

  afterAll(async () => {
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, 120_000);

  async function waitForExit(id: string): Promise<void> {
    await docker.getContainer(id).wait({ condition: "not-running" });
  }

  it("writes the stdin when another driver instance starts the container, and keeps it out of the instance", async () => {
    const created = await driver.createContainer(
      createDriverConfig({ sessionId: "other", image: TEST_IMAGE, command: ["cat"], stdin: "from the label\n" }),
    );
    expect(created.labels).toEqual({});
    const info = await docker.getContainer(created.id).inspect();
    expect(info.Config.OpenStdin).toBe(true);
    expect(info.Config.StdinOnce).toBe(true);
    await newDriver().startContainer(created.id);
    await waitForExit(created.id);
    expect(await driver.getContainerLogs(created.id)).toBe("from the label\n");
    expect((await driver.getContainer(created.id))?.exitCode).toBe(0);
  }, 60_000);

  it("gives a container without stdin a closed one, so `cat` ends at once", async () => {
    const created = await driver.createContainer(
      createDriverConfig({ sessionId: "no-stdin", image: TEST_IMAGE, command: ["sh", "-c", "cat; echo done"] }),
    );
    expect((await docker.getContainer(created.id).inspect()).Config.OpenStdin).toBe(false);
    await driver.startContainer(created.id);
    expect(await driver.getContainerLogs(created.id, { follow: true })).toBe("done\n");
  }, 60_000);

  it("rotates every container's log by default", async () => {
    const created = await driver.createContainer(createDriverConfig({ sessionId: "rotated", image: TEST_IMAGE }));
    const { LogConfig } = (await docker.getContainer(created.id).inspect()).HostConfig;
    expect(LogConfig).toEqual({
      Type: DOCKER_DRIVER_DEFAULTS.logConfig.type,
      Config: { ...DOCKER_DRIVER_DEFAULTS.logConfig.options },
    });
  }, 60_000);

  it("joins a 40 000-character line the engine splits into partial messages, in a live follow", async () => {
    const created = await driver.createContainer(
      createDriverConfig({
        sessionId: "long-line",
        image: TEST_IMAGE,
        command: ["sh", "-c", "sleep 0.5; head -c 40000 /dev/zero | tr '\\0' y; echo; echo after >&2"],
      }),
    );
    await driver.startContainer(created.id);
    const lines: LogLine[] = [];
    const text = await driver.getContainerLogs(created.id, { follow: true, onLine: (line) => lines.push(line) });
    // The engine copies stdout and stderr concurrently, so the order across the two streams is not fixed (a
    // loaded engine logged the stderr line before the long line's last part); each stream's own lines are.
    const byStream = (stream: string) => lines.filter((line) => line.stream === stream).map((line) => line.line);
    expect(byStream("stdout")).toEqual(["y".repeat(40_000)]);
    expect(byStream("stderr")).toEqual(["after"]);
    expect([`${"y".repeat(40_000)}\nafter\n`, `after\n${"y".repeat(40_000)}\n`]).toContain(text);
  }, 60_000);

  it("follows with tail: the last lines of the history, then each new line once; the text is the last lines of all", async () => {
    const script = "for i in 1 2 3 4 5; do echo history-$i; done; sleep 3; echo live-1; echo live-2";
    const created = await driver.createContainer(
      createDriverConfig({ sessionId: "tail-follow", image: TEST_IMAGE, command: ["sh", "-c", script] }),
    );
    await driver.startContainer(created.id);
    await expect.poll(async () => driver.getContainerLogs(created.id), { timeout: 10_000 }).toContain("history-5");
    const seen: string[] = [];
    const text = await driver.getContainerLogs(created.id, {
      follow: true,
      tail: 2,
      onLine: (line) => seen.push(line.line),
    });
    expect(seen).toEqual(["history-4", "history-5", "live-1", "live-2"]);
    expect(text).toBe("live-1\nlive-2\n");
  }, 60_000);
});
