/**
 * Container configs at and far beyond the size limits (`CONFIG_LIMITS`,
 * `INPUT_LIMITS`), each built by name so that a child process can build and
 * parse one under a heap limit (tests/contract/input-limits.test.ts) and the
 * benchmark can time them (bench/hostile-input.bench.ts). Each of the
 * oversized shapes once crashed the process or took seconds and gigabytes.
 */
import { CONFIG_LIMITS, type ContainerConfig, createDriverConfig, INPUT_LIMITS } from "../../src/index.js";

/** A small valid config to put an oversized field into. */
export function baseConfig(): ContainerConfig {
  return createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" });
}

/** The JSON text of a config whose `command` holds `count` zeros (20 MB for ten million). */
export function jsonWithZeros(count: number): string {
  const zeros = `[${"0,".repeat(count - 1)}0]`;
  return JSON.stringify({ ...baseConfig(), command: ["ZEROS"] }).replace('["ZEROS"]', zeros);
}

/** A record of `count` keys `K0`, `K1`, ... with the value `value`. */
function manyKeys(count: number, value: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index < count; index++) record[`K${index}`] = value;
  return record;
}

/** `depth` objects, each the only value of the one before. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

/** A path of `length` characters: `/` and then segments of 63 letters. */
function longPath(length: number, letter: string): string {
  let path = "";
  while (path.length < length) path += `/${letter.repeat(Math.min(63, length - path.length - 1))}`;
  return path.slice(0, length);
}

/**
 * The largest config the schema accepts: every list and record at its
 * `CONFIG_LIMITS` size, every string at its longest, within the totals.
 */
export function largestValidConfig(): ContainerConfig {
  const argument = "a".repeat(CONFIG_LIMITS.totalLength / CONFIG_LIMITS.commandArguments);
  const envValue = "v".repeat(Math.floor(CONFIG_LIMITS.totalLength / CONFIG_LIMITS.envEntries) - 16);
  const labelValue = "l".repeat(Math.floor(CONFIG_LIMITS.labelsLength / CONFIG_LIMITS.labelEntries) - 16);
  const capabilities = Array.from({ length: CONFIG_LIMITS.capabilities }, (_, index) => `CAP_X${index}`);
  return {
    ...baseConfig(),
    image: "i".repeat(CONFIG_LIMITS.imageLength),
    command: Array.from({ length: CONFIG_LIMITS.commandArguments }, () => argument),
    env: manyKeys(CONFIG_LIMITS.envEntries, envValue),
    labels: manyKeys(CONFIG_LIMITS.labelEntries, labelValue),
    volumes: Array.from({ length: CONFIG_LIMITS.volumes }, (_, index) => ({
      source: longPath(CONFIG_LIMITS.pathLength, String.fromCharCode(97 + (index % 26))),
      target: longPath(CONFIG_LIMITS.pathLength, "t"),
      readOnly: true,
      type: "bind" as const,
    })),
    security: { ...baseConfig().security, capabilities: { drop: capabilities, add: capabilities } },
    stdin: "s".repeat(CONFIG_LIMITS.stdinBytes),
  };
}

/**
 * The most expensive invalid config that still passes the size walk. An
 * array or record beyond its `CONFIG_LIMITS` size is refused by its size
 * alone, so every one is at exactly that size, with every element wrong in
 * its own way (so the schema reads and reports each), strings as long as the
 * `INPUT_LIMITS` totals allow, and as many unknown keys as one object may
 * hold.
 */
