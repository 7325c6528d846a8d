/**
 * createContainer's one pre-flight, without an engine: the schema's problems,
 * the driver's own rules and the bind-mount policy come back together in one
 * ConfigurationError, also when the schema fails; the driver's limits are a
 * later, separate check (ResourceLimitError); unreadable input never crashes
 * the check; and nothing reaches the engine.
 */
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
import { containerConfigPreflight, preflightContainerConfig } from "../src/preflight.js";

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
    const input = { ...valid(), volumes: [{ source: "/srv/data/s1", target: "/data", readOnly: true }] };
    const config = await preflightContainerConfig(input, { allowedBindSources: ["/srv/data"] });
    expect(config).toEqual(input);
    expect(config).not.toBe(input);
  });
});
