/**
 * createContainer's one pre-flight, without an engine: the schema's problems,
 * the driver's own rules and the bind-mount policy come back together in one
 * ConfigurationError, also when the schema fails; the driver's limits are a
 * later, separate check (ResourceLimitError); unreadable input never crashes
 * the check; and nothing reaches the engine.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  type ContainerConfig,
  createDriverConfig,
  ResourceLimitError,
} from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { OWNER_LABELS } from "../src/labels.js";
import { containerConfigPreflight, driverRuleIssues, preflightContainerConfig } from "../src/preflight.js";

/** A dockerode client that records every use: the pre-flight must refuse before any engine call. */
function untouchableEngine(): { docker: Docker; touched: string[] } {
  const touched: string[] = [];
  const docker = new Proxy(
    {},
    {
      get(_target, key) {
        touched.push(String(key));
        return () => Promise.reject(new Error(`engine call ${String(key)} during a refused create`));
      },
    },
  ) as Docker;
  return { docker, touched };
}

async function refusal(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

const valid = (): ContainerConfig => createDriverConfig({ sessionId: "s1", image: "openagent-test/busybox:latest" });

describe("createContainer's pre-flight", () => {
  it("reports a schema problem, a reserved label and a refused bind source in one ConfigurationError", async () => {
    const { docker, touched } = untouchableEngine();
    const driver = new DockerDriver({ docker, namespace: "preflight-test" });
    const input = {
      ...valid(),
      image: "",
      labels: { [OWNER_LABELS.namespace]: "someone-else" },
      volumes: [{ source: "/var/run/docker.sock", target: "/run/docker.sock" }],
    };
    const error = await refusal(driver.createContainer(input));
    expect(error.issues.map((issue) => issue.path)).toEqual([
      "image",
      `labels.${OWNER_LABELS.namespace}`,
      "volumes.0.source",
    ]);
    for (const issue of error.issues) expect(error.message).toContain(issue.path);
    expect(error.message).toContain("allowedBindSources");
    expect(touched).toEqual([]);
  });

  it("reports every driver rule and the bind policy together when the schema passes", async () => {
    const { docker, touched } = untouchableEngine();
    const driver = new DockerDriver({ docker });
    const base = valid();
    const error = await refusal(
      driver.createContainer({
        ...base,
        labels: { "org.openagent.driver": "x", team: "a" },
        resources: { ...base.resources, memory: 4 },
        network: "host",
        volumes: [
          { source: "workspace", target: "/w" },
          { source: "/etc", target: "/e", type: "bind" },
        ],
      }),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual([
      "labels.org.openagent.driver",
      "resources.memory",
      "network",
      "volumes.1.source",
    ]);
    expect(touched).toEqual([]);
  });

  it("checks the driver's limits after the config: ResourceLimitError only for a config without problems", async () => {
    const { docker } = untouchableEngine();
    const driver = new DockerDriver({ docker, maxPids: 10 });
    const base = valid();
    const overLimit = { ...base, resources: { ...base.resources, pids: 11 } };
    const refused = await refusal(
      driver.createContainer({ ...overLimit, volumes: [{ source: "/", target: "/host" }] }),
    );
    expect(refused.issues.map((issue) => issue.path)).toEqual(["volumes.0.source"]);
    await expect(driver.createContainer(overLimit)).rejects.toBeInstanceOf(ResourceLimitError);
  });

  it("reads what it can of input that throws when read, and never throws itself", async () => {
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const partlyReadable = {
      ...valid(),
      get labels(): never {
        throw new Error("getter");
      },
      network: "host",
      volumes: [throwing, { source: "/", target: "/h" }, { source: 42 }, { source: "/x", type: "tmpfs" }],
    };
    for (const input of [throwing, revoked.proxy, null, undefined, "config", [valid()], { labels: throwing }]) {
      const result = await containerConfigPreflight(input, { allowedBindSources: [] });
      expect(result.ok).toBe(false);
    }
    const result = await containerConfigPreflight(partlyReadable, { allowedBindSources: [] });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
    // The driver's rules and the policy judged the parts that could be read.
    expect(paths).toContain("network");
    expect(paths).toContain("volumes.1.source");
    expect(paths).not.toContain("volumes.3.source");
  });

  it("never throws and never passes a config the schema refuses, whatever the input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withNullPrototype: true, withBigInt: true }), async (input) => {
        const result = await containerConfigPreflight(input, { allowedBindSources: ["/srv"] });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("passes a valid config through as a copy, with an allowed bind source", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "oa-preflight-")));
    try {
      mkdirSync(join(root, "s1"));
      const input = { ...valid(), volumes: [{ source: join(root, "s1"), target: "/data", readOnly: true }] };
      const config = await preflightContainerConfig(input, { allowedBindSources: [root] });
      expect(config).toEqual(input);
      expect(config).not.toBe(input);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses an input beyond the size limits by its size alone, at once, without reading it further", async () => {
    const { docker, touched } = untouchableEngine();
    const driver = new DockerDriver({ docker });
    const labels = Object.fromEntries(Array.from({ length: 100_000 }, (_, index) => [`org.openagent.k${index}`, "v"]));
    for (const [input, path] of [
      [{ ...valid(), volumes: new Array(10_000_000) }, "volumes"],
      [
        { ...valid(), volumes: Array.from({ length: 200_000 }, () => ({ source: "/etc", target: "/proc" })) },
        "volumes",
      ],
      [{ ...valid(), labels }, "labels"],
    ] as const) {
      const error = await refusal(driver.createContainer(input as never));
      expect(error.issues, path).toHaveLength(1);
      expect(error.issues[0]?.path).toBe(path);
      expect(error.message.length).toBeLessThan(300);
    }
    expect(touched).toEqual([]);
  });

  it("lists at most 100 issues and counts the rest, as the package's parse functions do", async () => {
    const mounts = Array.from({ length: 64 }, (_, index) => ({ source: `/etc/x${index}`, target: `/proc/x${index}` }));
    const labels = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`org.openagent.k${index}`, "v"]));
    const result = await containerConfigPreflight({ ...valid(), volumes: mounts, labels }, { allowedBindSources: [] });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toHaveLength(101);
    expect(issues.at(-1)).toEqual({ path: "", message: "and 228 more problem(s)" });
  });

  it.each([
    "/proc",
    "/proc/sys",
    "/proc/",
    "//proc",
    "/sys",
    "/sys/fs/cgroup",
    "/dev",
    "/dev/shm",
    "/dev/pts",
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/etc/./hosts",
    "/",
  ])("refuses the mount target %s, which the runtime owns, before any engine call", async (target) => {
    const { docker, touched } = untouchableEngine();
    const driver = new DockerDriver({ docker });
    const error = await refusal(
      driver.createContainer({
        ...valid(),
        volumes: [
          { source: "data", target },
          { source: "data", target: "/data" },
        ],
      }),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["volumes.0.target"]);
    expect(touched).toEqual([]);
  });

  it.each(["/processes", "/system", "/devices", "/etc", "/etc/hosts.d", "/etc/app/hosts", "/run", "/data/proc"])(
    "accepts the mount target %s",
    (target) => {
      expect(driverRuleIssues({ labels: {}, memory: 64, network: "none", volumes: [{ source: "d", target }] })).toEqual(
        [],
      );
    },
  );
});
