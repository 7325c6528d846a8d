import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type ContainerConfig,
  ContainerConfigSchema,
  type ContainerDriver,
  type ContainerInstance,
  ContainerInstanceSchema,
  CONTAINER_STATES,
  CONTAINER_STATUSES,
  createDriverConfig,
  createResourceLimits,
  createSecurityOptions,
  DRIVER_METHODS,
  type ResourceLimits,
  type ResourceLimitsSchema,
  type SecurityOptions,
  SecurityOptionsSchema,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
  VolumeMountSchema,
} from "../../src/index.js";

const validConfig: ContainerConfig = {
  sessionId: "session-1",
  image: "alpine:3.20",
  command: ["sh", "-c", "echo hello"],
  env: { PATH: "/usr/bin", _private: "1" },
  labels: { "app.kubernetes.io/name": "agent", team: "" },
  resources: { cpu: 1.5, memory: 1024, disk: 2048, pids: 64 },
  volumes: [
    { source: "workspace", target: "/workspace", readOnly: false, type: "volume" },
    { source: "/srv/cache", target: "/cache" },
  ],
  network: "none",
  security: {
    readOnly: true,
    noNewPrivileges: true,
    user: "1000:1000",
    capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
  },
};

describe("schema validation", () => {
  it("accepts a complete, realistic container config and returns it unchanged", () => {
    expect(ContainerConfigSchema.parse(validConfig)).toEqual(validConfig);
    expect(validateContainerConfig(validConfig)).toBe(true);
  });

  it("refuses a config with a missing required field", () => {
    const { security: _security, ...withoutSecurity } = validConfig;
    expect(validateContainerConfig(withoutSecurity)).toBe(false);
    expect(ContainerConfigSchema.safeParse(withoutSecurity).success).toBe(false);
  });

  it("applies the seed's resource bounds: cpu >= 0, memory, disk, pids >= 1", () => {
    const limits = { cpu: 0, memory: 1, disk: 1, pids: 1 };
    expect(validateResourceLimits(limits)).toBe(true);
    expect(validateResourceLimits({ ...limits, cpu: -0.1 })).toBe(false);
    expect(validateResourceLimits({ ...limits, memory: 0 })).toBe(false);
    expect(validateResourceLimits({ ...limits, disk: 0.5 })).toBe(false);
    expect(validateResourceLimits({ ...limits, pids: 0 })).toBe(false);
  });

  it("requires both capability lists and boolean security flags", () => {
    const options = createSecurityOptions();
    expect(validateSecurityOptions(options)).toBe(true);
    expect(validateSecurityOptions({ ...options, capabilities: { drop: ["ALL"] } })).toBe(false);
    expect(validateSecurityOptions({ ...options, readOnly: "true" })).toBe(false);
    expect(SecurityOptionsSchema.safeParse({ ...options, noNewPrivileges: 1 }).success).toBe(false);
  });

  it("accepts a mount with only source and target, and only the two mount types", () => {
    expect(VolumeMountSchema.safeParse({ source: "data", target: "/data" }).success).toBe(true);
    expect(VolumeMountSchema.safeParse({ source: "data", target: "/data", type: "tmpfs" }).success).toBe(false);
  });

  it("validates what a driver returns as a ContainerInstance, with the optional exitCode", () => {
    const instance: ContainerInstance = {
      id: "c-1",
      name: "session-1",
      sessionId: "session-1",
      image: "alpine:3.20",
      status: "exited",
      state: "error",
      endpoint: "http://localhost:8080",
      createdAt: 1,
      startedAt: 2,
      exitCode: 137,
      labels: {},
      resources: createResourceLimits(),
    };
    expect(ContainerInstanceSchema.parse(instance)).toEqual(instance);
    expect(ContainerInstanceSchema.safeParse({ ...instance, status: "zombie" }).success).toBe(false);
  });
});

describe("type inference", () => {
  it("infers ResourceLimits and SecurityOptions from their schemas", () => {
    expectTypeOf<ResourceLimits>().toEqualTypeOf<{ cpu: number; memory: number; disk: number; pids: number }>();
    expectTypeOf<SecurityOptions>().toEqualTypeOf<{
      readOnly: boolean;
      noNewPrivileges: boolean;
      user: string;
      capabilities: { drop: string[]; add: string[] };
    }>();
    // Zod's own inference agrees with the exported names.
    expectTypeOf<ReturnType<typeof ResourceLimitsSchema.parse>>().toEqualTypeOf<ResourceLimits>();
  });

  it("lists the seed's seven statuses, three states and thirteen driver methods", () => {
    expect([...CONTAINER_STATUSES]).toEqual(["created", "running", "paused", "stopped", "removing", "exited", "dead"]);
    expect([...CONTAINER_STATES]).toEqual(["running", "terminated", "error"]);
    expect(DRIVER_METHODS).toHaveLength(13);
    // The thirteen are the members every driver must have; contract 1.1 adds optional ones only.
    type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
    expectTypeOf<(typeof DRIVER_METHODS)[number]>().toEqualTypeOf<
      Exclude<RequiredKeys<ContainerDriver>, "name" | "version">
    >();
  });
});

describe("configuration helpers", () => {
  it("builds a config that validates once a session id and an image are given", () => {
    const config = createDriverConfig({ sessionId: "s-1", image: "busybox" });
    expect(validateContainerConfig(config)).toBe(true);
    expect(validateContainerConfig(createDriverConfig())).toBe(false);
  });

  it("fills in the seed's secure defaults", () => {
    expect(createResourceLimits()).toEqual({ cpu: 0.5, memory: 512, disk: 1024, pids: 100 });
    expect(createSecurityOptions()).toEqual({
      readOnly: true,
      noNewPrivileges: true,
      user: "openagent",
      capabilities: { drop: ["ALL"], add: [] },
    });
  });

  it("keeps given values over defaults and merges nested partials", () => {
    const config = createDriverConfig({
      sessionId: "s-2",
      image: "alpine",
      resources: { memory: 2048 },
      security: { capabilities: { add: ["CHOWN"] } },
    });
    expect(config.resources).toEqual({ cpu: 0.5, memory: 2048, disk: 1024, pids: 100 });
    expect(config.security.capabilities).toEqual({ drop: ["ALL"], add: ["CHOWN"] });
    expect(config.security.user).toBe("openagent");
  });
});
