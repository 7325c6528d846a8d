/**
 * The clauses of the contract, by id. docs/INTERFACE_CONTRACT.md states each
 * one in full and lists, beside it, the conformance cases that check it (the
 * list is generated from the case data, see `renderClauseCases`).
 *
 * @module
 */

/** One clause: its id, a short title, and where it is checked when no conformance case can check it. */
export type ContractClause = {
  /** Stable id such as `C-LIFECYCLE-START`, used in the document's markers and in each case. */
  readonly id: string;
  /** The clause's heading in docs/INTERFACE_CONTRACT.md. */
  readonly title: string;
  /**
   * For clauses about the package rather than a driver (builders, error
   * classes, schemas): the package's own tests that check them.
   */
  readonly checkedBy?: string;
};

/**
 * Every clause of the contract. The order is the order of
 * docs/INTERFACE_CONTRACT.md.
 */
export const CONTRACT_CLAUSES = [
  { id: "C-IDENTITY-NAME", title: "A driver has a non-empty name" },
  { id: "C-IDENTITY-VERSION", title: "A driver has a semantic version" },
  { id: "C-METHODS", title: "A driver implements every method of the interface" },
  { id: "C-CAPABILITIES", title: "Optional capabilities are declared, and only known ones" },
  {
    id: "C-PACKAGE",
    title: "Package, entry points and builds",
    checkedBy: "scripts/check-package.sh (publint, attw, ESM and CommonJS consumers of the packed tarball)",
  },
  {
    id: "C-SCHEMAS",
    title: "Types are inferred from strict schemas",
    checkedBy: "tests/contract/schemas.test.ts, tests/types/*.test-d.ts",
  },
  {
    id: "C-VALUE-RULES",
    title: "Value rules beyond the shapes",
    checkedBy: "tests/contract/rules.test.ts, tests/property/parse.property.test.ts",
  },
  {
    id: "C-INPUT-LIMITS",
    title:
      "Inputs are bounded before they are read element by element, and validation never throws what the input throws",
    checkedBy:
      "tests/property/parse.property.test.ts, tests/validation/bounds.test.ts, tests/contract/input-limits.test.ts, tests/property/hostile.property.test.ts, tests/mocks/hostile-input.test.ts",
  },
  {
    id: "C-VALIDATORS",
    title: "validateXxx never throws; parseXxx throws ConfigurationError with every issue",
    checkedBy:
      "tests/validation/parse.test.ts, tests/property/validators.property.test.ts, tests/property/hostile.property.test.ts",
  },
  {
    id: "C-BUILDERS",
    title: "Builders return complete objects with secure defaults",
    checkedBy: "tests/builders.test.ts, tests/property/builders.property.test.ts",
  },
  { id: "C-CONFIG-VALIDATION", title: "createContainer validates its config first" },
  { id: "C-OPTIONS-VALIDATION", title: "Filters and options are validated" },
  { id: "C-CREATE-INSTANCE", title: "createContainer returns the new container in status created" },
  { id: "C-STATE-DERIVED", title: "state is derived from status" },
  { id: "C-LIFECYCLE-START", title: "startContainer follows the transition table" },
  { id: "C-LIFECYCLE-STOP", title: "stopContainer follows the transition table" },
  { id: "C-LIFECYCLE-REMOVE", title: "removeContainer removes a container in any status" },
  { id: "C-NOT-FOUND", title: "An unknown id is a NotFound error" },
  { id: "C-GET-NULL", title: "getContainer resolves null for an unknown id" },
  { id: "C-FAILED-CREATE-ATOMIC", title: "A rejected createContainer leaves nothing behind" },
  { id: "C-LIMITS", title: "Requests above the driver's limits are a ResourceLimitError" },
  { id: "C-FILTERS", title: "listContainers returns the containers that match every filter field" },
  { id: "C-LOGS", title: "getContainerLogs honours tail, since, timestamps and follow" },
  { id: "C-LOGS-BOUNDED", title: "A log read keeps at most maxBytes characters: the newest whole lines" },
  { id: "C-HEALTH", title: "healthCheck reports status, version, uptime and counts" },
  { id: "C-CONTAINER-HEALTH", title: "isContainerHealthy is true exactly when the container runs" },
  { id: "C-VOLUMES", title: "Volumes: unique names, NotFound, in use" },
  { id: "C-VOLUME-MOUNTS", title: "A volume mount names a created volume" },
  { id: "C-NETWORKS", title: "Networks: unique names, NotFound, in use" },
  { id: "C-NETWORK-NONE", title: "The network 'none' means no network" },
  { id: "C-ERRORS", title: "Every error is a DriverError with its documented code and retryable flag" },
  {
    id: "C-ERROR-CLASSES",
    title: "The error hierarchy: codes, flags, fields, toJSON, guards",
    checkedBy: "tests/errors.test.ts",
  },
  { id: "C-CONCURRENCY", title: "Concurrent calls are safe" },
  { id: "C-CLEANUP", title: "Removing what was created leaves nothing behind" },
  {
    id: "C-RESILIENCE",
    title: "Retry, timeouts and circuit breaking are the caller's policies",
    checkedBy: "tests/resilience/*.test.ts",
  },
  { id: "C-EXEC-OUTPUT", title: "Execution: a command's output reaches the logs" },
  { id: "C-EXEC-EXIT-CODE", title: "Execution: a command that ends leaves the container exited with its code" },
  { id: "C-EXEC-ENV", title: "Execution: env vars arrive and the host's do not leak in" },
  { id: "C-EXEC-FOLLOW", title: "Execution: follow returns the lines written while it waits" },
  // Capability `isolation` (contract 1.1). The two C-EXEC-* ids were execution clauses in 1.0; ids are stable.
  { id: "C-EXEC-SECURITY", title: "Isolation: security settings hold inside the container" },
  { id: "C-ISOLATION-NETWORK", title: "Isolation: network none leaves only loopback" },
  { id: "C-ISOLATION-MOUNTS", title: "Isolation: mounts appear at their targets, read-only where asked" },
  { id: "C-EXEC-VOLUMES", title: "Isolation: volumes are shared between containers" },
  // Capability `limits` (contract 1.1).
  { id: "C-LIMITS-INSIDE", title: "Limits: memory, pids and cpu limits hold inside the container" },
  { id: "C-LIMITS-OOM", title: "Limits: a container killed for memory says so" },

  // Capability `streams` (contract 1.1).
  { id: "C-STREAMS-STDIN", title: "Streams: stdin is written to the main command on every start, then closed" },
  { id: "C-STREAMS-LIVE", title: "Streams: onLine receives each line as the container writes it" },
  { id: "C-STREAMS-ABORT", title: "Streams: an aborted log read settles within 5 s with the lines so far" },
  { id: "C-STREAMS-ONE-STREAM", title: "Streams: a log read can ask for stdout or stderr only" },

  // Capability `exec` (contract 1.1).
  { id: "C-COMMAND-RESULT", title: "exec: the result holds the command's exit code and output" },
  { id: "C-COMMAND-IO", title: "exec: stdout and stderr apart, stdin written then closed" },
  { id: "C-COMMAND-CONTEXT", title: "exec: env, workingDir and user apply; the container's are the defaults" },
  { id: "C-COMMAND-STREAM", title: "exec: onOutput receives the output while the command runs" },
  { id: "C-COMMAND-KILL", title: "exec: a timeout or an abort kills the command and everything it started" },
  { id: "C-COMMAND-BOUNDED", title: "exec: output beyond maxOutputBytes is dropped and flagged" },
  { id: "C-COMMAND-CONCURRENT", title: "exec: several commands run at once in one container" },
  { id: "C-COMMAND-STATE", title: "exec: only a running container runs a command" },
  { id: "C-COMMAND-REQUEST", title: "exec: an invalid request is a ConfigurationError before anything runs" },

  // Capability `files` (contract 1.1).
  { id: "C-FILES-BINARY", title: "Files: what is written is read back byte for byte" },
  { id: "C-FILES-STREAMING", title: "Files: a file larger than memory streams in and out" },
  { id: "C-FILES-READ-LIMIT", title: "Files: readFile reads at most maxBytes" },
  { id: "C-FILES-PARENTS", title: "Files: missing parent directories are created" },
  { id: "C-FILES-OWNER-MODE", title: "Files: the file belongs to the container's user and has the mode asked for" },
  { id: "C-FILES-NOT-FOUND", title: "Files: a missing file or container is a NotFound error" },
  { id: "C-FILES-PATHS", title: "Files: paths are absolute and normalised; any other name is kept as it is" },
  {
    id: "C-FILES-READ-ONLY",
    title: "Files: a write the file system refuses is a FileSystemError, never a silent success",
  },
  {
    id: "C-FILES-BAD-TARGET",
    title: "Files: a directory in the way, or a parent that is a file, is a FileSystemError",
  },
  { id: "C-FILES-CONCURRENT", title: "Files: concurrent writes to one path leave one writer's whole content" },
  { id: "C-FILES-PERSISTENCE", title: "Files: a file outlives a stop and start of its container" },
  { id: "C-FILES-STATUS", title: "Files: on a container that does not run, files work or are a ContainerStateError" },
  { id: "C-FILES-ABORT", title: "Files: an aborted transfer rejects with OperationAbortedError" },

  // Capability `pause` (contract 1.1).
  { id: "C-PAUSE-TRANSITIONS", title: "Pause: pauseContainer and resumeContainer follow the transition table" },
  { id: "C-PAUSE-PROCESSES", title: "Pause: processes are frozen while paused and keep their memory" },

  // Capability `expiry` (contract 1.1).
  { id: "C-EXPIRY-TTL", title: "Expiry: ttlMs sets expiresAt" },
  { id: "C-EXPIRY-REMOVAL", title: "Expiry: the driver removes an expired container" },
  { id: "C-EXPIRY-SET", title: "Expiry: setContainerExpiry moves or clears the expiry" },

  // Capability `idempotency` (contract 1.1).
  { id: "C-IDEMPOTENCY-SAME", title: "Idempotency: creates with one key return one container" },
  { id: "C-IDEMPOTENCY-CONFLICT", title: "Idempotency: one key with another config is IdempotencyConflictError" },

  // close() and cleanup() (contract 1.1, every driver that has them).
  { id: "C-RELEASE-CLOSE", title: "close() frees the driver instance and leaves every runtime object" },
  { id: "C-RELEASE-CLEANUP", title: "cleanup() removes the namespace's objects and reports what it could not" },
] as const satisfies readonly ContractClause[];

/** The id of one of {@link CONTRACT_CLAUSES}. */
export type ContractClauseId = (typeof CONTRACT_CLAUSES)[number]["id"];
