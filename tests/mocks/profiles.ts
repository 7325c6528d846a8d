/**
 * What makes one mock driver differ from the other: data, not code. Both mock
 * drivers run the same engine (`MockDriver`, `./mock-driver.ts`); a {@link MockProfile} gives it
 * a name, resource limits, operation timing, the shape of ids, endpoints and
 * mount points, and the way failures are reported.
 *
 * docs/MOCK_DRIVERS.md lists every difference between the two profiles.
 *
 * @module
 */
import {
  type DriverError,
  type AnyDriverMethod,
  type ErrorContext,
  NetworkError,
  type ResourceLimits,
  TimeoutError,
} from "../../src/index.js";

/**
 * The kinds of failure a mock reports. Each profile says how it describes
 * them (its reason text and the extra context it attaches), the way a real
 * runtime has its own error vocabulary.
 *
 * - `notFound`: an id or name the driver does not know.
 * - `duplicate`: a volume or network name that is taken.
 * - `inUse`: a volume or network that a container still uses.
 * - `cannotStart`: a container whose status forbids starting (paused, dead).
 * - `transient`: the runtime failed this once (an injected fault); retrying may succeed.
 */
export type MockFailureKind = "notFound" | "duplicate" | "inUse" | "cannotStart" | "transient";

/** How a profile describes one failure: the reason text and the context fields it adds. */
export type MockFailureDescription = {
  /** Human-readable reason, used as the error's `reason` or in its message. */
  readonly reason: string;
  /** Fields added to the error's `context` besides `driver` and `operation`. */
  readonly context: ErrorContext;
};

/**
 * Everything that distinguishes one mock driver from another. A third mock
 * (a different runtime's vocabulary, tighter limits) is one more object of
 * this type passed to `MockDriver`. Its functions are called by the engine,
 * never by a test: they only supply formats and wording.
 *
 * @example
 * ```ts
 * const tight: MockProfile = { ...DOCKER_PROFILE, name: "mock-tight", limits: { cpu: 1, memory: 512, disk: 1024, pids: 64 } };
 * const driver = new MockDriver(tight, { timing: "instant" });
 * ```
 */
export type MockProfile = {
  /** The driver's `name`. */
  readonly name: string;
  /** The driver's `version`. */
  readonly version: string;
  /** The most a container may ask for; above it `createContainer` rejects with `ResourceLimitError`. */
  readonly limits: Readonly<ResourceLimits>;
  /** How long each operation takes by default, in ms, drawn uniformly from `[minMs, maxMs]`. */
  readonly timing: {
    /** Shortest operation time, in ms. */
    readonly minMs: number;
    /** Longest operation time, in ms; equal to `minMs` for a fixed time. */
    readonly maxMs: number;
  };
  /** The `driver` of a volume created without one. */
  readonly defaultVolumeDriver: string;
  /** The `driver` of a network created without one. */
  readonly defaultNetworkDriver: string;
  /**
   * A new id. `sequence` counts from 1 per driver instance and per kind, and
   * is part of every id, so ids stay unique even with a constant `random`.
   */
  makeId(kind: "container" | "volume" | "network", sequence: number, random: () => number): string;
  /** The container's `name`. */
  containerName(sessionId: string, id: string, sequence: number): string;
  /** The container's `endpoint`, where a client would reach it. */
  endpoint(id: string, sequence: number): string;
  /** A volume's `mountpoint` on the host. */
  mountpoint(volumeName: string): string;
  /**
   * How this runtime words a failure. `subject` is the id or name concerned;
   * `detail` is extra text such as the containers that use a volume.
   */
  describe(kind: MockFailureKind, subject: string, detail?: string): MockFailureDescription;
  /**
   * The injected fault of a method that has no error class of its own (reads,
   * removals, health): what this runtime throws when it does not answer.
   * Must be retryable.
   */
  unavailable(method: AnyDriverMethod, context: ErrorContext): DriverError;
};

/** Two hex digits for each byte value: building an id from a table is several times faster than `toString(16)`. */
const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function hex8(random: () => number): string {
  const value = (random() * 0x1_0000_0000) >>> 0;
  return (
    (HEX_BYTES[value >>> 24] as string) +
    (HEX_BYTES[(value >>> 16) & 0xff] as string) +
    (HEX_BYTES[(value >>> 8) & 0xff] as string) +
    (HEX_BYTES[value & 0xff] as string)
  );
}

/** Random hex digits that do not vary between ids; drawn once per random source, so ids stay cheap to make. */
const saltByRandom = new WeakMap<() => number, string>();

/**
 * Docker-style: 64 hex digits. The first 16 are drawn for each id, so the
 * short form (first 12) looks random; the last 12 are the sequence number,
 * so the whole id is unique even when `random` repeats itself.
 */
function dockerStyleId(sequence: number, random: () => number): string {
  let salt = saltByRandom.get(random);
  if (salt === undefined) {
    salt = "";
    for (let i = 0; i < 4; i++) salt += hex8(random);
    salt += hex8(random).slice(0, 4);
    saltByRandom.set(random, salt);
  }
  return `${hex8(random)}${hex8(random)}${salt}${sequence.toString(16).padStart(12, "0")}`;
}

