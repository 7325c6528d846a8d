/**
 * Every value rule of CONTRACT_NOTES ("Types and schemas"), with values each
 * rule accepts and values it refuses, checked through the public validators
 * and parse functions so that what users call is what is tested.
 */
import { describe, expect, it } from "vitest";
import {
  type ContainerConfig,
  CapabilitySchema,
  CONTROL_CHARACTER_PATTERN,
  ContainerPathSchema,
  containerConfigIssues,
  createDriverConfig,
  EnvSchema,
  FilePathSchema,
  ImageSchema,
  LabelsSchema,
  MountSourceSchema,
  MountTargetSchema,
  NetworkConfigSchema,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseStopOptions,
  parseVolumeConfig,
  ResourceNameSchema,
  SessionIdSchema,
  UserSchema,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../../src/index.js";

const accepts = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

function validConfig(): ContainerConfig {
  return createDriverConfig({ sessionId: "session-1", image: "alpine:3.20" });
}

/** A valid config with one field replaced (by path), for "this one value is refused" checks. */
function configWith(path: readonly (string | number)[], value: unknown): unknown {
  const config: Record<string | number, unknown> = JSON.parse(JSON.stringify(validConfig()));
  let target = config;
  for (const segment of path.slice(0, -1)) target = target[segment] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) throw new Error("empty path");
  target[last] = value;
  return config;
}

describe("sessionId: 1-128 of [A-Za-z0-9_.-], starting with a letter or digit", () => {
  it.each(["a", "1", "session-1", "S_1.x-y", "9abc", "a".repeat(128)])("accepts %j", (value) => {
    expect(accepts(SessionIdSchema, value)).toBe(true);
    expect(validateContainerConfig(configWith(["sessionId"], value))).toBe(true);
  });

  it.each([
    "",
    "-leading-dash",
    ".hidden",
    "_under",
    "a".repeat(129),
    "has space",
    "slash/inside",
    "colon:x",
    "nul\u0000",
    "é",
    "line\nbreak",
  ])("refuses %j", (value) => {
    expect(accepts(SessionIdSchema, value)).toBe(false);
    expect(validateContainerConfig(configWith(["sessionId"], value))).toBe(false);
  });

  it("refuses a non-string", () => {
    expect(validateContainerConfig(configWith(["sessionId"], 12))).toBe(false);
  });
});

describe("image: non-empty, no whitespace or control characters", () => {
  it.each([
    "alpine",
    "alpine:3.20",
    "registry.local:5000/team/agent@sha256:0123abcd",
    "ghcr-like/org/img:tag",
    "x".repeat(512),
  ])("accepts %j", (value) => {
    expect(accepts(ImageSchema, value)).toBe(true);
  });

  it.each([
    "",
    " ",
    "alpine latest",
    "alpine\t",
    "alpine\n",
    "alp\u0000ine",
    "alp\u001bine",
    "alp\u007fine",
    "\u00a0alpine",
    "x".repeat(513),
  ])("refuses %j", (value) => {
    expect(accepts(ImageSchema, value)).toBe(false);
    expect(validateContainerConfig(configWith(["image"], value))).toBe(false);
  });
});

