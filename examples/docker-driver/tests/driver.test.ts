/**
 * The Docker driver against the real engine: every config field observed
 * both in the engine's inspect data and from a process inside the container,
 * security defaults observed, volumes shared, ownership and restart, logs,
 * and nothing of the run left on the engine afterwards (checked with the
 * engine, not the driver).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ConfigurationError,
  ContainerNotFoundError,
  createDriverConfig,
  type DriverConfigInput,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  ResourceLimitError,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { BYTES_PER_MB } from "../src/mapping.js";
import { DiskLimitUnsupportedError } from "../src/errors.js";
import { OWNER_LABELS } from "../src/labels.js";
import {
  describeWithEngine,
  docker,
  IDLE_COMMAND,
  leftovers,
  SOCKET_PATH,
  TEST_IMAGE,
  uniqueNamespace,
} from "./engine.js";

const TIMEOUT = 60_000;

describeWithEngine("DockerDriver on a real engine", () => {
  const namespace = uniqueNamespace("driver-test");
  let driver: DockerDriver;
  let hostDir: string;

  beforeAll(() => {
    hostDir = mkdtempSync(join(tmpdir(), "oa-bind-"));
    // The container's user is not root: let it read the directory.
    chmodSync(hostDir, 0o755);
    // Bind mounts are refused unless their directory is allowed; this suite mounts only its own temp dir.
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, allowedBindSources: [hostDir] });
  });

  afterAll(async () => {
    await driver.cleanup();
    rmSync(hostDir, { recursive: true, force: true });
    // Checked with the engine itself, not through the driver.
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  let sessions = 0;
  function config(input: DriverConfigInput = {}) {
    sessions += 1;
    return createDriverConfig({ sessionId: `s${sessions}`, image: TEST_IMAGE, ...input });
  }

  /** Run a shell script to completion; its output, exit code and the engine's inspect data. */
  async function run(script: string, input: DriverConfigInput = {}) {
    const created = await driver.createContainer(config({ command: ["sh", "-c", script], ...input }));
    await driver.startContainer(created.id);
    const output = await driver.getContainerLogs(created.id, { follow: true });
    const after = await driver.getContainer(created.id);
    const inspect = await docker.getContainer(created.id).inspect();
    await driver.removeContainer(created.id);
    return { output, exitCode: after?.exitCode, status: after?.status, inspect };
  }

  async function containersOfNamespace(): Promise<number> {
    return (await leftovers(namespace)).containers.length;
  }

  it(
    "walks the lifecycle: created, running, stopped (by stop), running again, exited (on its own), gone",
    async () => {
      // Runs until stopped the first time; exits 7 on its own when started again.
      const created = await driver.createContainer(
        config({
          command: [
            "sh",
            "-c",
            "if [ -f /ran ]; then exit 7; fi; touch /ran; trap 'exit 0' TERM; while true; do sleep 0.1; done",
          ],
          security: { readOnly: false, user: "root" },
        }),
      );
      expect(created.status).toBe("created");
      expect(created.state).toBe("terminated");
      await driver.startContainer(created.id);
      expect((await driver.getContainer(created.id))?.status).toBe("running");
      expect(await driver.isContainerHealthy(created.id)).toBe(true);
      await driver.stopContainer(created.id, { timeout: 5_000 });
      const stopped = await driver.getContainer(created.id);
      expect(stopped?.status).toBe("stopped");
      expect(stopped?.exitCode).toBe(0);
      expect(await driver.isContainerHealthy(created.id)).toBe(false);
      await driver.stopContainer(created.id); // no-op
      await driver.startContainer(created.id);
      await driver.getContainerLogs(created.id, { follow: true });
      const exited = await driver.getContainer(created.id);
      expect(exited).toMatchObject({ status: "exited", state: "error", exitCode: 7 });
      await driver.removeContainer(created.id);
      expect(await driver.getContainer(created.id)).toBeNull();
      await expect(driver.startContainer(created.id)).rejects.toBeInstanceOf(ContainerNotFoundError);
      await expect(driver.removeContainer(created.id)).rejects.toBeInstanceOf(ContainerNotFoundError);
    },
    TIMEOUT,
  );

  it(
    "removes a running container, stopping it first",
    async () => {
      const created = await driver.createContainer(config({ command: IDLE_COMMAND }));
      await driver.startContainer(created.id);
      await driver.removeContainer(created.id);
      await expect(docker.getContainer(created.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    },
    TIMEOUT,
  );

  it(
    "checks config, then limits, then references, and leaves nothing behind when it refuses",
    async () => {
      const before = await containersOfNamespace();
      await expect(driver.createContainer({ ...config(), image: "" })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(
        driver.createContainer(config({ labels: { [OWNER_LABELS.namespace]: "someone-else" } })),
      ).rejects.toBeInstanceOf(ConfigurationError);
      const tooMuch = driver.createContainer(config({ resources: { cpu: driver.limits.cpu + 1 } }));
      await expect(tooMuch).rejects.toBeInstanceOf(ResourceLimitError);
      await expect(tooMuch).rejects.toMatchObject({ resource: "cpu", limit: driver.limits.cpu });
      await expect(driver.createContainer(config({ network: "no-such-network-x1" }))).rejects.toBeInstanceOf(
        NetworkNotFoundError,
      );
      await expect(
        driver.createContainer(config({ volumes: [{ source: "no-such-volume-x1", target: "/data" }] })),
      ).rejects.toBeInstanceOf(VolumeNotFoundError);
      // The engine itself refuses an image it does not have: a ConfigurationError at `image`, since retrying
      // cannot make the image appear; the driver removes nothing because nothing was made.
      await expect(driver.createContainer(config({ image: "openagent-test/absent:1" }))).rejects.toMatchObject({
        code: "CONFIGURATION_INVALID",
        retryable: false,
        issues: [{ path: "image" }],
      });
      expect(await containersOfNamespace()).toBe(before);
      expect(await docker.listVolumes({ filters: { name: ["no-such-volume-x1"] } })).toMatchObject({ Volumes: [] });
    },
    TIMEOUT,
  );

  it(
    "runs the command with its env, and the engine keeps the labels",
    async () => {
      const result = await run('echo "$GREETING $NAME"; sleep 0.1; echo to-stderr >&2; exit 3', {
        env: { GREETING: "hello", NAME: "world" },
        labels: { team: "agents" },
      });
      expect(result.output).toBe("hello world\nto-stderr\n");
      expect(result.exitCode).toBe(3);
      expect(result.status).toBe("exited");
      expect(result.inspect.Config.Labels).toMatchObject({
        team: "agents",
        [OWNER_LABELS.namespace]: namespace,
        [OWNER_LABELS.driver]: "docker",
      });
      expect(result.inspect.Config.Env).toEqual(expect.arrayContaining(["GREETING=hello", "NAME=world"]));
    },
    TIMEOUT,
  );

  it(
    "enforces memory, swap, pids and cpu: the engine's data and the container's cgroup agree",
    async () => {
      // cgroup v1 (one directory per controller) or v2 (one unified directory).
      const script = [
        "if [ -f /sys/fs/cgroup/memory.max ]; then",
        "  echo memory=$(cat /sys/fs/cgroup/memory.max); echo pids=$(cat /sys/fs/cgroup/pids.max); echo cpu=$(cat /sys/fs/cgroup/cpu.max)",
        "else",
        "  echo memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); echo pids=$(cat /sys/fs/cgroup/pids/pids.max)",
        "  echo cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)",
        "  echo memsw=$(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo unsupported)",
        "fi",
      ].join("\n");
      const result = await run(script, { resources: { cpu: 0.5, memory: 96, pids: 42 } });
      const host = result.inspect.HostConfig;
      expect(host.Memory).toBe(96 * BYTES_PER_MB);
      expect(host.MemorySwap).toBe(96 * BYTES_PER_MB);
      expect(host.PidsLimit).toBe(42);
      expect(host.NanoCpus).toBe(500_000_000);
      const values = Object.fromEntries(
        result.output
          .trim()
          .split("\n")
          .map((line) => line.split("=") as [string, string]),
      );
      expect(Number(values.memory)).toBe(96 * BYTES_PER_MB);
      expect(values.pids).toBe("42");
      const [quota, period] = (values.cpu ?? "").split(" ").map(Number);
      expect((quota ?? 0) / (period ?? 1)).toBeCloseTo(0.5);
      if (values.memsw !== undefined && values.memsw !== "unsupported") {
        expect(Number(values.memsw)).toBe(96 * BYTES_PER_MB);
      }
    },
    TIMEOUT,
  );

  it(
    "holds the pids limit: a fork bomb beyond it fails inside the container",
    async () => {
      // Only shell builtins after the forks, so the report works when no process can be added.
      // The subshell dies at its first refused fork; the sleeps it started keep counting.
      const script = [
        `( for i in ${Array.from({ length: 30 }, (_, index) => index).join(" ")}; do sleep 5 & done ) 2>/dev/null`,
        "if [ -f /sys/fs/cgroup/pids.max ]; then dir=/sys/fs/cgroup; else dir=/sys/fs/cgroup/pids; fi",
        "read current < $dir/pids.current; read events < $dir/pids.events",
        'echo "current=$current"; echo "events=$events"',
      ].join("\n");
      const result = await run(script, { resources: { pids: 10 } });
      expect(result.inspect.HostConfig.PidsLimit).toBe(10);
      const current = Number(/current=(\d+)/.exec(result.output)?.[1]);
      const refusedForks = Number(/events=max (\d+)/.exec(result.output)?.[1]);
      expect(current).toBeLessThanOrEqual(10);
      expect(refusedForks).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    "default security is observed inside: not root, read-only /, NoNewPrivs 1, no effective capabilities, writable /tmp",
    async () => {
      const script = [
        "echo uid=$(id -u)",
        "if touch /written 2>/dev/null; then echo root-write=ok; else echo root-write=refused; fi",
        "if touch /tmp/written 2>/dev/null; then echo tmp-write=ok; else echo tmp-write=refused; fi",
        "grep -E '^(NoNewPrivs|CapEff):' /proc/self/status | tr -d '\\t' | sed 's/:/=/'",
      ].join("\n");
      const result = await run(script);
      expect(result.output).toContain("uid=1000\n");
      expect(result.output).toContain("root-write=refused\n");
      expect(result.output).toContain("tmp-write=ok\n");
      expect(result.output).toContain("NoNewPrivs=1\n");
      expect(result.output).toContain("CapEff=0000000000000000\n");
      const host = result.inspect.HostConfig;
      expect(host.ReadonlyRootfs).toBe(true);
      expect(host.SecurityOpt).toContain("no-new-privileges:true");
      expect(host.CapDrop).toEqual(["ALL"]);
      expect(result.inspect.Config.User).toBe("openagent");
    },
    TIMEOUT,
  );

  it(
    "loosened security is loosened: root, writable /, privileges allowed, only the added capability",
    async () => {
      const result = await run(
        "echo uid=$(id -u); touch /written && echo root-write=ok; grep -E '^(NoNewPrivs|CapEff):' /proc/self/status | tr -d '\\t' | sed 's/:/=/'",
        {
          security: {
            user: "root",
            readOnly: false,
            noNewPrivileges: false,
            capabilities: { drop: ["ALL"], add: ["CHOWN"] },
          },
        },
      );
      expect(result.output).toContain("uid=0\n");
      expect(result.output).toContain("root-write=ok\n");
      expect(result.output).toContain("NoNewPrivs=0\n");
      // CAP_CHOWN is capability 0: bit 0 of the effective set.
      expect(result.output).toContain("CapEff=0000000000000001\n");
    },
    TIMEOUT,
  );

  it(
    "shares a volume between two containers, and a read-only mount refuses writes",
    async () => {
      const volume = await driver.createVolume({ name: `${namespace}-shared`, labels: { purpose: "test" } });
      expect(volume).toMatchObject({ id: `${namespace}-shared`, labels: { purpose: "test" } });
      const writer = await run("echo from-writer > /data/note && echo wrote", {
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
      });
      expect(writer.output).toBe("wrote\n");
      const reader = await run("cat /data/note; { echo x > /data/other; } 2>/dev/null || echo read-only", {
        volumes: [{ source: volume.name, target: "/data", readOnly: true }],
      });
      expect(reader.output).toBe("from-writer\nread-only\n");
      const mount = reader.inspect.Mounts.find((entry) => entry.Destination === "/data");
      expect(mount).toMatchObject({ Type: "volume", Name: volume.name, RW: false });
      await expect(driver.createVolume({ name: volume.name })).rejects.toBeInstanceOf(VolumeCreationError);
      await driver.removeVolume(volume.id);
      await expect(driver.removeVolume(volume.id)).rejects.toBeInstanceOf(VolumeNotFoundError);
    },
    TIMEOUT,
  );

  it(
    "bind-mounts a host path, read-only when asked",
    async () => {
      writeFileSync(join(hostDir, "input.txt"), "from-host\n");
      const result = await run("cat /host/input.txt; { touch /host/new; } 2>/dev/null || echo read-only", {
        volumes: [{ source: hostDir, target: "/host", readOnly: true }],
      });
      expect(result.output).toBe("from-host\nread-only\n");
      // Found by its target: a read-only container also mounts its /tmp (an anonymous tmpfs volume).
      const mount = result.inspect.Mounts.find((entry) => entry.Destination === "/host");
      expect(mount).toMatchObject({ Type: "bind", Source: hostDir, RW: false });
    },
    TIMEOUT,
  );

  it(
    "refuses to remove a volume or network a container still uses",
    async () => {
      const volume = await driver.createVolume({ name: `${namespace}-busy` });
      const network = await driver.createNetwork({ name: `${namespace}-net` });
      await expect(driver.createNetwork({ name: network.name })).rejects.toBeInstanceOf(NetworkCreationError);
      const created = await driver.createContainer(
        config({ network: network.name, volumes: [{ source: volume.name, target: "/data" }] }),
      );
      const inspect = await docker.getContainer(created.id).inspect();
      expect(inspect.HostConfig.NetworkMode).toBe(network.name);
      await expect(driver.removeVolume(volume.id)).rejects.toBeInstanceOf(VolumeRemoveError);
      await expect(driver.removeNetwork(network.id)).rejects.toBeInstanceOf(NetworkRemoveError);
      await driver.removeContainer(created.id);
      await driver.removeNetwork(network.id);
      await driver.removeVolume(volume.id);
      await expect(driver.removeNetwork(network.id)).rejects.toBeInstanceOf(NetworkNotFoundError);
    },
    TIMEOUT,
  );

  it(
    "puts a container on network none by default and joins a named network when asked",
    async () => {
      const isolated = await run("ls /sys/class/net | tr '\\n' ' '");
      expect(isolated.inspect.HostConfig.NetworkMode).toBe("none");
      expect(isolated.output.trim()).toBe("lo");
      const network = await driver.createNetwork({ name: `${namespace}-joined` });
      const joined = await run("ls /sys/class/net | tr '\\n' ' '", { network: network.name });
      expect(joined.output).toContain("eth0");
      await driver.removeNetwork(network.id);
    },
    TIMEOUT,
  );

  it(
    "gives logs with tail, since (to the millisecond), timestamps and follow",
    async () => {
      const created = await driver.createContainer(
        config({ command: ["sh", "-c", "echo one; sleep 0.1; echo two >&2; sleep 1.2; echo three"] }),
      );
      await driver.startContainer(created.id);
      const followed = await driver.getContainerLogs(created.id, { follow: true });
      expect(followed).toBe("one\ntwo\nthree\n");
      expect((await driver.getContainer(created.id))?.status).toBe("exited");
      expect(await driver.getContainerLogs(created.id, { tail: 2 })).toBe("two\nthree\n");
      const stamped = (await driver.getContainerLogs(created.id, { timestamps: true })).trim().split("\n");
      const times = stamped.map((line) => Date.parse(line.slice(0, line.indexOf(" "))));
      expect(stamped.map((line) => line.slice(line.indexOf(" ") + 1))).toEqual(["one", "two", "three"]);
      expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z one$/);
      const third = times[2] ?? 0;
      expect(await driver.getContainerLogs(created.id, { since: third })).toBe("three\n");
      expect(await driver.getContainerLogs(created.id, { since: third + 1 })).toBe("");
      expect(await driver.getContainerLogs(created.id, { since: times[0] ?? 0, tail: 1 })).toBe("three\n");
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );

  it(
    "a new driver on the same namespace sees and manages the containers; another namespace sees none",
    async () => {
      const created = await driver.createContainer(config({ command: IDLE_COMMAND }));
      await driver.startContainer(created.id);
      await driver.stopContainer(created.id);
      const restarted = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
      expect((await restarted.getContainer(created.id))?.status).toBe("stopped");
      expect((await restarted.listContainers()).map((instance) => instance.id)).toContain(created.id);
      await restarted.startContainer(created.id);
      expect((await driver.getContainer(created.id))?.status).toBe("running");
      const stranger = new DockerDriver({ socketPath: SOCKET_PATH, namespace: `${namespace}-other` });
      expect(await stranger.getContainer(created.id)).toBeNull();
      expect(await stranger.listContainers()).toEqual([]);
      await expect(stranger.removeContainer(created.id)).rejects.toBeInstanceOf(ContainerNotFoundError);
      expect((await stranger.healthCheck()).containers.total).toBe(0);
      await restarted.removeContainer(created.id);
    },
    TIMEOUT,
  );

  it(
    "records an unenforceable disk limit (best-effort) or refuses it (enforce), as the engine's storage allows",
    async () => {
      const info = (await docker.info()) as { Driver: string; DriverStatus: [string, string][] };
      const backing = info.DriverStatus.find(([key]) => key === "Backing Filesystem")?.[1];
      const created = await driver.createContainer(config({ resources: { disk: 200 } }));
      const inspect = await docker.getContainer(created.id).inspect();
      expect(created.resources.disk).toBe(200);
      if (created.diskLimitEnforced) {
        expect(inspect.HostConfig.StorageOpt).toEqual({ size: String(200 * BYTES_PER_MB) });
      } else {
        expect(inspect.HostConfig.StorageOpt ?? {}).toEqual({});
        expect(inspect.Config.Labels[OWNER_LABELS.diskLimit]).toBe("unenforced");
        expect(created.unenforced).toEqual(["resources.disk"]);
        expect((await driver.healthCheck()).diskLimit).toBe("unenforced");
        expect((await driver.healthCheck()).unenforced).toEqual(["resources.disk"]);
        const strict = new DockerDriver({ socketPath: SOCKET_PATH, namespace, diskLimit: "enforce" });
        const before = await containersOfNamespace();
        const refused = strict.createContainer(config());
        await expect(refused).rejects.toBeInstanceOf(DiskLimitUnsupportedError);
        await expect(refused).rejects.toMatchObject({ code: "CONFIGURATION_INVALID", storageDriver: info.Driver });
        expect(await containersOfNamespace()).toBe(before);
        expect(backing === "xfs" && info.Driver === "overlay2").toBe(false);
      }
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );

  it(
    "reports health with the namespace's counts",
    async () => {
      const created = await driver.createContainer(config({ command: IDLE_COMMAND }));
      await driver.startContainer(created.id);
      const health = await driver.healthCheck();
      expect(health.status).toBe("healthy");
      expect(health.containers.running).toBeGreaterThanOrEqual(1);
      expect(health.containers.total).toBe(health.containers.running + health.containers.stopped);
      expect(health.engineVersion).toBeTruthy();
      await driver.removeContainer(created.id);
    },
    TIMEOUT,
  );
});
