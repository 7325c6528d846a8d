/**
 * Log rotation as a secure default: every container's create request carries
 * the driver's log config (json-file, 10 MB × 3 unless configured), and a bad
 * `logConfig` option is a ConfigurationError naming the entry.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, createDriverConfig } from "../../../src/index.js";
import { toCreateOptions } from "../src/mapping.js";
import { DOCKER_DRIVER_DEFAULTS, resolveDockerDriverOptions } from "../src/options.js";

const config = createDriverConfig({ sessionId: "s1", image: "img:1" });
const context = {
  driver: "docker",
  namespace: "ns",
  name: "oa-ns-s1-00000000",
  disk: { enforced: false },
  tmpfsSizeMb: 64,
  init: true,
} as const;

function issuesOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues.map((issue) => issue.path);
  }
  throw new Error("expected a ConfigurationError");
}

describe("log config", () => {
  it("rotates json-file logs at 10 MB, three files, by default", () => {
    const { logConfig } = resolveDockerDriverOptions({});
    expect(logConfig).toEqual({ type: "json-file", options: { "max-size": "10m", "max-file": "3" } });
    const body = toCreateOptions(config, { ...context, logConfig });
    expect(body.HostConfig?.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
  });

  it("takes another driver and options, or leaves it to the engine's own default", () => {
    const local = { type: "local", options: { "max-size": "20m" } };
    expect(resolveDockerDriverOptions({ logConfig: local }).logConfig).toEqual(local);
    const engineDefault = resolveDockerDriverOptions({ logConfig: "engine-default" }).logConfig;
    expect(engineDefault).toBeUndefined();
    expect(toCreateOptions(config, { ...context, logConfig: engineDefault }).HostConfig?.LogConfig).toBeUndefined();
  });

  it("refuses a driver that keeps nothing, a malformed name and non-string options, naming each", () => {
    expect(issuesOf(() => resolveDockerDriverOptions({ logConfig: { type: "none", options: {} } }))).toEqual([
      "logConfig.type",
    ]);
    const bad = { type: "json file", options: { "max-size": 10, "": "x" } } as never;
    expect(issuesOf(() => resolveDockerDriverOptions({ logConfig: bad }))).toEqual([
      "logConfig.type",
      "logConfig.options.max-size",
      "logConfig.options.",
    ]);
    expect(
      issuesOf(() => resolveDockerDriverOptions({ logConfig: { type: "local", options: null } as never })),
    ).toEqual(["logConfig.options"]);
  });

  it("keeps an option named __proto__ as an option", () => {
    const options = JSON.parse('{"__proto__": "x", "max-size": "1m"}') as Record<string, string>;
    const resolved = resolveDockerDriverOptions({ logConfig: { type: "json-file", options } }).logConfig;
    expect(Object.keys(resolved?.options ?? {})).toEqual(["__proto__", "max-size"]);
  });

  it("is frozen in the defaults, so no caller can loosen it for every driver", () => {
    expect(Object.isFrozen(DOCKER_DRIVER_DEFAULTS.logConfig)).toBe(true);
    expect(Object.isFrozen(DOCKER_DRIVER_DEFAULTS.logConfig.options)).toBe(true);
  });
});
