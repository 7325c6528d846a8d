/**
 * A reference model of a mock driver's containers, small enough to be
 * obviously right: the lifecycle comes from `transitionFor` (the one table),
 * runtime events from their documented rules, the exit codes from
 * `MOCK_EXIT_CODES`. The model-based tests compare every observation of a
 * real mock with it.
 */
import { type LifecycleOperation, stateForStatus, transitionFor } from "../../src/lifecycle.js";
import type { ContainerFilter, ContainerStatus } from "../../src/contract/schemas.js";
import { MOCK_EXIT_CODES } from "../mocks/index.js";

/** One container as the model sees it. */
export type ModelContainer = {
  status: ContainerStatus;
  exitCode: number | undefined;
  readonly sessionId: string;
  readonly labels: Readonly<Record<string, string>>;
};

/** What a call did: resolved (`ok`), or the name of the error it rejected with. */
export type Outcome = string;

/** A container reference: a slot (creation order) or an id that never existed. */
export type Slot = number | "missing";

/** Containers by slot (creation order); `null` once removed. */
export class ReferenceModel {
  readonly slots: (ModelContainer | null)[] = [];

  /** A new container in status `created`; returns its slot. */
  create(sessionId: string, labels: Readonly<Record<string, string>>): number {
    this.slots.push({ status: "created", exitCode: undefined, sessionId, labels });
    return this.slots.length - 1;
  }

  /** The outcome of `operation` on `slot`, applied to the model. */
  apply(operation: LifecycleOperation, slot: Slot, force = false): Outcome {
    const container = slot === "missing" ? null : (this.slots[slot] ?? null);
    if (container === null || slot === "missing") return "ContainerNotFoundError";
    const transition = transitionFor(operation, container.status);
    switch (transition.kind) {
      case "noop":
        return "ok";
      case "reject":
        return transition.error;
      case "move":
        container.status = transition.to;
        if (transition.to === "running") container.exitCode = undefined;
        if (transition.to === "stopped") container.exitCode = force ? MOCK_EXIT_CODES.killed : MOCK_EXIT_CODES.stopped;
        return "ok";
      case "delete":
        this.slots[slot] = null;
        return "ok";
    }
  }

  /** Runtime event: the process exits; applies to a container whose state is running. */
  exit(slot: number, exitCode: number): boolean {
    const container = this.slots[slot];
    if (!container || stateForStatus(container.status) !== "running") return false;
    container.status = "exited";
    container.exitCode = exitCode;
    return true;
  }

  /** Runtime event: a running container is paused. */
  pause(slot: number): boolean {
    const container = this.slots[slot];
    if (container?.status !== "running") return false;
    container.status = "paused";
    return true;
  }

  /** Runtime event: the container dies. */
  die(slot: number): boolean {
    const container = this.slots[slot];
    if (!container || container.status === "dead") return false;
    container.status = "dead";
    return true;
  }

  /** Slots that `listContainers(filter)` must return, in creation order. */
  list(filter: ContainerFilter = {}): number[] {
    const result: number[] = [];
    this.slots.forEach((container, slot) => {
      if (container === null) return;
      if (filter.sessionId !== undefined && container.sessionId !== filter.sessionId) return;
      if (filter.status !== undefined && container.status !== filter.status) return;
      if (filter.state !== undefined && stateForStatus(container.status, container.exitCode) !== filter.state) return;
      for (const [key, value] of Object.entries(filter.label ?? {})) {
        if (container.labels[key] !== value) return;
      }
      result.push(slot);
    });
    return result;
  }

  /** What `healthCheck` must count. */
  counts(): { total: number; running: number; stopped: number } {
    const live = this.slots.filter((container): container is ModelContainer => container !== null);
    const running = live.filter((container) => container.status === "running").length;
    return { total: live.length, running, stopped: live.length - running };
  }
}

/** The name of what a promise did: `ok`, or the error's name. */
export async function outcomeOf(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}
