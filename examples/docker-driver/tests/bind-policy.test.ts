/**
 * The bind-mount policy: by default no host path may be bind-mounted (a mount
 * of the engine's socket or of `/` is a container escape); `allowedBindSources`
 * opens directories, by whole path segments, on normalised paths and on real
 * paths behind symlinks. A refused mount is a `ConfigurationError` naming
 * `volumes.N.source`, and nothing reaches the engine.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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
import { ownerLabels } from "../src/labels.js";
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
  let root: string;

  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "oa-allowed-")));
    for (const name of ["a", "b", join("a", "inner")]) mkdirSync(join(root, name));
    writeFileSync(join(root, "file"), "");
    symlinkSync("/", join(root, "to-root"));
    symlinkSync(join(root, "a"), join(root, "to-a"));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function issuesOf(entries: readonly string[]): string[] {
    try {
      normalizeAllowedBindSources(entries);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as ConfigurationError).issues.map((issue) => `${issue.path}: ${issue.message}`);
    }
    return [];
  }

  it("defaults to no directory, drops trailing and doubled slashes, keeps equal entries once", () => {
    expect(normalizeAllowedBindSources(undefined)).toEqual([]);
    expect(normalizeAllowedBindSources([`${root}/a/`, `${root}//b`, join(root, "a")])).toEqual([
      join(root, "a"),
      join(root, "b"),
    ]);
  });

  it("refuses relative entries and entries with '..' segments, naming each", () => {
    const issues = issuesOf([join(root, "a"), "data", `${root}/a/../../etc`]);
    expect(issues.map((issue) => issue.split(":")[0])).toEqual(["allowedBindSources.1", "allowedBindSources.2"]);
    expect(() => new DockerDriver({ docker, allowedBindSources: ["relative"] })).toThrow(ConfigurationError);
  });

  it("refuses an entry that is a symlink, even to a directory inside another entry, naming the real path", () => {
    const toRoot = issuesOf([join(root, "to-root")]);
    expect(toRoot).toHaveLength(1);
    expect(toRoot[0]).toContain("allowedBindSources.0");
    expect(toRoot[0]).toContain("resolves to '/'");
    expect(issuesOf([join(root, "to-a")])[0]).toContain(`resolves to '${join(root, "a")}'`);
    expect(issuesOf([join(root, "to-root", "etc")])[0]).toContain("resolves to '/etc'");
    expect(() => new DockerDriver({ docker, allowedBindSources: [join(root, "to-root")] })).toThrow(ConfigurationError);
  });

  it("refuses an entry that does not exist or is not a directory", () => {
    expect(issuesOf([join(root, "missing")])[0]).toContain("must be an existing directory");
    expect(issuesOf([join(root, "file")])[0]).toContain("must be a directory");
  });

  it("refuses entries that lie one inside the other, in either order", () => {
    expect(issuesOf([root, join(root, "a", "inner")])).toHaveLength(1);
    expect(issuesOf([join(root, "a", "inner"), root])[0]).toContain("allowedBindSources.1");
    expect(issuesOf([join(root, "a"), join(root, "b")])).toEqual([]);
  });
});

describe("checkBindMounts", () => {
  let root: string;
  let allowed: readonly string[];

  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "oa-bind-policy-")));
    for (const name of ["data", "database", join("data", "s1"), join("data", "s1", "deep")]) {
      mkdirSync(join(root, name));
    }
    writeFileSync(join(root, "data", "file.txt"), "");
    symlinkSync("/", join(root, "data", "escape"));
    symlinkSync("s1", join(root, "data", "alias"));
    allowed = normalizeAllowedBindSources([join(root, "data")]);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const bind = (source: string, readOnly?: boolean): VolumeMount =>
    readOnly === undefined ? { source, target: "/mnt" } : { source, target: "/mnt", readOnly };

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

  it("accepts an entry directly inside an allowed directory, read-only or not, by normalised path", async () => {
    for (const source of [join(root, "data", "s1"), `${join(root, "data", "s1")}/`, `${root}//data/./s1`]) {
      await expect(checkBindMounts([bind(source)], allowed), source).resolves.toBeUndefined();
      await expect(checkBindMounts([bind(source, true)], allowed), source).resolves.toBeUndefined();
    }
    await expect(checkBindMounts([bind(join(root, "data", "file.txt"))], allowed)).resolves.toBeUndefined();
  });

  it("accepts the allowed directory itself read-only, refuses it read-write", async () => {
    await expect(checkBindMounts([bind(join(root, "data"), true)], allowed)).resolves.toBeUndefined();
    for (const readOnly of [undefined, false]) {
      const error = await refusal(checkBindMounts([bind(`${join(root, "data")}/`, readOnly)], allowed));
      expect(error.message).toContain("only be mounted read-only");
    }
  });

  it("refuses a path more than one level below an allowed directory, though it exists and is real", async () => {
    for (const source of [join(root, "data", "s1", "deep"), join(root, "data", "s1", "deep", "missing")]) {
      const error = await refusal(checkBindMounts([bind(source, true)], allowed));
      expect(error.issues[0]?.path).toBe("volumes.0.source");
      expect(error.message).toContain("levels below the allowed directory");
    }
  });

  it("matches whole segments: allowing data does not allow database", async () => {
    const error = await refusal(checkBindMounts([bind(join(root, "database"), true)], allowed));
    expect(error.message).toContain("is not allowed");
  });

  it("refuses a source with a '..' segment, even one that stays inside the directory", async () => {
    const error = await refusal(checkBindMounts([bind(`${root}/data/s1/../file.txt`)], allowed));
    expect(error.issues[0]?.path).toBe("volumes.0.source");
    expect(error.message).toContain("..");
  });

  it("refuses a symlink, whether it leads out of the directory or stays inside, and a missing source", async () => {
    expect((await refusal(checkBindMounts([bind(join(root, "data", "escape"))], allowed))).message).toContain(
      "resolves to '/'",
    );
    expect((await refusal(checkBindMounts([bind(join(root, "data", "alias"))], allowed))).message).toContain(
      `resolves to '${join(root, "data", "s1")}'`,
    );
    expect((await refusal(checkBindMounts([bind(join(root, "data", "gone"))], allowed))).message).toContain(
      "does not exist",
    );
  });

  it("never lets a path through that is outside the allowed directory or more than one level inside it", async () => {
    const segment = fc.stringMatching(/^[a-z.]{1,6}$/).filter((text) => text !== "." && text !== "..");
    await fc.assert(
      fc.asyncProperty(segment, fc.array(segment, { maxLength: 3 }), fc.boolean(), async (sibling, rest, readOnly) => {
        const inside = [join(root, "data"), ...rest].join("/");
        const real = rest.length === 1 && existsSync(inside) && realpathSync(inside) === inside;
        const allowedHere = real ? undefined : "refused";
        const outcome = await checkBindMounts([bind(inside, readOnly)], allowed).then(
          () => undefined,
          () => "refused",
        );
        if (rest.length >= 2 || (rest.length === 0 && !readOnly)) expect(outcome).toBe("refused");
        if (rest.length === 1) expect(outcome).toBe(allowedHere);
        await refusal(checkBindMounts([bind([`${join(root, "data")}${sibling}`, ...rest].join("/"), true)], allowed));
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

/**
 * The race that once escaped: a container with a directory mounted read-write
 * swaps an entry of it between a directory and a symlink to `/`, while bind
 * mounts of that entry are created and started. The path is checked at create
 * and resolved by the engine at start, so 7 of 1,000 such mounts got the
 * host's `/`. Under the policy no container can write to a directory on the
 * path of a bind source: every source through the writable directory is
 * refused before the engine, and what is allowed (an allowed directory
 * read-only, an entry directly inside it) is mounted while the swapping runs,
 * 64 mounts per container, each checked from inside. A negative control
 * mounts the refused path through the engine directly and must see the host.
 */
