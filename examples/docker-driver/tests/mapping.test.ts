/**
 * The driver's pure mappings, without an engine: config → create request,
 * engine state → contract status, log frames → text, ownership labels.
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
import { demultiplex, formatLogs, toLines } from "../src/logs.js";

function frame(stream: 0 | 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const createContext = {
  driver: "docker",
  namespace: "ns",
  name: "oa-ns-s1-00000000",
  disk: { enforced: false },
  tmpfsSizeMb: 64,
  init: true,
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
    expect(host.Tmpfs).toEqual({ "/tmp": "rw,nosuid,nodev,size=64m" });
    expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.CapAdd).toEqual([]);
    expect(host.NetworkMode).toBe("agents");
    expect(host.StorageOpt).toBeUndefined();
    expect(host.Mounts).toEqual([
      { Type: "volume", Source: "data", Target: "/data", ReadOnly: false },
      { Type: "bind", Source: "/host/dir", Target: "/mnt", ReadOnly: true },
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

describe("logs", () => {
  const lines = toLines(
    demultiplex(
      Buffer.concat([
        frame(1, "2026-01-01T00:00:00.100000000Z one\n"),
        frame(2, "2026-01-01T00:00:00.500999999Z two\n"),
        frame(1, "2026-01-01T00:00:01.000000000Z three\n"),
      ]),
    ),
  );

  it("demultiplexes stdout and stderr in the engine's order", () => {
    expect(lines.map((line) => [line.stream, line.text])).toEqual([
      ["stdout", "one"],
      ["stderr", "two"],
      ["stdout", "three"],
    ]);
    expect(formatLogs(lines)).toBe("one\ntwo\nthree\n");
  });

  it("applies since at millisecond precision, then tail, then timestamps", () => {
    expect(formatLogs(lines, { since: Date.parse("2026-01-01T00:00:00.500Z") })).toBe("two\nthree\n");
    expect(formatLogs(lines, { since: Date.parse("2026-01-01T00:00:00.501Z") })).toBe("three\n");
    expect(formatLogs(lines, { tail: 1 })).toBe("three\n");
    expect(formatLogs(lines, { tail: 0 })).toBe("");
    expect(formatLogs(lines, { since: Date.parse("2026-01-01T00:00:00.200Z"), tail: 5, timestamps: true })).toBe(
      "2026-01-01T00:00:00.500Z two\n2026-01-01T00:00:01.000Z three\n",
    );
  });

  it("joins a long line the engine stored as partial messages (16 KiB each, each with its own timestamp)", () => {
    const long = "x".repeat(40_000);
    const parts = [long.slice(0, 16_384), long.slice(16_384, 32_768), long.slice(32_768)];
    const joined = toLines(
      demultiplex(
        Buffer.concat([
          frame(1, `2026-01-01T00:00:00.100000000Z ${parts[0]}`),
          frame(2, "2026-01-01T00:00:00.150000000Z err\n"),
          frame(1, `2026-01-01T00:00:00.200000000Z ${parts[1]}`),
          frame(1, `2026-01-01T00:00:00.300000000Z ${parts[2]}\n`),
          frame(1, "2026-01-01T00:00:00.400000000Z no newline at the end"),
        ]),
      ),
    );
    expect(joined.map((line) => [line.stream, line.text.length])).toEqual([
      ["stdout", 40_000],
      ["stderr", 3],
      ["stdout", 21],
    ]);
    expect(joined[0]?.text).toBe(long);
    expect(joined[0]?.time).toBe(Date.parse("2026-01-01T00:00:00.100Z"));
    expect(formatLogs(joined)).toBe(`${long}\nerr\nno newline at the end\n`);
  });

  it("treats a stream without frame headers (a TTY) as plain stdout", () => {
    expect(demultiplex(Buffer.from("plain text\n"))).toEqual([{ stream: "stdout", text: "plain text\n" }]);
    expect(demultiplex(Buffer.alloc(0))).toEqual([]);
  });

  it("never loses or invents payload bytes, whatever the frames hold", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(1 as const, 2 as const), fc.string())), (chunks) => {
        const frames = demultiplex(Buffer.concat(chunks.map(([stream, text]) => frame(stream, text))));
        expect(frames.map((entry) => entry.text).join("")).toBe(chunks.map(([, text]) => text).join(""));
      }),
    );
  });
});

describe("driver options", () => {
  it("refuses a namespace that is unsafe in labels and names", () => {
    expect(() => new DockerDriver({ namespace: "bad name" })).toThrow(/namespace/);
    expect(() => new DockerDriver({ namespace: "" })).toThrow(/namespace/);
  });

  it("declares its capabilities and limits from the host", () => {
    const driver = new DockerDriver();
    expect(driver.capabilities).toEqual(expect.arrayContaining(["execution", "pause", "expiry", "idempotency"]));
    expect(driver.limits.cpu).toBeGreaterThan(0);
    expect(driver.limits.memory).toBeGreaterThan(0);
    expect(driver.diskLimit).toBe("best-effort");
  });
});