describe("env: names match [A-Za-z_][A-Za-z0-9_]*, no NUL in keys or values", () => {
  it.each([{}, { PATH: "/bin" }, { _x: "" }, { a1_B2: "value with spaces = and ; symbols" }, { HOME: "é\u00e9" }])(
    "accepts %j",
    (value) => {
      expect(accepts(EnvSchema, value)).toBe(true);
      expect(validateContainerConfig(configWith(["env"], value))).toBe(true);
    },
  );

  it.each<Record<string, unknown>>([
    { "1ABC": "x" },
    { "A-B": "x" },
    { "A B": "x" },
    { "": "x" },
    { "A=B": "x" },
    { "A\u0000": "x" },
    { A: "x\u0000y" },
    { A: 1 },
    { A: null },
    { constructor: "x" },
    { prototype: "x" },
  ])("refuses %j", (value) => {
    expect(accepts(EnvSchema, value)).toBe(false);
    expect(validateContainerConfig(configWith(["env"], value))).toBe(false);
  });

  it("refuses __proto__ as an env key, including from JSON.parse, and does not touch Object.prototype", () => {
    const fromJson = JSON.parse('{"__proto__": "x", "SAFE": "1"}');
    expect(Object.hasOwn(fromJson, "__proto__")).toBe(true);
    expect(accepts(EnvSchema, fromJson)).toBe(false);
    const config = configWith(["env"], JSON.parse('{"__proto__": {"polluted": "yes"}}'));
    expect(validateContainerConfig(config)).toBe(false);
    expect(containerConfigIssues(config).map((issue) => issue.path)).toContain("env.__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses an array, a string or null as env", () => {
    for (const value of [["A=1"], "A=1", null]) expect(validateContainerConfig(configWith(["env"], value))).toBe(false);
  });
});

describe("labels: non-empty keys without NUL, no prototype keys, values without NUL", () => {
  it.each([{}, { "app.kubernetes.io/name": "agent" }, { "a b": "" }, { ünicode: "ok" }, { x: "y".repeat(10_000) }])(
    "accepts %j",
    (value) => {
      expect(accepts(LabelsSchema, value)).toBe(true);
      expect(validateContainerConfig(configWith(["labels"], value))).toBe(true);
    },
  );

  it.each<Record<string, unknown>>([
    { "": "x" },
    { "a\u0000": "x" },
    { a: "x\u0000" },
    { a: 1 },
    { constructor: "x" },
    { prototype: "x" },
  ])("refuses %j", (value) => {
    expect(accepts(LabelsSchema, value)).toBe(false);
    expect(validateContainerConfig(configWith(["labels"], value))).toBe(false);
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "refuses %s as a label key from JSON.parse, in config, volume, network and filter labels",
    (key) => {
      const labels = () => JSON.parse(`{"${key}": "x"}`);
      expect(validateContainerConfig(configWith(["labels"], labels()))).toBe(false);
      expect(() => parseVolumeConfig({ name: "v", labels: labels() })).toThrow(/labels/);
      expect(() => parseNetworkConfig({ name: "n", labels: labels() })).toThrow(/labels/);
      expect(() => parseNetworkConfig({ name: "n", options: labels() })).toThrow(/options/);
      expect(() => parseContainerFilter({ label: labels() })).toThrow(/label/);
    },
  );
});

describe("command: an array of strings without NUL", () => {
  it("accepts no command, an empty one and a normal argv", () => {
    const { command: _command, ...withoutCommand } = validConfig();
    expect(validateContainerConfig(withoutCommand)).toBe(true);
    expect(validateContainerConfig(configWith(["command"], []))).toBe(true);
    expect(validateContainerConfig(configWith(["command"], ["sh", "-c", "echo 'a b'"]))).toBe(true);
  });

  it("refuses a string, a NUL in an argument and a non-string argument", () => {
    expect(validateContainerConfig(configWith(["command"], "sh -c true"))).toBe(false);
    expect(validateContainerConfig(configWith(["command"], ["a\u0000b"]))).toBe(false);
    expect(validateContainerConfig(configWith(["command"], ["sh", 1]))).toBe(false);
  });
});

describe("resources: finite numbers, pids an integer", () => {
  const limits = { cpu: 0.5, memory: 512, disk: 1024, pids: 100 };

  it("accepts fractions of a core and large finite values", () => {
    expect(validateResourceLimits({ ...limits, cpu: 0 })).toBe(true);
    expect(validateResourceLimits({ ...limits, cpu: 0.25, memory: 1.5, disk: 1e9 })).toBe(true);
  });

  it.each([
    ["cpu", Number.POSITIVE_INFINITY],
    ["cpu", Number.NaN],
    ["cpu", -1],
    ["memory", Number.POSITIVE_INFINITY],
    ["memory", 0],
    ["disk", Number.NaN],
    ["disk", 0],
    ["pids", 1.5],
    ["pids", 0],
    ["pids", Number.POSITIVE_INFINITY],
    ["cpu", "1"],
    ["memory", null],
  ])("refuses %s = %s", (field, value) => {
    expect(validateResourceLimits({ ...limits, [field]: value })).toBe(false);
    expect(validateContainerConfig(configWith(["resources", field], value))).toBe(false);
  });
});

describe("mount target: absolute, no '..' segment", () => {
  it.each(["/", "/data", "/a/b/c", "/a..b", "/..a/b", "/a/.../b", "/a/./b", "/with space"])("accepts %j", (target) => {
    expect(accepts(MountTargetSchema, target)).toBe(true);
    expect(validateContainerConfig(configWith(["volumes"], [{ source: "v", target }]))).toBe(true);
  });

  it.each(["", "data", "./data", "../data", "/..", "/a/..", "/a/../b", "/a/../../etc", "/a\u0000b", "/a\nb"])(
    "refuses %j",
    (target) => {
      expect(accepts(MountTargetSchema, target)).toBe(false);
      expect(validateContainerConfig(configWith(["volumes"], [{ source: "v", target }]))).toBe(false);
    },
  );

  it("refuses an empty source and a source with a control character", () => {
    expect(validateContainerConfig(configWith(["volumes"], [{ source: "", target: "/d" }]))).toBe(false);
    expect(validateContainerConfig(configWith(["volumes"], [{ source: "v\u0007", target: "/d" }]))).toBe(false);
  });
});

describe("capabilities: upper case, with or without CAP_, ALL allowed", () => {
  it.each(["ALL", "NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE", "CHOWN", "CAP_CHOWN", "SYS_ADMIN", "AUDIT_WRITE"])(
    "accepts %j",
    (capability) => {
      expect(accepts(CapabilitySchema, capability)).toBe(true);
      expect(
        validateSecurityOptions({ ...validConfig().security, capabilities: { drop: [capability], add: [capability] } }),
      ).toBe(true);
    },
  );

  it.each([
    "",
    "all",
    "net_bind_service",
    "Cap_Chown",
    "cap_chown",
    "CAP_",
    "NET BIND",
    "1CAP",
    "_X",
    "NET-RAW",
    "NET_",
    "NET__RAW",
    "CAP_CAP_",
  ])("refuses %j in drop and in add", (capability) => {
    expect(accepts(CapabilitySchema, capability)).toBe(false);
    const security = validConfig().security;
    expect(validateSecurityOptions({ ...security, capabilities: { drop: [capability], add: [] } })).toBe(false);
    expect(validateSecurityOptions({ ...security, capabilities: { drop: ["ALL"], add: [capability] } })).toBe(false);
  });
});

describe("user: a name or numeric id, optionally :group", () => {
  it.each(["openagent", "root", "1000", "1000:1000", "app:staff", "_svc", "user.name", "a-b", "u".repeat(64)])(
    "accepts %j",
    (user) => {
      expect(accepts(UserSchema, user)).toBe(true);
    },
  );

  it.each(["", ":1000", "1000:", "a b", "a:b:c", "-rf", ".hidden", "u".repeat(65), "user\u0000", "us/er", "$(id)"])(
    "refuses %j",
    (user) => {
      expect(accepts(UserSchema, user)).toBe(false);
      expect(validateContainerConfig(configWith(["security", "user"], user))).toBe(false);
    },
  );
});

describe("network and resource names", () => {
  it("accepts none and a plain name, refuses anything unsafe", () => {
    expect(validateContainerConfig(configWith(["network"], "agents-net.1"))).toBe(true);
    for (const bad of ["", "a b", "-x", "a/b", "a".repeat(129)]) {
      expect(accepts(ResourceNameSchema, bad)).toBe(false);
      expect(validateContainerConfig(configWith(["network"], bad))).toBe(false);
    }
  });

  it("reserves 'none' as a network name for createNetwork", () => {
    expect(accepts(NetworkConfigSchema, { name: "none" })).toBe(false);
    expect(accepts(NetworkConfigSchema, { name: "agents" })).toBe(true);
  });
});

describe("strictness: an unknown key is an error at every level", () => {
  const unknownKeyPaths: (readonly (string | number)[])[] = [
    ["extra"],
    ["resources", "gpu"],
    ["security", "readonly"],
    ["security", "privileged"],
    ["security", "capabilities", "ambient"],
  ];

  it.each(unknownKeyPaths)("refuses %s and names it", (...path) => {
    const config = configWith(path, true);
    expect(validateContainerConfig(config)).toBe(false);
    expect(containerConfigIssues(config)).toContainEqual(expect.objectContaining({ path: path.join(".") }));
  });

  it("refuses an unknown key in a volume mount", () => {
    const config = configWith(["volumes"], [{ source: "v", target: "/v", readonly: true }]);
    expect(containerConfigIssues(config)).toContainEqual(expect.objectContaining({ path: "volumes.0.readonly" }));
  });

  it("refuses unknown keys in the other inputs: volume, network, filter, stop and log options", () => {
    expect(() => parseVolumeConfig({ name: "v", size: 1 })).toThrow(/size/);
    expect(() => parseNetworkConfig({ name: "n", subnet: "10.0.0.0/8" })).toThrow(/subnet/);
    expect(() => parseContainerFilter({ sessionID: "s" })).toThrow(/sessionID/);
    expect(() => parseStopOptions({ timeout: 1, signal: "KILL" })).toThrow(/signal/);
    expect(() => parseLogOptions({ tail: 1, lines: 10 })).toThrow(/lines/);
  });
});

describe("operation options", () => {
  it("treat undefined as none and accept the documented fields", () => {
    expect(parseStopOptions(undefined)).toEqual({});
    expect(parseLogOptions(undefined)).toEqual({});
    expect(parseContainerFilter(undefined)).toEqual({});
    expect(parseStopOptions({ timeout: 0, force: true })).toEqual({ timeout: 0, force: true });
    expect(parseLogOptions({ follow: true, tail: 0, since: 0, timestamps: true })).toEqual({
      follow: true,
      tail: 0,
      since: 0,
      timestamps: true,
    });
    expect(parseContainerFilter({ sessionId: "s", status: "running", state: "running", label: { a: "b" } })).toEqual({
      sessionId: "s",
      status: "running",
      state: "running",
      label: { a: "b" },
    });
  });

  it("refuse out-of-range and wrongly typed values", () => {
    expect(() => parseStopOptions({ timeout: -1 })).toThrow(/timeout/);
    expect(() => parseStopOptions({ timeout: Number.POSITIVE_INFINITY })).toThrow(/timeout/);
    expect(() => parseLogOptions({ tail: 1.5 })).toThrow(/tail/);
    expect(() => parseLogOptions({ tail: -1 })).toThrow(/tail/);
    expect(() => parseLogOptions({ since: Number.NaN })).toThrow(/since/);
    expect(() => parseContainerFilter({ status: "zombie" })).toThrow(/status/);
    expect(() => parseContainerFilter({ state: "stopped" })).toThrow(/state/);
    expect(() => parseContainerFilter(null)).not.toThrow();
    expect(() => parseContainerFilter("running")).toThrow();
  });
});

describe("control characters, C1 (U+0080–U+009F) included, in image, mount source and target, container paths", () => {
  // Every code point of C0, DEL and C1: a terminal reads U+009B as CSI, so a C1 character in a path or image
  // name printed to a log can rewrite the screen, and the docs promise "no control characters".
  const controls = [
    ...Array.from({ length: 0x20 }, (_, code) => code),
    0x7f,
    ...Array.from({ length: 0x20 }, (_, code) => 0x80 + code),
  ].map((code) => String.fromCharCode(code));
  const positions = [
    (c: string, s: string) => c + s,
    (c: string, s: string) => s + c,
    (c: string, s: string) => s.slice(0, 2) + c + s.slice(2),
  ];

  it.each(controls.map((character) => [`U+${character.charCodeAt(0).toString(16).padStart(4, "0")}`, character]))(
    "refuses %s at the start, the middle and the end",
    (_code, character) => {
      for (const at of positions) {
        expect(accepts(ImageSchema, at(character, "alpine")), "image").toBe(false);
        expect(accepts(MountSourceSchema, at(character, "/srv/data")), "source").toBe(false);
        expect(accepts(MountSourceSchema, at(character, "data")), "volume source").toBe(false);
        expect(accepts(MountTargetSchema, `/${at(character, "data")}`), "target").toBe(false);
        expect(accepts(ContainerPathSchema, `/${at(character, "work")}`), "container path").toBe(false);
        expect(accepts(FilePathSchema, `/${at(character, "file")}`), "file path").toBe(false);
        expect(validateContainerConfig(configWith(["image"], at(character, "alpine"))), "config image").toBe(false);
        const mount = { source: at(character, "/srv/data"), target: `/${at(character, "data")}` };
        const issues = containerConfigIssues(configWith(["volumes"], [mount])).map((issue) => issue.path);
        expect(issues).toEqual(["volumes.0.source", "volumes.0.target"]);
      }
    },
  );

  it("accepts the characters just outside the ranges, in paths (U+00A0 and beyond; an image refuses whitespace too)", () => {
    for (const character of ["~", "\u00a0", "\u00a1", "\u00ff", "\u2028", "é", "😀"]) {
      expect(accepts(MountSourceSchema, `/srv/${character}`), character).toBe(true);
      expect(accepts(MountTargetSchema, `/${character}`), character).toBe(true);
      expect(accepts(ContainerPathSchema, `/${character}`), character).toBe(true);
    }
    expect(accepts(ImageSchema, "alpine~1")).toBe(true);
    expect(accepts(ImageSchema, "registry/é:1")).toBe(true);
    expect(accepts(ImageSchema, "alpine\u00a0")).toBe(false);
  });

  it("CONTROL_CHARACTER_PATTERN matches exactly C0, DEL and C1", () => {
    const wrong: number[] = [];
    for (let code = 0; code < 0x1_0000; code += 1) {
      const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
      if (CONTROL_CHARACTER_PATTERN.test(String.fromCharCode(code)) !== control) wrong.push(code);
    }
    expect(wrong).toEqual([]);
  });
});
