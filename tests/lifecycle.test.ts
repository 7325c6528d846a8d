import { describe, expect, it } from "vitest";
import {
  CONTAINER_STATUSES,
  CONTAINER_TRANSITIONS,
  type ContainerState,
  type ContainerStatus,
  ContainerStateSchema,
  CONTAINER_OPERATIONS,
  LIFECYCLE_OPERATIONS,
  stateForStatus,
  statusesAfter,
  type Transition,
  transitionFor,
} from "../src/index.js";

/*
 * The expected values below are written out from CONTRACT_NOTES ("Status and
 * state"), not read from the table: the point is that the table matches the
 * decision, so a change to either must be made on purpose.
 */

const expectedState: Record<Exclude<ContainerStatus, "exited">, ContainerState> = {
  running: "running",
  paused: "running",
  created: "terminated",
  stopped: "terminated",
  removing: "terminated",
  dead: "error",
};

const running: Transition = { kind: "move", to: "running" };
const stopped: Transition = { kind: "move", to: "stopped" };
const noop: Transition = { kind: "noop" };
const startError: Transition = { kind: "reject", error: "ContainerStartError" };
const gone: Transition = { kind: "delete" };

const expectedTable: Record<"start" | "stop" | "remove", Record<ContainerStatus, Transition>> = {
  // start: created, stopped, exited → running; running → no-op; paused, dead → ContainerStartError.
  // removing is not in the notes; the lifecycle module decides it behaves like dead.
  start: {
    created: running,
    running: noop,
    paused: startError,
    stopped: running,
    removing: startError,
    exited: running,
    dead: startError,
  },
  // stop: running, paused → stopped; created, stopped, exited, dead → no-op (removing like dead).
  stop: {
    created: noop,
    running: stopped,
    paused: stopped,
    stopped: noop,
    removing: noop,
    exited: noop,
    dead: noop,
  },
  // remove: any state → gone.
  remove: {
    created: gone,
    running: gone,
    paused: gone,
    stopped: gone,
    removing: gone,
    exited: gone,
    dead: gone,
  },
};

describe("stateForStatus", () => {
  it.each(Object.entries(expectedState))("maps %s to %s", (status, state) => {
    expect(stateForStatus(status as ContainerStatus)).toBe(state);
    // The exit code only matters for exited.
    expect(stateForStatus(status as ContainerStatus, 1)).toBe(state);
    expect(stateForStatus(status as ContainerStatus, 0)).toBe(state);
  });

  it("maps exited with code 0 to terminated", () => {
    expect(stateForStatus("exited", 0)).toBe("terminated");
  });

  it.each([1, 2, 126, 127, 137, 255, -1])("maps exited with code %i to error", (code) => {
    expect(stateForStatus("exited", code)).toBe("error");
  });

  it("maps exited with an unknown exit code to error", () => {
    expect(stateForStatus("exited")).toBe("error");
    expect(stateForStatus("exited", undefined)).toBe("error");
    expect(stateForStatus("exited", Number.NaN)).toBe("error");
  });

  it("covers every status and yields only valid states", () => {
    for (const status of CONTAINER_STATUSES) {
      expect(ContainerStateSchema.safeParse(stateForStatus(status, 0)).success).toBe(true);
    }
  });
});

describe("the transition table", () => {
  it("has exactly the operations start, stop, remove and every status for each", () => {
    expect([...LIFECYCLE_OPERATIONS].sort()).toEqual(["remove", "start", "stop"]);
    for (const operation of LIFECYCLE_OPERATIONS) {
      expect(Object.keys(CONTAINER_TRANSITIONS[operation]).sort()).toEqual([...CONTAINER_STATUSES].sort());
    }
  });

  it("keeps the 1.0 rows equal to the table of CONTRACT_NOTES", () => {
    const { start, stop, remove } = CONTAINER_TRANSITIONS;
    expect({ start, stop, remove }).toEqual(expectedTable);
  });

  it("adds exactly the 1.1 rows pause, resume and exec, as docs/INTERFACE_CONTRACT.md states them", () => {
    const refused = { kind: "reject", error: "ContainerStateError" };
    const onlyFrom = (status: ContainerStatus, transition: object) =>
      Object.fromEntries(CONTAINER_STATUSES.map((each) => [each, each === status ? transition : refused]));
    expect(Object.keys(CONTAINER_TRANSITIONS)).toEqual([...CONTAINER_OPERATIONS]);
    expect(CONTAINER_TRANSITIONS.pause).toEqual({
      ...onlyFrom("running", { kind: "move", to: "paused" }),
      paused: { kind: "noop" },
    });
    expect(CONTAINER_TRANSITIONS.resume).toEqual({
      ...onlyFrom("paused", { kind: "move", to: "running" }),
      running: { kind: "noop" },
    });
    expect(CONTAINER_TRANSITIONS.exec).toEqual(onlyFrom("running", { kind: "noop" }));
  });

  it.each(
    LIFECYCLE_OPERATIONS.flatMap((operation) => CONTAINER_STATUSES.map((status) => [operation, status] as const)),
  )("transitionFor(%s, %s) reads the table", (operation, status) => {
    expect(transitionFor(operation, status)).toEqual(expectedTable[operation][status]);
    expect(transitionFor(operation, status)).toBe(CONTAINER_TRANSITIONS[operation][status]);
  });

  it("is frozen all the way down, so no driver can change it for everyone", () => {
    expect(Object.isFrozen(CONTAINER_TRANSITIONS)).toBe(true);
    for (const operation of CONTAINER_OPERATIONS) {
      expect(Object.isFrozen(CONTAINER_TRANSITIONS[operation])).toBe(true);
      for (const status of CONTAINER_STATUSES) {
        expect(Object.isFrozen(CONTAINER_TRANSITIONS[operation][status])).toBe(true);
      }
    }
    expect(() => {
      (CONTAINER_TRANSITIONS.start as Record<string, Transition>).dead = running;
    }).toThrow(TypeError);
  });

  it("never moves a container to a status that is not a status", () => {
    for (const operation of CONTAINER_OPERATIONS) {
      for (const status of CONTAINER_STATUSES) {
        const transition = transitionFor(operation, status);
        if (transition.kind === "move") expect(CONTAINER_STATUSES).toContain(transition.to);
      }
    }
  });
});

describe("statusesAfter", () => {
  it.each(
    LIFECYCLE_OPERATIONS.flatMap((operation) => CONTAINER_STATUSES.map((status) => [operation, status] as const)),
  )("after %s from %s", (operation, status) => {
    const transition = expectedTable[operation][status];
    const expected = transition.kind === "move" ? [transition.to] : transition.kind === "delete" ? null : [status];
    expect(statusesAfter(operation, status)).toEqual(expected);
  });

  it("gives the documented examples", () => {
    expect(statusesAfter("stop", "running")).toEqual(["stopped"]);
    expect(statusesAfter("start", "dead")).toEqual(["dead"]);
    expect(statusesAfter("start", "running")).toEqual(["running"]);
    expect(statusesAfter("remove", "running")).toBeNull();
  });
});
