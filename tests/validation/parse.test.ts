import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  type ContainerConfig,
  containerConfigIssues,
  createDriverConfig,
  isDriverError,
  parseContainerConfig,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseResourceLimits,
  parseSecurityOptions,
  parseStopOptions,
  parseVolumeConfig,
  parseVolumeMount,
} from "../../src/index.js";

function validConfig(): ContainerConfig {
  return createDriverConfig({
    sessionId: "session-1",
    image: "alpine:3.20",
    env: { A: "1" },
    labels: { team: "x" },
    volumes: [{ source: "data", target: "/data", readOnly: true, type: "volume" }],
  });
}

/** The ConfigurationError a call throws; fails the test when it does not throw one. */
function configurationErrorOf(call: () => unknown): ConfigurationError {
  try {
    call();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw new Error(`expected a ConfigurationError, got ${String(error)}`);
  }
  throw new Error("expected a ConfigurationError, but the call returned");
}

describe("parse functions return the typed value", () => {
  it("parseContainerConfig returns a deep-equal config", () => {
    const config = validConfig();
    expect(parseContainerConfig(config)).toEqual(config);
    expect(parseContainerConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it("every other parse function returns its input's value", () => {
    const config = validConfig();
    expect(parseResourceLimits(config.resources)).toEqual(config.resources);
    expect(parseSecurityOptions(config.security)).toEqual(config.security);
    expect(parseVolumeMount({ source: "/host", target: "/in" })).toEqual({ source: "/host", target: "/in" });
    expect(parseVolumeConfig({ name: "vol", driver: "local", labels: { a: "b" } })).toEqual({
      name: "vol",
      driver: "local",
      labels: { a: "b" },
    });
    expect(parseNetworkConfig({ name: "net", options: { mtu: "1500" } })).toEqual({
      name: "net",
      options: { mtu: "1500" },
    });
    expect(parseContainerFilter({ status: "exited" })).toEqual({ status: "exited" });
    expect(parseStopOptions({ force: true })).toEqual({ force: true });
    expect(parseLogOptions({ tail: 10 })).toEqual({ tail: 10 });
  });

  it("does not hand back the caller's objects, so later changes to the input do not reach the result", () => {
    const config = validConfig();
    const parsed = parseContainerConfig(config);
    config.env.B = "2";
    config.security.capabilities.add.push("CHOWN");
    expect(parsed.env).toEqual({ A: "1" });
    expect(parsed.security.capabilities.add).toEqual([]);
  });
});

describe("parse errors list every problem with its path", () => {
  it("throws a non-retryable ConfigurationError, a DriverError", () => {
    const error = configurationErrorOf(() => parseContainerConfig({ ...validConfig(), sessionId: "" }));
    expect(isDriverError(error)).toBe(true);
    expect(error.code).toBe("CONFIGURATION_INVALID");
    expect(error.retryable).toBe(false);
    expect(error.context).toEqual({ what: "container config" });
  });

  it("two problems give two issues, each at its own path, and the message names both", () => {
    const config = { ...validConfig(), sessionId: "", resources: { ...validConfig().resources, cpu: -1 } };
    const error = configurationErrorOf(() => parseContainerConfig(config));
    expect(error.issues.map((issue) => issue.path)).toEqual(["sessionId", "resources.cpu"]);
    expect(error.message).toContain("2 problems");
    expect(error.message).toContain("sessionId:");
    expect(error.message).toContain("resources.cpu:");
    for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it("finds problems at every depth in one pass", () => {
    const config = validConfig() as unknown as Record<string, Record<string, unknown>>;
    const broken = {
      ...config,
      image: "has space",
      env: { "1BAD": "x" },
      labels: { ok: "a\u0000" },
      volumes: [{ source: "data", target: "relative" }],
      security: {
        ...config.security,
        readonly: true,
        capabilities: { drop: ["all"], add: [] },
      },
    };
    const paths = containerConfigIssues(broken).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "image",
        "env.1BAD",
        "labels.ok",
        "volumes.0.target",
        "security.readonly",
        "security.capabilities.drop.0",
      ]),
    );
    expect(paths).toHaveLength(6);
  });

  it("reports every bad env key together, __proto__ included, rather than stopping at the first", () => {
    const env = JSON.parse('{"__proto__": "x", "1BAD": "v", "constructor": "c", "GOOD": "nul\\u0000"}');
    const error = configurationErrorOf(() => parseContainerConfig({ ...validConfig(), env }));
    const paths = error.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["env.__proto__", "env.1BAD", "env.constructor", "env.GOOD"]));
    expect(new Set(paths).size).toBe(4);
  });

  it("names each unknown key at its own path", () => {
    const security = { ...validConfig().security, readonly: true, privileged: true };
    const error = configurationErrorOf(() => parseSecurityOptions(security));
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(["privileged", "readonly"]);
    expect(error.issues[0]?.message).toMatch(/unknown key/);
  });

  it("reports a wrong root type at the empty path", () => {
    for (const value of [null, undefined, "config", 42, []]) {
      const error = configurationErrorOf(() => parseResourceLimits(value));
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe("");
      expect(error.message).toContain("(root)");
    }
  });

  it("turns a value that throws while being read into one issue, never the value's own exception", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap fired");
        },
        ownKeys() {
          throw new Error("trap fired");
        },
        getOwnPropertyDescriptor() {
          throw new Error("trap fired");
        },
      },
    );
    const throwingGetter = Object.defineProperty({ ...validConfig() }, "image", {
      enumerable: true,
      get() {
        throw new Error("getter fired");
      },
    });
    for (const value of [hostile, throwingGetter]) {
      const error = configurationErrorOf(() => parseContainerConfig(value));
      expect(error.issues.length).toBeGreaterThanOrEqual(1);
    }
  });

  it("names the kind of value in the message of each parse function", () => {
    const cases: [() => unknown, string][] = [
      [() => parseContainerConfig({}), "container config"],
      [() => parseResourceLimits({}), "resource limits"],
      [() => parseSecurityOptions({}), "security options"],
      [() => parseVolumeMount({}), "volume mount"],
      [() => parseVolumeConfig({}), "volume config"],
      [() => parseNetworkConfig({}), "network config"],
      [() => parseContainerFilter({ x: 1 }), "container filter"],
      [() => parseStopOptions({ x: 1 }), "stop options"],
      [() => parseLogOptions({ x: 1 }), "log options"],
    ];
    for (const [call, what] of cases) {
      const error = configurationErrorOf(call);
      expect(error.message).toContain(`Invalid ${what}`);
      expect(error.issues.length).toBeGreaterThan(0);
    }
  });

  it("lists one issue per missing field of an empty object", () => {
    const error = configurationErrorOf(() => parseContainerConfig({}));
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      ["env", "image", "labels", "network", "resources", "security", "sessionId", "volumes"].sort(),
    );
  });

  it("containerConfigIssues is empty for a valid config and never throws", () => {
    expect(containerConfigIssues(validConfig())).toEqual([]);
    expect(containerConfigIssues(null)).toHaveLength(1);
  });
});
