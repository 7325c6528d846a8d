/**
 * The pure parts of pause, expiry and idempotency, without an engine: the
 * engine-name grammar (created name, moved expiry, stopped marker), where an
 * expiry is read from, the config fingerprint, the ordering of creation
 * times, and the checks of setContainerExpiry's value and of the options.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, createDriverConfig } from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { parseExpiresAt } from "../src/expiry.js";
import { configFingerprint, createdNanos } from "../src/idempotency.js";
import {
  baseName,
  engineNameParts,
  expiryOf,
  formatEngineName,
  keyedContainerName,
  OWNER_LABELS,
} from "../src/labels.js";
import { toCreateOptions, toInstance } from "../src/mapping.js";

const created = "oa-ns-s.expires-1-0a1b2c3d";
const labels = { [OWNER_LABELS.name]: created };

describe("engine names", () => {
  it("reads the markers after the created name, whatever the created name holds", () => {
    expect(engineNameParts(`/${created}`, labels)).toEqual({ base: created, expiresAt: undefined, stopped: false });
    expect(engineNameParts(`/${created}.expires-1700000000000.stopped`, labels)).toEqual({
      base: created,
      expiresAt: 1_700_000_000_000,
      stopped: true,
    });
    expect(engineNameParts(`${created}.expires-never`, labels)).toEqual({
      base: created,
      expiresAt: null,
      stopped: false,
    });
    expect(engineNameParts(`${created}.stopped`, labels)).toEqual({
      base: created,
      expiresAt: undefined,
      stopped: true,
    });
  });

  it("takes a name someone else renamed to as the name, with no markers but stopped", () => {
    expect(engineNameParts("/renamed-by-hand", labels)).toEqual({
      base: "renamed-by-hand",
      expiresAt: undefined,
      stopped: false,
    });
    expect(engineNameParts(`/${created}-x.expires-5`, labels)).toEqual({
      base: `${created}-x.expires-5`,
      expiresAt: undefined,
      stopped: false,
    });
  });

  it("reads a driver 1.0 container (no name label) from the end", () => {
    expect(engineNameParts("/oa-ns-s1-0a1b2c3d.stopped")).toEqual({
      base: "oa-ns-s1-0a1b2c3d",
      expiresAt: undefined,
      stopped: true,
    });
    expect(engineNameParts("/oa-ns-s1-0a1b2c3d.expires-42.stopped")).toEqual({
      base: "oa-ns-s1-0a1b2c3d",
      expiresAt: 42,
      stopped: true,
    });
  });

  it("formats what it reads back to the same name", () => {
    for (const name of [created, `${created}.stopped`, `${created}.expires-never`, `${created}.expires-9.stopped`]) {
      expect(formatEngineName(engineNameParts(name, labels))).toBe(name);
    }
    expect(baseName(`/${created}.expires-9.stopped`, labels)).toBe(created);
  });

  it("names a keyed container by namespace and key only", () => {
    expect(keyedContainerName("ns", "task-7")).toBe("oa-ns-key-task-7");
  });
});

describe("where the expiry is read from", () => {
  it("a moved expiry in the name wins over the created one in the label; never clears it", () => {
    const withExpiry = { ...labels, [OWNER_LABELS.expiresAt]: "1000" };
    expect(expiryOf(`/${created}`, withExpiry)).toBe(1_000);
    expect(expiryOf(`/${created}.expires-2000`, withExpiry)).toBe(2_000);
    expect(expiryOf(`/${created}.expires-never.stopped`, withExpiry)).toBeUndefined();
    expect(expiryOf(`/${created}`, labels)).toBeUndefined();
    expect(expiryOf(`/${created}`, { ...labels, [OWNER_LABELS.expiresAt]: "soon" })).toBeUndefined();
  });

  it("the instance shows expiresAt and idempotencyKey; the driver's labels stay hidden", () => {
    const config = createDriverConfig({ sessionId: "s1", image: "busybox", ttlMs: 60_000, idempotencyKey: "k1" });
    const body = toCreateOptions(config, {
      driver: "docker",
      namespace: "ns",
      name: "oa-ns-key-k1",
      disk: { enforced: false },
      tmpfsSizeMb: 64,
      logConfig: undefined,
      init: true,
      expiresAt: 123_456,
      idempotency: { key: "k1", fingerprint: configFingerprint(config) },
    });
    const info = {
      Id: "a".repeat(64),
      Name: "/oa-ns-key-k1",
      Created: "2024-05-01T10:00:00.5Z",
      State: { Status: "created", ExitCode: 0, StartedAt: "0001-01-01T00:00:00Z" },
      Config: { Image: "busybox", Labels: body.Labels },
      HostConfig: { NanoCpus: 0, Memory: 0, PidsLimit: 0 },
    } as never;
    const instance = toInstance(info, "/var/run/docker.sock");
    expect(instance).toMatchObject({ expiresAt: 123_456, idempotencyKey: "k1", name: "oa-ns-key-k1", labels: {} });
  });
});

describe("the config fingerprint", () => {
  const base = createDriverConfig({ sessionId: "s1", image: "busybox", idempotencyKey: "k1", env: { A: "1", B: "2" } });

  it("is the same for the same config, whatever the key order or the form of an empty command or a mount", () => {
    const reordered = { ...base, env: { B: "2", A: "1" } };
    expect(configFingerprint(reordered)).toBe(configFingerprint(base));
    expect(configFingerprint({ ...base, command: [] })).toBe(configFingerprint(base));
    const mount = { source: "data", target: "/data" };
    expect(configFingerprint({ ...base, volumes: [mount] })).toBe(
      configFingerprint({ ...base, volumes: [{ ...mount, type: "volume", readOnly: false }] }),
    );
    expect(configFingerprint({ ...base, stdin: "hi" })).toBe(
      configFingerprint({ ...base, stdin: new TextEncoder().encode("hi") }),
    );
  });

  it("changes with every field the caller sets", () => {
    const variants = [
      { ...base, sessionId: "s2" },
      { ...base, image: "alpine" },
      { ...base, command: ["sh"] },
      { ...base, env: { A: "1" } },
      { ...base, labels: { x: "y" } },
      { ...base, resources: { ...base.resources, cpu: 2 } },
      { ...base, security: { ...base.security, readOnly: false } },
      { ...base, network: "other" },
      { ...base, ttlMs: 5 },
      { ...base, stdin: "x" },
    ];
    const prints = new Set([configFingerprint(base), ...variants.map(configFingerprint)]);
    expect(prints.size).toBe(variants.length + 1);
  });
});

describe("creation times to the nanosecond", () => {
  it("orders what Date.parse and string comparison cannot", () => {
    expect(createdNanos("2024-05-01T10:00:00.1234567Z")).toBe(1_714_557_600_123_456_700n);
    expect(createdNanos("2024-05-01T10:00:00.12345678Z") > createdNanos("2024-05-01T10:00:00.1234567Z")).toBe(true);
    expect(createdNanos("2024-05-01T10:00:00Z")).toBe(1_714_557_600_000_000_000n);
    expect(createdNanos("2024-05-01T12:00:00.5+02:00")).toBe(1_714_557_600_500_000_000n);
    expect(createdNanos("yesterday")).toBe(0n);
  });
});

describe("checks before any engine call", () => {
  it("setContainerExpiry takes null or a finite time >= 0, rounded up to the ms", () => {
    expect(parseExpiresAt(null)).toBeNull();
    expect(parseExpiresAt(1.2)).toBe(2);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, "1", undefined, 9e15]) {
      expect(() => parseExpiresAt(bad)).toThrow(ConfigurationError);
    }
  });

  it("the sweep interval and reconcile window are positive durations a timer can hold", () => {
    for (const bad of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => new DockerDriver({ expirySweepIntervalMs: bad })).toThrow(/expirySweepIntervalMs/);
      expect(() => new DockerDriver({ reconcileWindowMs: bad })).toThrow(/reconcileWindowMs/);
    }
  });
});
