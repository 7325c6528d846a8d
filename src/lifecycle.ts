/**
 * The container lifecycle as data: the status → state mapping and the one
 * transition table that mock drivers, real drivers and the conformance suite
 * all read. Nothing else in the project re-states these rules.
 *
 * @module
 */
import type { ContainerState, ContainerStatus } from "./contract/schemas.js";

/**
 * Derive a container's state from its status and, for `exited`, its exit code.
 *
 * - `running`, `paused` → `running`
 * - `created`, `stopped`, `removing` → `terminated`
 * - `exited` → `terminated` when the exit code is 0, `error` otherwise (an
 *   unknown exit code counts as an error: the driver could not show success)
 * - `dead` → `error`
 *
 * @param exitCode - only read for `exited`; leave it out when the runtime did
 *   not report one (the state is then `error`).
 * @example
 * ```ts
 * stateForStatus("exited", 0); // "terminated"
 * stateForStatus("exited", 137); // "error"
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function stateForStatus(status: ContainerStatus, exitCode?: number): ContainerState {
  switch (status) {
    case "running":
    case "paused":
      return "running";
    case "created":
    case "stopped":
    case "removing":
      return "terminated";
    case "exited":
      return exitCode === 0 ? "terminated" : "error";
    case "dead":
      return "error";
  }
}

/** The operations of contract 1.0 whose effect on status the table defines: every driver has them. */
export const LIFECYCLE_OPERATIONS = ["start", "stop", "remove"] as const;

/** One of {@link LIFECYCLE_OPERATIONS}. */
export type LifecycleOperation = (typeof LIFECYCLE_OPERATIONS)[number];

/**
 * The operations contract 1.1 adds to the table, each behind a capability:
 * `pause` and `resume` (capability `pause`), and `exec` (capability `exec`),
 * which changes no status but is only possible in some.
 */
export const CAPABILITY_OPERATIONS = ["pause", "resume", "exec"] as const;

/** One of {@link CAPABILITY_OPERATIONS}. */
export type CapabilityOperation = (typeof CAPABILITY_OPERATIONS)[number];

/** Every operation of the table: {@link LIFECYCLE_OPERATIONS} and {@link CAPABILITY_OPERATIONS}. */
export type ContainerOperation = LifecycleOperation | CapabilityOperation;

/** Every operation of the table, in order. */
export const CONTAINER_OPERATIONS: readonly ContainerOperation[] = Object.freeze([
  ...LIFECYCLE_OPERATIONS,
  ...CAPABILITY_OPERATIONS,
]);

/**
 * What an operation does to a container in a given status.
 *
 * - `move`: the container ends in status `to`.
 * - `noop`: nothing changes and the call resolves.
 * - `reject`: the call rejects with the named error and nothing changes.
 * - `delete`: the container is gone (stopped first if it was running).
 */
export type Transition =
  | { readonly kind: "move"; readonly to: ContainerStatus }
  | { readonly kind: "noop" }
  | { readonly kind: "reject"; readonly error: "ContainerStartError" }
  | { readonly kind: "delete" };

/**
 * What an operation of the table does, the 1.1 operations included: a
 * {@link Transition}, or a refusal with `ContainerStateError` (non-retryable:
 * the status forbids the operation). For `exec`, `noop` means "runs, and the
 * status does not change". {@link Transition} keeps the 1.0 rejections only,
 * so a driver that maps them exhaustively still compiles.
 */
export type ContainerTransition = Transition | { readonly kind: "reject"; readonly error: "ContainerStateError" };

/** The error class a rejecting cell of the table names. */
export type TransitionRejection = Extract<ContainerTransition, { kind: "reject" }>["error"];

const move = (to: ContainerStatus): Transition => Object.freeze({ kind: "move", to });
const noop: Transition = Object.freeze({ kind: "noop" });
const rejectStart: Transition = Object.freeze({ kind: "reject", error: "ContainerStartError" });
const rejectState: ContainerTransition = Object.freeze({ kind: "reject", error: "ContainerStateError" });
const remove: Transition = Object.freeze({ kind: "delete" });