describeWithEngine("DockerDriver bind mounts against a symlink race on a real engine", () => {
  const namespace = uniqueNamespace("bind-race-test");
  /** Mounts per container: the most a config may have, so one start races 64 mounts. */
  const MOUNTS = 64;
  const REFUSED_TRIES = 1_000;
  const STARTED_CONTAINERS = 8;
  let root: string;
  let driver: DockerDriver;
  let sessions = 0;

  const config = (input: DriverConfigInput) => {
    sessions += 1;
    return createDriverConfig({ sessionId: `race${sessions}`, image: TEST_IMAGE, ...input });
  };

  /** Prints `ok`, `escape` or `missing` for every mount at /m0../m63: the host's / has /etc/os-release, the allowed directories have their marker. */
  const INSPECT = [
    "sh",
    "-c",
    "for t in /m*; do if [ -e $t/etc/os-release ]; then echo escape $t; elif [ -e $t/marker ]; then echo ok; else echo missing $t; fi; done",
  ];

  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "oa-bind-race-")));
    chmodSync(root, 0o755);
    mkdirSync(join(root, "a"));
    // The attacker runs as the config's unprivileged user and must be able to write here.
    chmodSync(join(root, "a"), 0o777);
    writeFileSync(join(root, "marker"), "root\n");
    writeFileSync(join(root, "a", "marker"), "a\n");
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, allowedBindSources: [root] });
    // The attacker: allowed (an entry directly inside the allowed directory, read-write), swapping a/x
    // between a symlink to / and one to a directory, by atomic renames, as fast as it can.
    const attacker = await driver.createContainer(
      config({
        command: [
          "sh",
          "-c",
          "cd /w && mkdir -p d && while :; do ln -sfn / t1 && mv -fT t1 x; ln -sfn d t2 && mv -fT t2 x; done",
        ],
        volumes: [{ source: join(root, "a"), target: "/w" }],
      }),
    );
    await driver.startContainer(attacker.id);
    const seen = new Set<string>();
    for (let poll = 0; poll < 200 && seen.size < 2; poll++) {
      try {
        seen.add(readlinkSync(join(root, "a", "x")));
      } catch {
        // Not there yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...seen].sort(), "the attacker swaps a/x").toEqual(["/", "d"]);
  }, TIMEOUT);

  afterAll(async () => {
    await driver.cleanup();
    rmSync(root, { recursive: true, force: true });
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  it(
    `refuses every source through the directory the attacker writes to, ${REFUSED_TRIES} times, before the engine`,
    async () => {
      const before = (await leftovers(namespace)).containers.length;
      const sources = [
        { source: join(root, "a", "x"), readOnly: true },
        { source: join(root, "a", "x", "etc"), readOnly: true },
        { source: join(root, "a", "d") },
        { source: join(root, "a", "t1"), readOnly: true },
        { source: `${join(root, "a", "x")}/` },
        { source: root },
        { source: root, readOnly: false },
      ];
      let refused = 0;
      for (let attempt = 0; attempt < REFUSED_TRIES; attempt++) {
        const mount = { ...sources[attempt % sources.length], target: "/m" } as VolumeMount;
        const error = await refusal(driver.createContainer(config({ volumes: [mount] })));
        expect(error.issues.map((issue) => issue.path)).toEqual(["volumes.0.source"]);
        refused += 1;
      }
      expect(refused).toBe(REFUSED_TRIES);
      expect((await leftovers(namespace)).containers.length).toBe(before);
    },
    TIMEOUT * 2,
  );

  it(
    `mounts only the allowed directories while the attacker runs: ${STARTED_CONTAINERS} containers x ${MOUNTS} mounts, each checked inside`,
    async () => {
      const mountAndInspect = async (): Promise<string[]> => {
        const volumes: VolumeMount[] = Array.from({ length: MOUNTS }, (_, index) =>
          index % 3 === 0
            ? { source: root, target: `/m${index}`, readOnly: true }
            : { source: join(root, "a"), target: `/m${index}`, readOnly: index % 3 === 1 },
        );
        const created = await driver.createContainer(config({ command: INSPECT, volumes }));
        try {
          await driver.startContainer(created.id);
          return (await driver.getContainerLogs(created.id, { follow: true })).trim().split("\n");
        } finally {
          await driver.removeContainer(created.id);
        }
      };
      const lines: string[] = [];
      // Four at a time: the engine's start is the slow part, and the race does not care about order.
      for (let batch = 0; batch < STARTED_CONTAINERS / 4; batch++) {
        for (const output of await Promise.all([1, 2, 3, 4].map(mountAndInspect))) lines.push(...output);
      }
      expect(lines.filter((line) => line !== "ok")).toEqual([]);
      expect(lines).toHaveLength(STARTED_CONTAINERS * MOUNTS);
    },
    TIMEOUT * 4,
  );

  it(
    "negative control: the refused source, mounted through the engine directly while the attacker runs, reaches the host",
    async () => {
      const binds = Array.from({ length: MOUNTS }, (_, index) => ({
        Type: "bind" as const,
        Source: join(root, "a", "x"),
        Target: `/m${index}`,
        ReadOnly: true,
      }));
      let escapes = 0;
      for (let attempt = 0; attempt < 12 && escapes === 0; attempt++) {
        const container = await docker.createContainer({
          Image: TEST_IMAGE,
          Cmd: INSPECT,
          Labels: ownerLabels("docker", namespace),
          HostConfig: { NetworkMode: "none", Mounts: binds },
        });
        try {
          await container.start();
          await container.wait();
          const output = (await container.logs({ stdout: true, stderr: true })).toString("utf8");
          escapes += output.split("\n").filter((line) => line.includes("escape")).length;
        } catch {
          // A start whose mount met `x` mid-swap fails; try again.
        } finally {
          await container.remove({ force: true });
        }
      }
      expect(escapes, "the race harness must be able to see an escape").toBeGreaterThan(0);
    },
    TIMEOUT * 2,
  );
});
