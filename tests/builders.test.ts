import { describe, expect, it } from "vitest";
import {
  containerConfigIssues,
  createDriverConfig,
  createResourceLimits,
  createSecurityOptions,
  DEFAULT_NETWORK,
  DEFAULT_RESOURCE_LIMITS,
  DEFAULT_SECURITY_OPTIONS,
  type DriverConfigInput,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../src/index.js";

// Seed 004's defaults, written out so that a changed default fails here.
const seedResourceDefaults = { cpu: 0.5, memory: 512, disk: 1024, pids: 100 };
const seedSecurityDefaults = {
  readOnly: true,
  noNewPrivileges: true,
  user: "openagent",
  capabilities: { drop: ["ALL"], add: [] },
};

describe("createResourceLimits", () => {
  it("returns seed 004's defaults for nothing, an empty object and undefined fields", () => {
    expect(createResourceLimits()).toEqual(seedResourceDefaults);
    expect(createResourceLimits({})).toEqual(seedResourceDefaults);
    expect(createResourceLimits({ cpu: undefined, pids: undefined } as never)).toEqual(seedResourceDefaults);
    expect(DEFAULT_RESOURCE_LIMITS).toEqual(seedResourceDefaults);
  });

  it("keeps each given field, including zero", () => {
    expect(createResourceLimits({ cpu: 0 })).toEqual({ ...seedResourceDefaults, cpu: 0 });
    expect(createResourceLimits({ memory: 4096, pids: 10 })).toEqual({
      ...seedResourceDefaults,
      memory: 4096,
      pids: 10,
    });
  });

  it("returns a fresh, mutable object each time, leaving the defaults alone", () => {
    const first = createResourceLimits();
    first.cpu = 8;
    expect(createResourceLimits().cpu).toBe(0.5);
    expect(DEFAULT_RESOURCE_LIMITS.cpu).toBe(0.5);
    expect(Object.isFrozen(DEFAULT_RESOURCE_LIMITS)).toBe(true);
    expect(createResourceLimits()).not.toBe(createResourceLimits());
  });

  it("validates", () => {
    expect(validateResourceLimits(createResourceLimits())).toBe(true);
  });
});

describe("createSecurityOptions", () => {
  it("returns seed 004's secure defaults", () => {
    expect(createSecurityOptions()).toEqual(seedSecurityDefaults);
    expect(DEFAULT_SECURITY_OPTIONS).toEqual(seedSecurityDefaults);
    expect(validateSecurityOptions(createSecurityOptions())).toBe(true);
  });

  it("keeps the other capability list when only one is given", () => {
    expect(createSecurityOptions({ capabilities: { add: ["NET_BIND_SERVICE"] } }).capabilities).toEqual({
      drop: ["ALL"],
      add: ["NET_BIND_SERVICE"],
    });
    expect(createSecurityOptions({ capabilities: { drop: ["NET_RAW"] } }).capabilities).toEqual({
      drop: ["NET_RAW"],
      add: [],
    });
    expect(createSecurityOptions({ capabilities: {} }).capabilities).toEqual({ drop: ["ALL"], add: [] });
  });

  it("treats undefined fields as not given", () => {
    const options = createSecurityOptions({
      readOnly: undefined,
      user: undefined,
      capabilities: { drop: undefined, add: ["CHOWN"] },
    } as never);
    expect(options).toEqual({ ...seedSecurityDefaults, capabilities: { drop: ["ALL"], add: ["CHOWN"] } });
  });

  it("keeps explicit loosening: false flags and another user", () => {
    expect(createSecurityOptions({ readOnly: false, noNewPrivileges: false, user: "1000:1000" })).toEqual({
      ...seedSecurityDefaults,
      readOnly: false,
      noNewPrivileges: false,
      user: "1000:1000",
    });
  });

  it("shares no array with the input, the defaults or another result", () => {
    const add = ["CHOWN"];
    const options = createSecurityOptions({ capabilities: { add } });
    add.push("SYS_ADMIN");
    expect(options.capabilities.add).toEqual(["CHOWN"]);

    const first = createSecurityOptions();
    first.capabilities.drop.push("X");
    first.capabilities.add.push("Y");
    expect(createSecurityOptions().capabilities).toEqual({ drop: ["ALL"], add: [] });
    expect(DEFAULT_SECURITY_OPTIONS.capabilities).toEqual({ drop: ["ALL"], add: [] });
    expect(first.capabilities).not.toBe(createSecurityOptions().capabilities);
  });

  it("keeps an unknown key (a typo) so that validation reports it", () => {
    const options = createSecurityOptions({ readonly: false } as never);
    expect(validateSecurityOptions(options)).toBe(false);
  });

  it("keeps a list given as a string as it is, so validation refuses it instead of splitting it", () => {
    const options = createSecurityOptions({ capabilities: { drop: "ALL" } } as never);
    expect(options.capabilities.drop).toBe("ALL");
    expect(validateSecurityOptions(options)).toBe(false);
  });
});

describe("createDriverConfig", () => {
  it("fills every field; a config built from nothing does not validate", () => {
    const config = createDriverConfig();
    expect(config).toEqual({
      sessionId: "",
      image: "",
      command: [],
      env: {},
      labels: {},
      volumes: [],
      network: DEFAULT_NETWORK,
      resources: seedResourceDefaults,
      security: seedSecurityDefaults,
    });
    expect(DEFAULT_NETWORK).toBe("none");
    expect(validateContainerConfig(config)).toBe(false);
    expect(
      containerConfigIssues(config)
        .map((issue) => issue.path)
        .sort(),
    ).toEqual(["image", "sessionId"]);
  });

  it("validates once a session id and an image are given, and only then", () => {
    expect(validateContainerConfig(createDriverConfig({ sessionId: "s" }))).toBe(false);
    expect(validateContainerConfig(createDriverConfig({ image: "alpine" }))).toBe(false);
    expect(validateContainerConfig(createDriverConfig({ sessionId: "s", image: "alpine" }))).toBe(true);
  });

  it("deep-merges nested partials over the defaults", () => {
    const config = createDriverConfig({
      sessionId: "s",
      image: "alpine",
      resources: { cpu: 2 },
      security: { user: "1000", capabilities: { add: ["CHOWN"] } },
    });
    expect(config.resources).toEqual({ ...seedResourceDefaults, cpu: 2 });
    expect(config.security).toEqual({
      ...seedSecurityDefaults,
      user: "1000",
      capabilities: { drop: ["ALL"], add: ["CHOWN"] },
    });
  });

  it("keeps defaults for fields given as undefined", () => {
    const input = {
      sessionId: "s",
      image: "alpine",
      command: undefined,
      env: undefined,
      labels: undefined,
      volumes: undefined,
      network: undefined,
      resources: undefined,
      security: undefined,
    } as unknown as DriverConfigInput;
    expect(createDriverConfig(input)).toEqual(createDriverConfig({ sessionId: "s", image: "alpine" }));
  });

  it("copies every array and object of the input, so changing the input later changes nothing", () => {
    const input = {
      sessionId: "s",
      image: "alpine",
      command: ["sh"],
      env: { A: "1" },
      labels: { l: "1" },
      volumes: [{ source: "v", target: "/v" }],
      resources: { cpu: 1 },
      security: { capabilities: { add: ["CHOWN"], drop: ["NET_RAW"] } },
    };
    const config = createDriverConfig(input);
    input.command.push("-c");
    input.env.A = "2";
    input.labels.l = "2";
    const firstVolume = input.volumes[0];
    if (firstVolume) firstVolume.target = "/changed";
    input.volumes.push({ source: "w", target: "/w" });
    input.resources.cpu = 3;
    input.security.capabilities.add.push("SYS_ADMIN");
    input.security.capabilities.drop.push("ALL");

    expect(config.command).toEqual(["sh"]);
    expect(config.env).toEqual({ A: "1" });
    expect(config.labels).toEqual({ l: "1" });
    expect(config.volumes).toEqual([{ source: "v", target: "/v" }]);
    expect(config.resources.cpu).toBe(1);
    expect(config.security.capabilities).toEqual({ add: ["CHOWN"], drop: ["NET_RAW"] });
  });

  it("shares nothing mutable between two results", () => {
    const a = createDriverConfig({ sessionId: "a", image: "x" });
    const b = createDriverConfig({ sessionId: "b", image: "x" });
    for (const key of ["command", "env", "labels", "volumes", "resources", "security"] as const) {
      expect(a[key]).not.toBe(b[key]);
    }
    expect(a.security.capabilities).not.toBe(b.security.capabilities);
    expect(a.security.capabilities.drop).not.toBe(b.security.capabilities.drop);
    a.env.X = "1";
    a.command?.push("x");
    a.security.capabilities.drop.length = 0;
    expect(createDriverConfig()).toEqual(createDriverConfig({}));
    expect(createDriverConfig().security.capabilities.drop).toEqual(["ALL"]);
  });

  it("keeps an own __proto__ key from JSON.parse as a key, for validation to refuse", () => {
    const input = JSON.parse('{"sessionId": "s", "image": "alpine", "env": {"__proto__": {"polluted": "yes"}}}');
    const config = createDriverConfig(input);
    expect(Object.hasOwn(config.env, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(config.env)).toBe(Object.prototype);
    expect(validateContainerConfig(config)).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const topLevel = createDriverConfig(JSON.parse('{"sessionId": "s", "image": "alpine", "__proto__": {"x": 1}}'));
    expect(Object.getPrototypeOf(topLevel)).toBe(Object.prototype);
    expect(containerConfigIssues(topLevel).map((issue) => issue.path)).toEqual(["__proto__"]);
  });

  it("keeps values of the wrong kind as they are, so validation refuses them instead of reinterpreting them", () => {
    const base = { sessionId: "s", image: "alpine" };
    const cases: [string, unknown][] = [
      ["command", "sh -c true"],
      ["labels", "abc"],
      ["labels", ["a"]],
      ["env", new Map([["A", "1"]])],
      ["volumes", "data:/data"],
      ["volumes", ["data:/data"]],
      ["volumes", [null]],
    ];
    for (const [field, value] of cases) {
      const config = createDriverConfig({ ...base, [field]: value } as DriverConfigInput);
      expect(validateContainerConfig(config), `${field} = ${String(value)}`).toBe(false);
      const paths = containerConfigIssues(config).map((issue) => issue.path);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path === field || path.startsWith(`${field}.`), path).toBe(true);
    }
  });
});
