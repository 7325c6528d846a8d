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
    checkedBy: "tests/types.test.ts, tests/types/*.test-d.ts",
  },
  {
    id: "C-VALUE-RULES",
    title: "Value rules beyond the shapes",
    checkedBy: "tests/contract/rules.test.ts, tests/property/parse.property.test.ts",
  },
  {
    id: "C-VALIDATORS",
    title: "validateXxx never throws; parseXxx throws ConfigurationError with every issue",
    checkedBy: "tests/contract/parse.test.ts, tests/property/validators.property.test.ts",
  },
  {
    id: "C-BUILDERS",
    title: "Builders return complete objects with secure defaults",
    checkedBy: "tests/contract/builders.test.ts, tests/property/builders.property.test.ts",
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
  { id: "C-EXEC-VOLUMES", title: "Execution: volumes are shared between containers" },
  { id: "C-EXEC-ENV", title: "Execution: env vars arrive and the host's do not leak in" },
  { id: "C-EXEC-FOLLOW", title: "Execution: follow returns the lines written while it waits" },
  { id: "C-EXEC-SECURITY", title: "Execution: security settings hold inside the container" },
  // Capability `isolation` (contract 1.1).

  // Capability `limits` (contract 1.1).

  // Capability `streams` (contract 1.1).

  // Capability `exec` (contract 1.1).

  // Capability `files` (contract 1.1).

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
