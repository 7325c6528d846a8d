/**
 * The bind-mount policy: by default no host path may be bind-mounted (a mount
 * of the engine's socket or of `/` is a container escape); `allowedBindSources`
 * opens directories, by whole path segments, on normalised paths and on real
 * paths behind symlinks. A refused mount is a `ConfigurationError` naming
 * `volumes.N.source`, and nothing reaches the engine.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  createDriverConfig,
  type DriverConfigInput,
  ResourceLimitError,
  type VolumeMount,
  mountTypeOf,
} from "../../../src/index.js";
import { checkBindMounts, normalizeAllowedBindSources } from "../src/bind-policy.js";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, docker, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;

async function refusal(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe("normalizeAllowedBindSources", () => {
  it("defaults to no directory and drops trailing slashes", () => {
    expect(normalizeAllowedBindSources(undefined)).toEqual([]);
    expect(normalizeAllowedBindSources(["/srv/data/", "/srv//other", "/"])).toEqual(["/srv/data", "/srv/other", "/"]);
  });

  it("refuses relative entries and entries with '..' segments, naming each", () => {
    let error: unknown;
    try {
      normalizeAllowedBindSources(["/ok", "data", "/srv/data/../../etc"]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual([
      "allowedBindSources.1",
      "allowedBindSources.2",
    ]);
    expect(() => new DockerDriver({ docker, allowedBindSources: ["relative"] })).toThrow(ConfigurationError);
  });
});

describe("checkBindMounts", () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "oa-bind-policy-"));
    mkdirSync(join(root, "data"));
    mkdirSync(join(root, "database"));
    symlinkSync("/", join(root, "data", "escape"));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const bind = (source: string): VolumeMount => ({ source, target: "/mnt" });

  it("refuses every bind mount by default, naming the mount, the path and the option", async () => {
    const error = await refusal(checkBindMounts([bind("/var/run/docker.sock")], []));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("volumes.0.source");
    expect(error.message).toContain("volumes.0.source");
    expect(error.message).toContain("/var/run/docker.sock");
    expect(error.message).toContain("allowedBindSources");
  });

  it("checks only bind mounts: named volumes pass, a source starting with '/' is a bind without a type", async () => {
    await expect(checkBindMounts([{ source: "workspace", target: "/w" }], [])).resolves.toBeUndefined();
    const error = await refusal(
      checkBindMounts(
        [
          { source: "workspace", target: "/w" },
          { source: "/etc", target: "/e", type: "bind" },
        ],
        [],
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["volumes.1.source"]);
    expect(mountTypeOf({ source: "relative", target: "/r", type: "bind" })).toBe("bind");
    await refusal(checkBindMounts([{ source: "relative", target: "/r", type: "bind" }], ["/"]));
  });

  it("accepts a source in an allowed directory, by normalised path", async () => {
    const allowed = normalizeAllowedBindSources([join(root, "data")]);
    for (const source of [join(root, "data"), `${join(root, "data")}/`, `${root}//data/./sub`, "/srv/x"]) {
      const expectation = expect(checkBindMounts([bind(source)], [...allowed, "/srv"]), source);
      await expectation.resolves.toBeUndefined();
    }
  });

  it("matches whole segments: allowing /srv/data does not allow /srv/database", async () => {
    await expect(checkBindMounts([bind("/srv/data/x")], ["/srv/data"])).resolves.toBeUndefined();
    const error = await refusal(checkBindMounts([bind("/srv/database")], ["/srv/data"]));
    expect(error.issues[0]?.path).toBe("volumes.0.source");
    await refusal(checkBindMounts([bind(join(root, "database"))], [join(root, "data")]));
  });

  it("refuses a source with a '..' segment, even one that stays inside the directory", async () => {
    const error = await refusal(checkBindMounts([bind("/srv/data/../database")], ["/srv"]));
    expect(error.issues[0]?.path).toBe("volumes.0.source");
    expect(error.message).toContain("..");
    await refusal(checkBindMounts([bind("/srv/data/a/../b")], ["/srv/data"]));
  });

  it("refuses a symlink in an allowed directory that leads out of it", async () => {
    const error = await refusal(checkBindMounts([bind(join(root, "data", "escape"))], [join(root, "data")]));
    expect(error.message).toContain("resolves to '/'");
  });

  it("never lets a path outside the allowed directory through, whatever its segments", async () => {
    const segment = fc.stringMatching(/^[a-z.]{1,6}$/).filter((text) => text !== "." && text !== "..");
    await fc.assert(
      fc.asyncProperty(segment, fc.array(segment, { maxLength: 3 }), async (sibling, rest) => {
        const inside = ["/srv/data", ...rest].join("/");
        await expect(checkBindMounts([bind(inside)], ["/srv/data"])).resolves.toBeUndefined();
        const outside = [`/srv/data${sibling}`, ...rest].join("/");
        await refusal(checkBindMounts([bind(outside)], ["/srv/data"]));
      }),
      { numRuns: 200 },
    );
  });
});

describeWithEngine("DockerDriver bind-mount policy on a real engine", () => {
  const namespace = uniqueNamespace("bind-policy-test");
  let root: string;
  let sessions = 0;

  function config(input: DriverConfigInput) {
    sessions += 1;
    return createDriverConfig({ sessionId: `b${sessions}`, image: TEST_IMAGE, ...input });
  }

  /** Every container on the engine, not only this namespace's: a refused create must make none anywhere. */
  async function allContainerIds(): Promise<string[]> {
    return (await docker.listContainers({ all: true })).map((container) => container.Id).sort();
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "oa-bind-engine-"));
    chmodSync(root, 0o755);
    for (const name of ["data", "database"]) {
      mkdirSync(join(root, name));
      chmodSync(join(root, name), 0o755);
    }
    writeFileSync(join(root, "data", "input.txt"), "allowed\n");
  });

  afterAll(async () => {
    // A failed refusal may have created a container; remove the namespace's objects before checking.
    await new DockerDriver({ socketPath: SOCKET_PATH, namespace }).cleanup();
    rmSync(root, { recursive: true, force: true });
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    "refuses a bind mount by default with ConfigurationError, and creates nothing",
    async () => {
      const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
      const before = await allContainerIds();
      const error = await refusal(
        driver.createContainer(config({ volumes: [{ source: "/var/run/docker.sock", target: "/run/docker.sock" }] })),
      );
      expect(error.issues.map((issue) => issue.path)).toEqual(["volumes.0.source"]);
      expect(error.message).toContain("allowedBindSources");
      expect(await allContainerIds()).toEqual(before);
    },
    TIMEOUT,
  );

  it(
    "checks the policy with the rest of the config, before the driver's limits",
    async () => {
      const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, maxPids: 10 });
      const input = config({ volumes: [{ source: "/", target: "/host" }] });
      const overLimit = { ...input, resources: { ...input.resources, pids: 11 } };
      const error = await refusal(driver.createContainer(overLimit));
      expect(error.issues.map((issue) => issue.path)).toEqual(["volumes.0.source"]);
      await expect(driver.createContainer({ ...overLimit, volumes: [] })).rejects.toBeInstanceOf(ResourceLimitError);
    },
    TIMEOUT,
  );

  it(
    "accepts a source inside an allowed directory and mounts it",
    async () => {
      const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, allowedBindSources: [`${root}/data/`] });
      const created = await driver.createContainer(
        config({
          command: ["cat", "/data/input.txt"],
          volumes: [{ source: join(root, "data"), target: "/data", readOnly: true }],
        }),
      );
      try {
        await driver.startContainer(created.id);
        expect(await driver.getContainerLogs(created.id, { follow: true })).toBe("allowed\n");
      } finally {
        await driver.removeContainer(created.id);
      }
    },
    TIMEOUT,
  );

  it(
    "refuses a sibling that shares the allowed prefix, and a source with '..', creating nothing",
    async () => {
      const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, allowedBindSources: [join(root, "data")] });
      const before = await allContainerIds();
      for (const source of [join(root, "database"), `${root}/data/../database`]) {
        const error = await refusal(
          driver.createContainer(config({ volumes: [{ source, target: "/mnt", type: "bind" }] })),
        );
        expect(
          error.issues.map((issue) => issue.path),
          source,
        ).toEqual(["volumes.0.source"]);
        expect(error.message, source).toContain(source);
      }
      expect(await allContainerIds()).toEqual(before);
    },
    TIMEOUT,
  );
});