export function largestInvalidConfig(): unknown {
  const argument = `${"c".repeat(4_000)}\u0000`;
  const unknownKeys = Object.fromEntries(
    Array.from({ length: INPUT_LIMITS.entries - 20 }, (_, index) => [`unknown${index}`, index]),
  );
  const lowerCase = Array.from({ length: CONFIG_LIMITS.capabilities }, (_, index) => `net_raw${index}`);
  return {
    ...unknownKeys,
    sessionId: "-".repeat(1_000),
    image: `bad image\u009b${"i".repeat(100_000)}`,
    command: Array.from({ length: CONFIG_LIMITS.commandArguments }, () => argument),
    env: Object.fromEntries(
      Array.from({ length: CONFIG_LIMITS.envEntries }, (_, index) => [`${index}-bad`, `x\u0000${"v".repeat(500)}`]),
    ),
    labels: Object.fromEntries(Array.from({ length: CONFIG_LIMITS.labelEntries }, (_, index) => [`l${index}`, index])),
    resources: { cpu: -1, memory: Number.NaN, disk: "big", pids: 1.5, gpu: 1 },
    volumes: Array.from({ length: CONFIG_LIMITS.volumes }, (_, index) => ({
      source: `/src/${index}/${"s".repeat(CONFIG_LIMITS.pathLength)}\u0085`,
      target: `relative/../${"t".repeat(CONFIG_LIMITS.pathLength)}\u0085`,
      type: "tmpfs",
      readOnly: "yes",
      ...Object.fromEntries(Array.from({ length: 200 }, (_, key) => [`extra${key}`, key])),
    })),
    network: "bad network/",
    security: {
      readOnly: "yes",
      noNewPrivileges: 1,
      user: "$(id)",
      capabilities: { drop: lowerCase, add: lowerCase, both: true },
    },
    stdin: "s".repeat(CONFIG_LIMITS.stdinBytes + 1),
    ttlMs: -1,
    idempotencyKey: "/",
  };
}

/** One oversized input: how to build it (JSON text is parsed first, as a server would). */
export type OversizedShape = {
  /** What it is, as the failure reports name it. */
  readonly label: string;
  /** Builds the input; a string is JSON text, parsed before validation. */
  readonly build: () => unknown;
  /** Where the refusal's issue must be: its path starts with this. */
  readonly path: string;
};

/** Every oversized shape the adversarial pass found, and its relatives. */
export const OVERSIZED_SHAPES: Record<string, OversizedShape> = {
  "json-ten-million-zeros": {
    label: "a 20 MB JSON body whose command holds ten million zeros",
    build: () => jsonWithZeros(10_000_000),
    path: "command",
  },
  "million-arguments": {
    label: "a million command arguments",
    build: () => ({ ...baseConfig(), command: new Array(1_000_000).fill("x") }),
    path: "command",
  },
  "sparse-command": {
    label: "a sparse new Array(1e7) as command",
    build: () => ({ ...baseConfig(), command: new Array(10_000_000) }),
    path: "command",
  },
  "sparse-volumes": {
    label: "a sparse new Array(1e7) as volumes",
    build: () => ({ ...baseConfig(), volumes: new Array(10_000_000) }),
    path: "volumes",
  },
  "million-empty-volumes": {
    label: "a million empty volumes",
    build: () => ({ ...baseConfig(), volumes: Array.from({ length: 1_000_000 }, () => ({})) }),
    path: "volumes",
  },
  "hundred-thousand-env-keys": {
    label: "a hundred thousand environment variables",
    build: () => ({ ...baseConfig(), env: manyKeys(100_000, "v") }),
    path: "env",
  },
  "hundred-thousand-label-keys": {
    label: "a hundred thousand labels",
    build: () => ({ ...baseConfig(), labels: manyKeys(100_000, "v") }),
    path: "labels",
  },
  "twenty-megabyte-image": {
    label: "a 20 MB image string",
    build: () => ({ ...baseConfig(), image: "i".repeat(20_000_000) }),
    path: "image",
  },
  "thirty-megabyte-arguments": {
    label: "thirty arguments of 1 MB (30 MB in all)",
    build: () => ({
      ...baseConfig(),
      command: Array.from({ length: 30 }, (_, index) => String(index % 10).repeat(1_000_000)),
    }),
    path: "command",
  },
  "hundred-thousand-deep": {
    label: "labels nested a hundred thousand objects deep",
    build: () => ({ ...baseConfig(), labels: nested(100_000) }),
    path: "labels",
  },
  "many-small-volumes": {
    label: "4,000 volumes of 20 fields each (80,000 values)",
    build: () => ({
      ...baseConfig(),
      volumes: Array.from({ length: 4_000 }, () =>
        Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`f${index}`, index])),
      ),
    }),
    path: "volumes",
  },
};
