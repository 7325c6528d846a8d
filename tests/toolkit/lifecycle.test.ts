import { describe, expect, it } from "vitest";
import { CONTAINER_STATUSES, type ContainerStatus } from "../../src/contract/schemas.js";
import { DRIVER_ERROR_DEFINITIONS, isDriverError } from "../../src/errors.js";
import { CONTAINER_OPERATIONS, CONTAINER_TRANSITIONS } from "../../src/lifecycle.js";
import { ContainerLifecycle, checkTransition, OPERATION_METHODS, transitionError } from "../../src/toolkit/index.js";

describe("checkTransition", () => {
  it.each(
    CONTAINER_OPERATIONS.flatMap((operation) => CONTAINER_STATUSES.map((status) => [operation, status] as const)),
  )("%s on %s follows the table", (operation, status) => {
    const cell = CONTAINER_TRANSITIONS[operation][status];
    if (cell.kind !== "reject") {
      expect(checkTransition(operation, "c-1", status)).toEqual(cell);
      return;
    }
    let thrown: unknown;
    try {
      checkTransition(operation, "c-1", status);
    } catch (error) {
      thrown = error;
    }
    expect(isDriverError(thrown)).toBe(true);
    if (!isDriverError(thrown)) return;
    expect(thrown.code).toBe(DRIVER_ERROR_DEFINITIONS[cell.error].code);
    expect(thrown.retryable).toBe(DRIVER_ERROR_DEFINITIONS[cell.error].retryable);
    expect(thrown.context).toMatchObject({ operation: OPERATION_METHODS[operation], containerId: "c-1" });
  });

  it("builds ContainerStateError with the status and the method's name", () => {
    const error = transitionError("ContainerStateError", "c-9", "exited", "pause");
    expect(error).toMatchObject({ name: "ContainerStateError", containerId: "c-9", status: "exited" });
    expect(error.message).toContain("pauseContainer");
  });
});

describe("ContainerLifecycle.apply", () => {
  function container(initial: ContainerStatus | null) {
    let status = initial;
    const calls: string[] = [];
    return {
      calls,
      get status() {
        return status;
      },
      steps: {
        status: () => status,
        move: async (to: ContainerStatus, from: ContainerStatus) => {
          calls.push(`move ${from}->${to}`);
          status = to;
        },
        remove: async (from: ContainerStatus) => {
          calls.push(`remove ${from}`);
          status = null;
        },
      },
    };
  }

  it("carries out a move, skips a no-op, removes on delete, and resolves the cell", async () => {
    const lifecycle = new ContainerLifecycle();
    const c = container("created");
    expect(await lifecycle.apply("c", "start", c.steps)).toEqual({ kind: "move", to: "running" });
    expect(await lifecycle.apply("c", "start", c.steps)).toEqual({ kind: "noop" });
    expect(await lifecycle.apply("c", "remove", c.steps)).toEqual({ kind: "delete" });
    expect(c.calls).toEqual(["move created->running", "remove running"]);
  });

  it("rejects a refusing cell with its error and calls nothing", async () => {
    const lifecycle = new ContainerLifecycle();
    const c = container("dead");
    await expect(lifecycle.apply("c", "start", c.steps)).rejects.toMatchObject({ name: "ContainerStartError" });
    await expect(lifecycle.apply("c", "exec", c.steps)).rejects.toMatchObject({
      name: "ContainerStateError",
      retryable: false,
    });
    expect(c.calls).toEqual([]);
  });

  it("rejects an unknown container with ContainerNotFoundError", async () => {
    await expect(new ContainerLifecycle().apply("gone", "stop", container(null).steps)).rejects.toMatchObject({
      name: "ContainerNotFoundError",
      containerId: "gone",
    });
  });

  it("rejects with UnexpectedError when the cell needs a step the driver did not give", async () => {
    await expect(
      new ContainerLifecycle().apply("c", "start", { status: () => "created" as const }),
    ).rejects.toMatchObject({ name: "UnexpectedError" });
  });

  it("serialises operations on one id and lets different ids run in parallel", async () => {
    const lifecycle = new ContainerLifecycle();
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowStart = lifecycle.apply("a", "start", {
      status: () => "created",
      move: async () => {
        events.push("a start begins");
        await gate;
        events.push("a start ends");
      },
    });
    const stopA = lifecycle.apply("a", "stop", {
      status: () => "running",
      move: () => events.push("a stop"),
    });
    const startB = lifecycle.apply("b", "start", {
      status: () => "created",
      move: () => events.push("b start"),
    });
    await startB;
    expect(events).toEqual(["a start begins", "b start"]);
    release();
    await Promise.all([slowStart, stopA]);
    expect(events).toEqual(["a start begins", "b start", "a start ends", "a stop"]);
    expect(lifecycle.locks.size).toBe(0);
  });
});
