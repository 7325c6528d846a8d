/**
 * The driver's pure mappings, without an engine: config → create request,
 * engine state → contract status, ownership labels. Log parsing: logs.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTAINER_STATUSES, createDriverConfig, stateForStatus } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { BYTES_PER_MB, statusFromEngine, toCreateOptions, toInstance } from "../src/mapping.js";
import {
  baseName,
  containerName,
  hasStoppedMarker,
  OWNER_LABELS,
  STOPPED_NAME_SUFFIX,
  userLabels,
} from "../src/labels.js";
import { DOCKER_DRIVER_DEFAULTS } from "../src/options.js";

const createContext = {
  driver: "docker",
  namespace: "ns",
  name: "oa-ns-s1-00000000",
  disk: { enforced: false },
  tmpfsSizeMb: 64,
  init: true,
  logConfig: DOCKER_DRIVER_DEFAULTS.logConfig,
} as const;

describe("toCreateOptions", () => {
  it("maps every field of the default config to the engine", () => {
    const config = createDriverConfig({
      sessionId: "s1",
      image: "img:1",
      command: ["echo", "hi"],
      env: { A: "1" },
      labels: { team: "x" },
      resources: { cpu: 1.5, memory: 256, pids: 50, disk: 100 },
      volumes: [
        { source: "data", target: "/data" },
        { source: "/host/dir", target: "/mnt", readOnly: true },
      ],
      network: "agents",
    });
    const body = toCreateOptions(config, createContext);
    expect(body.Cmd).toEqual(["echo", "hi"]);
    expect(body.Env).toEqual(["A=1"]);
    expect(body.User).toBe("openagent");
    expect(body.Labels).toMatchObject({
      team: "x",
      [OWNER_LABELS.driver]: "docker",
      [OWNER_LABELS.namespace]: "ns",
      [OWNER_LABELS.session]: "s1",
      [OWNER_LABELS.diskMb]: "100",
      [OWNER_LABELS.diskLimit]: "unenforced",
    });
    const host = body.HostConfig ?? {};
    expect(host.NanoCpus).toBe(1_500_000_000);
    expect(host.Memory).toBe(256 * BYTES_PER_MB);
    expect(host.MemorySwap).toBe(256 * BYTES_PER_MB);
    expect(host.PidsLimit).toBe(50);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Tmpfs).toBeUndefined();
    expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.CapAdd).toEqual([]);
    expect(host.NetworkMode).toBe("agents");
    expect(host.StorageOpt).toBeUndefined();
    expect(host.Mounts).toEqual([
      { Type: "volume", Source: "data", Target: "/data", ReadOnly: false },
      { Type: "bind", Source: "/host/dir", Target: "/mnt", ReadOnly: true },
      // The writable /tmp of a read-only root: a tmpfs as an anonymous volume, which the archive API reaches.
      {
        Type: "volume",
        Source: "",
        Target: "/tmp",
        ReadOnly: false,
        VolumeOptions: {
          NoCopy: true,
          Labels: { [OWNER_LABELS.driver]: "docker", [OWNER_LABELS.namespace]: "ns", [OWNER_LABELS.role]: "tmp" },
          DriverConfig: {
            Name: "local",
            Options: { type: "tmpfs", device: "tmpfs", o: "size=64m,nosuid,nodev,mode=1777" },
          },
        },
      },
    ]);
  });

  it("applies the disk limit only when the engine enforces it, and loosened security is loosened", () => {
    const config = createDriverConfig({
      sessionId: "s1",
      image: "img",
      resources: { disk: 10 },
      security: { readOnly: false, noNewPrivileges: false, user: "root", capabilities: { drop: [], add: ["CHOWN"] } },
    });
    const body = toCreateOptions(config, { ...createContext, disk: { enforced: true } });
    expect(body.HostConfig?.StorageOpt).toEqual({ size: String(10 * BYTES_PER_MB) });
    expect(body.Labels?.[OWNER_LABELS.diskLimit]).toBe("enforced");
    expect(body.HostConfig?.ReadonlyRootfs).toBe(false);
    expect(body.HostConfig?.Tmpfs).toBeUndefined();
    expect(body.HostConfig?.Mounts).toEqual([]);
    expect(body.HostConfig?.SecurityOpt).toEqual([]);
    expect(body.HostConfig?.CapAdd).toEqual(["CHOWN"]);
    expect(body.Cmd).toBeUndefined();
  });
});

describe("statusFromEngine", () => {
  it("maps each engine state, telling a stop from an exit by the name's marker", () => {
    expect(statusFromEngine("created", "/a")).toBe("created");
    expect(statusFromEngine("running", "/a")).toBe("running");
    expect(statusFromEngine("restarting", "/a")).toBe("running");
    expect(statusFromEngine("paused", "/a")).toBe("paused");
    expect(statusFromEngine("removing", "/a")).toBe("removing");
    expect(statusFromEngine("dead", "/a")).toBe("dead");
    expect(statusFromEngine("exited", "/a")).toBe("exited");
    expect(statusFromEngine("exited", `/a${STOPPED_NAME_SUFFIX}`)).toBe("stopped");
    expect(statusFromEngine("something-new", "/a")).toBe("dead");
  });

  it("produces only contract statuses, whatever the engine says", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (state, name) => {
        expect(CONTAINER_STATUSES).toContain(statusFromEngine(state, name));
      }),
    );
  });
});

describe("toInstance", () => {
  it("reads status, state, exit code, resources and user labels from inspect data", () => {
    const info = {
      Id: "a".repeat(64),
      Name: `/oa-ns-s1-0a0b0c0d${STOPPED_NAME_SUFFIX}`,
      Created: "2026-01-01T00:00:00.000000001Z",
      State: { Status: "exited", ExitCode: 143, StartedAt: "2026-01-01T00:00:01Z" },
      Config: {
        Image: "img",
        Labels: { team: "x", [OWNER_LABELS.session]: "s1", [OWNER_LABELS.diskMb]: "1024" },
      },
      HostConfig: { NanoCpus: 500_000_000, Memory: 512 * BYTES_PER_MB, PidsLimit: 100 },
    } as unknown as Parameters<typeof toInstance>[0];
    const instance = toInstance(info, "/run/docker.sock");
    expect(instance).toMatchObject({
      id: "a".repeat(64),
      name: "oa-ns-s1-0a0b0c0d",
      sessionId: "s1",
      status: "stopped",
      state: stateForStatus("stopped", 143),
      exitCode: 143,
      createdAt: Date.parse("2026-01-01T00:00:00Z"),
      startedAt: Date.parse("2026-01-01T00:00:01Z"),
      labels: { team: "x" },
      resources: { cpu: 0.5, memory: 512, disk: 1024, pids: 100 },
    });
    expect(instance).not.toHaveProperty("oomKilled");
    expect(instance.unenforced).toBeUndefined();
  });

  it("reports oomKilled only when the engine says so and the container has ended", () => {
    const info = (status: string, exitCode: number, oomKilled: boolean | undefined) =>
      ({
        Id: "b".repeat(64),
        Name: "/oa-ns-s1-0a0b0c0d",
        Created: "2026-01-01T00:00:00Z",
        State: { Status: status, ExitCode: exitCode, OOMKilled: oomKilled },
        Config: { Image: "img", Labels: {} },
        HostConfig: {},
      }) as unknown as Parameters<typeof toInstance>[0];
    expect(toInstance(info("exited", 137, true), "/s").oomKilled).toBe(true);
    // A process killed for memory inside a shell that then exits 0 still says so.
    expect(toInstance(info("exited", 0, true), "/s")).toMatchObject({ exitCode: 0, oomKilled: true });
    for (const [status, code, oom] of [
      ["exited", 137, false],
      ["exited", 137, undefined],
      ["running", 0, true],
      ["created", 0, true],
    ] as const) {
      expect(toInstance(info(status, code, oom), "/s"), `${status} ${oom}`).not.toHaveProperty("oomKilled");
    }
  });

  it("lists resources.disk in unenforced when the engine could not apply the disk limit", () => {
    const info = {
      Id: "b".repeat(64),
      Name: "/oa-ns-s2-0a0b0c0d",
      Created: "2026-01-01T00:00:00Z",
      State: { Status: "created", ExitCode: 0, StartedAt: "0001-01-01T00:00:00Z" },
      Config: { Image: "img", Labels: { [OWNER_LABELS.diskMb]: "1024", [OWNER_LABELS.diskLimit]: "unenforced" } },
      HostConfig: { NanoCpus: 0, Memory: 0, PidsLimit: 0 },
    } as unknown as Parameters<typeof toInstance>[0];
    const instance = toInstance(info, "/run/docker.sock");
    expect(instance.unenforced).toEqual(["resources.disk"]);
    expect(instance.diskLimitEnforced).toBe(false);
  });
});

describe("labels and names", () => {
  it("strips the marker and the slash, and keeps only user labels", () => {
    const name = containerName("ns", "s.1", "deadbeef");
    expect(baseName(`/${name}${STOPPED_NAME_SUFFIX}`)).toBe(name);
    expect(hasStoppedMarker(`/${name}`)).toBe(false);
    expect(userLabels({ a: "1", [OWNER_LABELS.driver]: "docker" })).toEqual({ a: "1" });
  });
});

describe("driver options", () => {
  it("refuses a namespace that is unsafe in labels and names", () => {
    expect(() => new DockerDriver({ namespace: "bad name" })).toThrow(/namespace/);
    expect(() => new DockerDriver({ namespace: "" })).toThrow(/namespace/);
  });

  it("declares the capabilities the engine honours and limits from the host", () => {
    const driver = new DockerDriver();
    // Checked as contains: each capability adds itself without touching the others.
    for (const capability of [
      "execution",
      "isolation",
      "limits",
      "streams",
      "exec",
      "files",
      "pause",
      "expiry",
      "idempotency",
    ] as const) {
      expect(driver.capabilities).toContain(capability);
    }
    expect(driver.limits.cpu).toBeGreaterThan(0);
    expect(driver.limits.memory).toBeGreaterThan(0);
    expect(driver.diskLimit).toBe("best-effort");
  });
});
