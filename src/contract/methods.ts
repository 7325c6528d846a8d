/**
 * The method table: what the package knows about each method of
 * `ContainerDriver`, one row per method. `withPolicies` builds its wrapper
 * from it, `toDriverError` picks an operation's failure error from it, the
 * mock drivers' fault injection and the conformance suite's checking wrapper
 * and not-found cases read it, and docs/INTERFACE_CONTRACT.md renders its
 * table from it. Adding a method is one row here plus its implementation:
 * the table must have a row for every method of `ContainerDriver`, or this
 * file does not compile.
 *
 * @module
 */
import type { DriverErrorName } from "../errors/definitions.js";
import type { FailureErrorName } from "../errors/failures.js";
import type { ContainerDriver, DriverCapability } from "./driver.js";

/** The names of the members of `Driver` that are methods, required or optional. */
export type MethodNamesOf<Driver> = {
  [Key in keyof Driver]-?: NonNullable<Driver[Key]> extends (...args: never[]) => unknown ? Key : never;
}[keyof Driver];

/** The name of every method of {@link ContainerDriver}, required or optional. */
export type AnyDriverMethod = MethodNamesOf<ContainerDriver>;

/**
 * What a call names as its subject, read from its first argument: a
 * container, volume or network id (`containerId`, `volumeId`, `networkId`),
 * the `name` of a volume or network config (`volumeName`, `networkName`), or
 * nothing (`none`). The keys are those of `ErrorMappingContext`, so mapping an
 * error of the call names the right resource.
 */
export type MethodSubject = "containerId" | "volumeId" | "networkId" | "volumeName" | "networkName" | "none";

/**
 * What a call does to its resource:
 * - `creates`: makes a new one (retrying after an ambiguous failure could make two);
 * - `removes`: deletes one (a retry that finds it gone after an ambiguous attempt succeeded);
 * - `changes`: moves one to another state (safe to repeat: the table makes repeats no-ops);
 * - `reads`: changes nothing;
 * - `runs`: runs something inside a container (repeating runs it twice).
 */
export type MethodEffect = "creates" | "removes" | "changes" | "reads" | "runs";

/**
 * The deadline a caller's policy gives each attempt (see `withPolicies`):
 * - `call`: the ordinary per-call deadline;
 * - `grace`: at least the stop's grace period plus a margin, so a polite stop is never cut short;
 * - `follow`: none while the call follows a container (`follow: true`), else the ordinary one;
 * - `none`: none; the call bounds itself (its own timeout option) or is a probe with its own deadline.
 */
export type MethodDeadline = "call" | "grace" | "follow" | "none";

/** What the table must be: one row for every method of {@link ContainerDriver}, so a method without a row fails to compile. */
export type MethodTable = { readonly [Method in AnyDriverMethod]: MethodFacts };

/** One row of {@link DRIVER_METHOD_TABLE}. */
export type MethodFacts = {
  /** What the method acts on; `driver` for the driver itself. */
  readonly resource: "container" | "volume" | "network" | "driver";
  /** See {@link MethodSubject}. */
  readonly subject: MethodSubject;
  /** See {@link MethodEffect}. */
  readonly effect: MethodEffect;
  /**
   * Whether repeating the call after an ambiguous failure is harmless:
   * `true`, `false`, or `with-key` (a create whose config carries an
   * `idempotencyKey`: the driver returns the same container for the same key).
   */
  readonly idempotent: boolean | "with-key";
  /**
   * The error that means "this operation failed" (`toDriverError` gives it to
   * a failure it cannot classify better); `undefined` for reads, which have none.
   */
  readonly failure: FailureErrorName | undefined;
  /**
   * The errors the method rejects with by contract, besides the transport
   * errors any method may give (`TimeoutError`, `NetworkError`,
   * `AuthenticationError`, `AuthorizationError`, `FileSystemError`,
   * `CircuitOpenError`, `UnexpectedError`).
   */
  readonly rejects: readonly DriverErrorName[];
  /** The capability a driver declares to promise the method; `undefined` for the methods every driver has. */
  readonly capability: DriverCapability | undefined;
  /** Whether a driver may leave the method out (every gated method, and `close`/`cleanup`). */
  readonly optional: boolean;
  /** See {@link MethodDeadline}. */
  readonly deadline: MethodDeadline;
  /** What the call does, in a few words; docs render it. */
  readonly summary: string;
};

const CONTAINER_ID_ERRORS = ["ContainerNotFoundError", "ConfigurationError"] as const;
const FILE_READ_ERRORS = [
  ...CONTAINER_ID_ERRORS,
  "ContainerStateError",
  "FileNotFoundError",
  "FileSystemError",
  "OperationAbortedError",
] as const;

/** A read of one container by its id, as `getContainerLogs` and `isContainerHealthy` are. */
const CONTAINER_READ_FACTS = {
  resource: "container",
  subject: "containerId",
  effect: "reads",
  idempotent: true,
  failure: undefined,
  rejects: CONTAINER_ID_ERRORS,
  capability: undefined,
  optional: false,
} as const;