/**
 * The legal transitions: for each operation and each status, what happens.
 * An id that does not exist is not in the table: every operation rejects with
 * `ContainerNotFoundError`, except `getContainer`, which resolves `null`.
 *
 * | status   | start               | stop    | remove |
 * |----------|---------------------|---------|--------|
 * | created  | → running           | no-op   | gone   |
 * | running  | no-op               | → stopped | gone (stopped first) |
 * | paused   | ContainerStartError | → stopped | gone (stopped first) |
 * | stopped  | → running           | no-op   | gone   |
 * | removing | ContainerStartError | no-op   | gone   |
 * | exited   | → running           | no-op   | gone   |
 * | dead     | ContainerStartError | no-op   | gone   |
 *
 * `removing` is not in the specification's notes; it behaves like `dead`
 * (the container is on its way out, so it cannot be started, and stopping or
 * removing it again is harmless).
 *
 * Contract 1.1 adds three rows, each behind its capability:
 *
 * | status   | pause               | resume              | exec                |
 * |----------|---------------------|---------------------|---------------------|
 * | created  | ContainerStateError | ContainerStateError | ContainerStateError |
 * | running  | → paused            | no-op               | runs                |
 * | paused   | no-op               | → running           | ContainerStateError |
 * | stopped  | ContainerStateError | ContainerStateError | ContainerStateError |
 * | removing | ContainerStateError | ContainerStateError | ContainerStateError |
 * | exited   | ContainerStateError | ContainerStateError | ContainerStateError |
 * | dead     | ContainerStateError | ContainerStateError | ContainerStateError |
 */
export const CONTAINER_TRANSITIONS: Readonly<
  Record<LifecycleOperation, Readonly<Record<ContainerStatus, Transition>>> &
    Record<CapabilityOperation, Readonly<Record<ContainerStatus, ContainerTransition>>>
> = Object.freeze({
  start: Object.freeze({
    created: move("running"),
    running: noop,
    paused: rejectStart,
    stopped: move("running"),
    removing: rejectStart,
    exited: move("running"),
    dead: rejectStart,
  }),
  stop: Object.freeze({
    created: noop,
    running: move("stopped"),
    paused: move("stopped"),
    stopped: noop,
    removing: noop,
    exited: noop,
    dead: noop,
  }),
  remove: Object.freeze({
    created: remove,
    running: remove,
    paused: remove,
    stopped: remove,
    removing: remove,
    exited: remove,
    dead: remove,
  }),
  pause: Object.freeze({
    created: rejectState,
    running: move("paused"),
    paused: noop,
    stopped: rejectState,
    removing: rejectState,
    exited: rejectState,
    dead: rejectState,
  }),
  resume: Object.freeze({
    created: rejectState,
    running: noop,
    paused: move("running"),
    stopped: rejectState,
    removing: rejectState,
    exited: rejectState,
    dead: rejectState,
  }),
  exec: Object.freeze({
    created: rejectState,
    running: noop,
    paused: rejectState,
    stopped: rejectState,
    removing: rejectState,
    exited: rejectState,
    dead: rejectState,
  }),
});

/**
 * Look up what `operation` does to a container in `status`.
 *
 * @example
 * ```ts
 * transitionFor("start", "stopped"); // { kind: "move", to: "running" }
 * transitionFor("start", "dead"); // { kind: "reject", error: "ContainerStartError" }
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function transitionFor(operation: LifecycleOperation, status: ContainerStatus): Transition;
export function transitionFor(operation: ContainerOperation, status: ContainerStatus): ContainerTransition;
export function transitionFor(operation: ContainerOperation, status: ContainerStatus): ContainerTransition {
  return CONTAINER_TRANSITIONS[operation][status];
}

/**
 * The statuses a container can be in after `operation` resolved, starting
 * from `status`; `null` when the container is gone. A call that rejected
 * changed nothing, so the container is still in `status`. Used to check that
 * concurrent operations leave a container in a state the table allows.
 *
 * @example
 * ```ts
 * statusesAfter("stop", "running"); // ["stopped"]
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function statusesAfter(
  operation: ContainerOperation,
  status: ContainerStatus,
): readonly ContainerStatus[] | null {
  const transition = transitionFor(operation, status);
  switch (transition.kind) {
    case "move":
      return [transition.to];
    case "noop":
    case "reject":
      return [status];
    case "delete":
      return null;
  }
}