// Docker publishes container ports on the host's ephemeral range.
const EPHEMERAL_PORT_FIRST = 32_768;
const EPHEMERAL_PORT_COUNT = 61_000 - EPHEMERAL_PORT_FIRST;

const dockerStatus = {
  notFound: 404,
  duplicate: 409,
  inUse: 409,
  cannotStart: 409,
  transient: 500,
} as const satisfies Record<MockFailureKind, number>;

/**
 * The Docker-like profile of seeds 002/004: CPU up to 4.0 cores, 100–200 ms
 * per operation, TCP endpoints on the host's ephemeral port range, 64-hex ids,
 * and failures worded the way the Docker Engine API words them, with the HTTP
 * status it would answer in `context.statusCode`.
 */
export const DOCKER_PROFILE: MockProfile = Object.freeze({
  name: "mock-docker",
  version: "1.0.0",
  limits: Object.freeze({ cpu: 4, memory: 16_384, disk: 102_400, pids: 4_096 }),
  timing: Object.freeze({ minMs: 100, maxMs: 200 }),
  defaultVolumeDriver: "local",
  defaultNetworkDriver: "bridge",
  makeId: (_kind: "container" | "volume" | "network", sequence: number, random: () => number) =>
    dockerStyleId(sequence, random),
  containerName: (sessionId: string, id: string) => `openagent-${sessionId}-${id.slice(0, 12)}`,
  endpoint: (_id: string, sequence: number) =>
    `tcp://127.0.0.1:${EPHEMERAL_PORT_FIRST + ((sequence - 1) % EPHEMERAL_PORT_COUNT)}`,
  mountpoint: (volumeName: string) => `/var/lib/docker/volumes/${volumeName}/_data`,
  describe(kind: MockFailureKind, subject: string, detail?: string): MockFailureDescription {
    const statusCode = dockerStatus[kind];
    switch (kind) {
      case "notFound":
        return { reason: `No such object: ${subject}`, context: { statusCode } };
      case "duplicate":
        return { reason: `conflict: the name '${subject}' is already in use`, context: { statusCode } };
      case "inUse":
        return { reason: `conflict: '${subject}' is in use - [${detail ?? ""}]`, context: { statusCode } };
      case "cannotStart":
        return { reason: `cannot start a ${detail ?? "stopped"} container`, context: { statusCode } };
      case "transient":
        return { reason: "engine answered 500 Internal Server Error", context: { statusCode } };
    }
  },
  unavailable: (method: AnyDriverMethod, context: ErrorContext) =>
    new NetworkError(`The Docker-like engine did not answer ${method} (503 Service Unavailable): retry in a moment.`, {
      context: { ...context, statusCode: 503 },
    }),
});

const localErrno = {
  notFound: "ENOENT",
  duplicate: "EEXIST",
  inUse: "EBUSY",
  cannotStart: "EPERM",
  transient: "EAGAIN",
} as const satisfies Record<MockFailureKind, string>;

/**
 * The local-runtime profile of seeds 002/004: CPU up to 2.0 cores, 200–300 ms
 * per operation, a unix socket per container as its endpoint, short
 * sequential ids, and failures worded the way a process on the local machine
 * sees them, with the errno in `context.errno`. A runtime that does not
 * answer is a `TimeoutError` here (a local call hangs rather than being
 * refused), where the Docker-like profile reports a `NetworkError`.
 */
export const LOCAL_PROFILE: MockProfile = Object.freeze({
  name: "mock-local",
  version: "1.0.0",
  limits: Object.freeze({ cpu: 2, memory: 8_192, disk: 51_200, pids: 1_024 }),
  timing: Object.freeze({ minMs: 200, maxMs: 300 }),
  defaultVolumeDriver: "host-directory",
  defaultNetworkDriver: "loopback",
  makeId: (kind: "container" | "volume" | "network", sequence: number) =>
    `local-${kind === "container" ? "ctr" : kind === "volume" ? "vol" : "net"}-${sequence}`,
  containerName: (sessionId: string, _id: string, sequence: number) => `${sessionId}.${sequence}`,
  endpoint: (id: string) => `unix:///run/openagent/${id}.sock`,
  mountpoint: (volumeName: string) => `/var/lib/openagent/volumes/${volumeName}`,
  describe(kind: MockFailureKind, subject: string, detail?: string): MockFailureDescription {
    const errno = localErrno[kind];
    switch (kind) {
      case "notFound":
        return { reason: `${errno}: no such entry '${subject}'`, context: { errno } };
      case "duplicate":
        return { reason: `${errno}: '${subject}' already exists`, context: { errno } };
      case "inUse":
        return { reason: `${errno}: '${subject}' is busy, used by ${detail ?? "a container"}`, context: { errno } };
      case "cannotStart":
        return {
          reason: `${errno}: the container is ${detail ?? "not startable"}; stop or remove it instead`,
          context: { errno },
        };
      case "transient":
        return { reason: `${errno}: the local runtime is busy, try again`, context: { errno } };
    }
  },
  unavailable(method: AnyDriverMethod, context: ErrorContext) {
    return new TimeoutError(method, LOCAL_PROFILE.timing.maxMs, { context });
  },
});