/** `pauseContainer` and `resumeContainer` differ only in what they do. */
const PAUSE_FACTS = {
  resource: "container",
  subject: "containerId",
  effect: "changes",
  idempotent: true,
  failure: undefined,
  rejects: [...CONTAINER_ID_ERRORS, "ContainerStateError"],
  capability: "pause",
  optional: true,
  deadline: "call",
} as const;

/**
 * One row per method of {@link ContainerDriver}, in the order the contract
 * document lists them. Frozen; read it, do not change it.
 *
 * @example
 * ```ts
 * DRIVER_METHOD_TABLE.startContainer.failure; // "ContainerStartError"
 * Object.entries(DRIVER_METHOD_TABLE).filter(([, facts]) => facts.effect === "creates"); // the three creates
 * ```
 */
export const DRIVER_METHOD_TABLE = deepFreeze({
  createContainer: {
    resource: "container",
    subject: "none",
    effect: "creates",
    idempotent: "with-key",
    failure: "ContainerCreationError",
    rejects: [
      "ConfigurationError",
      "ResourceLimitError",
      "VolumeNotFoundError",
      "NetworkNotFoundError",
      "ContainerCreationError",
    ],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "create a container in status created",
  },
  startContainer: {
    resource: "container",
    subject: "containerId",
    effect: "changes",
    idempotent: true,
    failure: "ContainerStartError",
    rejects: [...CONTAINER_ID_ERRORS, "ContainerStartError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "start a container, as the transition table says",
  },
  stopContainer: {
    resource: "container",
    subject: "containerId",
    effect: "changes",
    idempotent: true,
    failure: "ContainerStopError",
    rejects: [...CONTAINER_ID_ERRORS, "ContainerStopError"],
    capability: undefined,
    optional: false,
    deadline: "grace",
    summary: "stop a container, as the transition table says",
  },
  removeContainer: {
    resource: "container",
    subject: "containerId",
    effect: "removes",
    idempotent: true,
    failure: "ContainerRemoveError",
    rejects: [...CONTAINER_ID_ERRORS, "ContainerRemoveError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "remove a container in any status, stopping it first",
  },
  getContainer: {
    ...CONTAINER_READ_FACTS,
    // An unknown id is not an error here: the call resolves null.
    rejects: ["ConfigurationError"],
    deadline: "call",
    summary: "the container, or null for an unknown id",
  },
  listContainers: {
    resource: "container",
    subject: "none",
    effect: "reads",
    idempotent: true,
    failure: undefined,
    rejects: ["ConfigurationError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "the containers that match every filter field",
  },
  getContainerLogs: {
    ...CONTAINER_READ_FACTS,
    deadline: "follow",
    summary: "the container's output, shaped by the log options",
  },
  healthCheck: {
    resource: "driver",
    subject: "none",
    effect: "reads",
    idempotent: true,
    failure: "DriverHealthError",
    rejects: ["DriverHealthError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "the driver's health; unhealthy rather than a rejection",
  },
  isContainerHealthy: { ...CONTAINER_READ_FACTS, deadline: "call", summary: "true when the container runs" },
  createVolume: {
    resource: "volume",
    subject: "volumeName",
    effect: "creates",
    idempotent: false,
    failure: "VolumeCreationError",
    rejects: ["ConfigurationError", "VolumeCreationError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "create a named volume",
  },
  removeVolume: {
    resource: "volume",
    subject: "volumeId",
    effect: "removes",
    idempotent: true,
    failure: "VolumeRemoveError",
    rejects: ["ConfigurationError", "VolumeNotFoundError", "VolumeRemoveError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "remove a volume no container uses",
  },
  createNetwork: {
    resource: "network",
    subject: "networkName",
    effect: "creates",
    idempotent: false,
    failure: "NetworkCreationError",
    rejects: ["ConfigurationError", "NetworkCreationError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "create a named network",
  },
  removeNetwork: {
    resource: "network",
    subject: "networkId",
    effect: "removes",
    idempotent: true,
    failure: "NetworkRemoveError",
    rejects: ["ConfigurationError", "NetworkNotFoundError", "NetworkRemoveError"],
    capability: undefined,
    optional: false,
    deadline: "call",
    summary: "remove a network no container uses",
  },
  execInContainer: {
    resource: "container",
    subject: "containerId",
    effect: "runs",
    idempotent: false,
    failure: "ExecError",
    rejects: [...CONTAINER_ID_ERRORS, "ContainerStateError", "ExecError"],
    capability: "exec",
    optional: true,
    // The request's own timeoutMs kills the command; a caller's deadline would only abandon it, still running.
    deadline: "none",
    summary: "run a command in a running container",
  },
  writeFile: {
    resource: "container",
    subject: "containerId",
    effect: "changes",
    idempotent: true,
    failure: undefined,
    rejects: [...CONTAINER_ID_ERRORS, "ContainerStateError", "FileSystemError", "OperationAbortedError"],
    capability: "files",
    optional: true,
    deadline: "none",
    summary: "write a file into a container, streamed",
  },
  readFile: {
    resource: "container",
    subject: "containerId",
    effect: "reads",
    idempotent: true,
    failure: undefined,
    rejects: [...FILE_READ_ERRORS, "ResourceLimitError"],
    capability: "files",
    optional: true,
    deadline: "none",
    summary: "read a whole file from a container",
  },
  readFileStream: {
    resource: "container",
    subject: "containerId",
    effect: "reads",
    idempotent: true,
    failure: undefined,
    rejects: FILE_READ_ERRORS,
    capability: "files",
    optional: true,
    // The deadline covers opening the stream; reading it is the caller's pace.
    deadline: "call",
    summary: "read a file from a container as a stream of chunks",
  },
  pauseContainer: { ...PAUSE_FACTS, summary: "freeze a running container" },
  resumeContainer: { ...PAUSE_FACTS, summary: "thaw a paused container" },
  setContainerExpiry: {
    resource: "container",
    subject: "containerId",
    effect: "changes",
    idempotent: true,
    failure: undefined,
    rejects: [...CONTAINER_ID_ERRORS],
    capability: "expiry",
    optional: true,
    deadline: "call",
    summary: "move a container's expiry, or clear it",
  },
  close: {
    resource: "driver",
    subject: "none",
    effect: "changes",
    idempotent: true,
    failure: undefined,
    rejects: [],
    capability: undefined,
    optional: true,
    deadline: "call",
    summary: "free what the driver instance holds; runtime objects stay",
  },
  cleanup: {
    resource: "driver",
    subject: "none",
    effect: "removes",
    idempotent: true,
    failure: undefined,
    rejects: [],
    capability: undefined,
    optional: true,
    deadline: "none",
    summary: "remove every container, volume and network of the namespace",
  },
} as const satisfies MethodTable);

/** The table's own type, for reading a row's literal facts at the type level. */
export type DriverMethodTable = typeof DRIVER_METHOD_TABLE;

/** Every method name of the table, in its order. */
export const ALL_DRIVER_METHODS: readonly AnyDriverMethod[] = Object.freeze(
  Object.keys(DRIVER_METHOD_TABLE) as AnyDriverMethod[],
);

/** The methods every driver has: the rows that are not optional. */
export type DriverMethod = {
  [Method in AnyDriverMethod]: DriverMethodTable[Method]["optional"] extends false ? Method : never;
}[AnyDriverMethod];

/** The names of the methods every driver implements, in the table's order (the thirteen of contract 1.0). */
export const DRIVER_METHODS: readonly DriverMethod[] = Object.freeze(
  ALL_DRIVER_METHODS.filter((method): method is DriverMethod => !DRIVER_METHOD_TABLE[method].optional),
);

/** The methods a driver may leave out: those gated by a capability, and `close`/`cleanup`. */
export type OptionalDriverMethod = Exclude<AnyDriverMethod, DriverMethod>;

/**
 * A driver that declares `Capability` and so must have its methods: the
 * compile-time form of what the conformance suite checks at run time.
 *
 * @example
 * ```ts
 * function runTests(driver: DriverWith<"exec" | "files">) {
 *   return driver.execInContainer("c-1", { command: ["make", "test"] }); // no `?.` needed
 * }
 * ```
 */
export type DriverWith<Capability extends DriverCapability> = ContainerDriver &
  Required<Pick<ContainerDriver, MethodsOfCapability<Capability>>>;

/** The methods a driver must have once it declares `capability`. */
export type MethodsOfCapability<Capability extends DriverCapability> = {
  [Method in AnyDriverMethod]: DriverMethodTable[Method]["capability"] extends Capability ? Method : never;
}[AnyDriverMethod];

/**
 * The methods a driver must have for the capabilities it declares: the
 * required ones, plus the rows gated by a declared capability.
 *
 * @example
 * ```ts
 * methodsRequiredBy(["exec"]); // [...DRIVER_METHODS, "execInContainer"]
 * ```
 */
export function methodsRequiredBy(capabilities: readonly string[]): AnyDriverMethod[] {
  return ALL_DRIVER_METHODS.filter((method) => {
    const { capability, optional } = DRIVER_METHOD_TABLE[method];
    return !optional || (capability !== undefined && capabilities.includes(capability));
  });
}

/**
 * Whether `name` is a method of the table (a string from a caller, a config
 * file or a command line).
 *
 * @example
 * ```ts
 * isDriverMethod("startContainer"); // true
 * isDriverMethod("toString"); // false
 * ```
 */
export function isDriverMethod(name: unknown): name is AnyDriverMethod {
  return typeof name === "string" && Object.hasOwn(DRIVER_METHOD_TABLE, name);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
