/**
 * Not-found behaviour of every method, generated from the method table
 * (`ALL_DRIVER_METHODS`, the optional 1.1 methods included): each method
 * either has probes here or a stated reason why an unknown id does not apply
 * to it, so a method added to the contract cannot be forgotten. The probes of
 * a method behind a capability belong to that capability's tier, so they run
 * only for a driver that declares it.
 *
 * @module
 */
import type { DriverErrorName } from "../../errors.js";
import type { ContainerDriver } from "../../contract/driver.js";
import { ALL_DRIVER_METHODS, type AnyDriverMethod, DRIVER_METHOD_TABLE } from "../../contract/methods.js";
import { check, ConformanceCheckError } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

type Probe = {
  /** Appended to the case id when a method has several probes. */
  readonly variant?: string;
  readonly checks: string;
  readonly run: (context: CaseContext, missingId: string) => Promise<void>;
};

function rejects(
  expected: DriverErrorName,
  call: (context: CaseContext, missingId: string) => Promise<unknown>,
  what: string,
): Probe {
  return {
    checks: `${what} rejects with ${expected}`,
    run: async (context, missingId) => {
      await context.expectError(() => call(context, missingId), expected, what);
    },
  };
}

/** The optional `method` of the driver under test, failing the case when the driver does not have it. */
function optional<Method extends AnyDriverMethod>(
  context: CaseContext,
  method: Method,
): NonNullable<ContainerDriver[Method]> {
  const found = context.driver[method];
  if (typeof found !== "function") throw new ConformanceCheckError(`the driver has no method ${method}`);
  return found as NonNullable<ContainerDriver[Method]>;
}

/** A path for the file methods' probes: valid, so only the id is wrong. */
const PROBE_PATH = "/tmp/conformance-probe.txt";

/**
 * What an unknown id does to each method. `null`: the method takes no id, so
 * the clause does not apply (the reason is in {@link METHODS_WITHOUT_ID}).
 */
const PROBES: Readonly<Record<AnyDriverMethod, readonly Probe[] | null>> = {
  createContainer: [
    {
      variant: "volume",
      checks: "createContainer with a mount of a volume that does not exist rejects with VolumeNotFoundError",
      run: async (context, missingId) => {
        const before = (await context.ownContainers()).length;
        const config = context.containerConfig({ volumes: [{ source: missingId, target: "/data", type: "volume" }] });
        await context.expectError(
          () => context.driver.createContainer(config),
          "VolumeNotFoundError",
          "createContainer with a missing volume",
        );
        const after = (await context.ownContainers()).length;
        check(after === before, `a rejected createContainer left ${after - before} container(s) behind`);
      },
    },
    {
      variant: "network",
      checks: "createContainer on a network that does not exist rejects with NetworkNotFoundError",
      run: async (context, missingId) => {
        const before = (await context.ownContainers()).length;
        const config = context.containerConfig({ network: missingId });
        await context.expectError(
          () => context.driver.createContainer(config),
          "NetworkNotFoundError",
          "createContainer on a missing network",
        );
        const after = (await context.ownContainers()).length;
        check(after === before, `a rejected createContainer left ${after - before} container(s) behind`);
      },
    },
  ],
  startContainer: [
    rejects("ContainerNotFoundError", (c, id) => c.driver.startContainer(id), "startContainer(unknown id)"),
  ],
  stopContainer: [
    rejects("ContainerNotFoundError", (c, id) => c.driver.stopContainer(id), "stopContainer(unknown id)"),
  ],
  removeContainer: [
    rejects("ContainerNotFoundError", (c, id) => c.driver.removeContainer(id), "removeContainer(unknown id)"),
  ],
  getContainer: [
    {
      checks: "getContainer(unknown id) resolves null and does not throw",
      run: async (context, missingId) => {
        let found: unknown;
        try {
          found = await context.driver.getContainer(missingId);
        } catch (error) {
          const name = error instanceof Error ? error.name : typeof error;
          check(false, `getContainer(unknown id) should resolve null; it rejected with ${name}`);
        }
        check(found === null, `getContainer(unknown id) should resolve null; it resolved ${String(found)}`);
      },
    },
  ],
  listContainers: [
    {
      checks: "listContainers for a session id nobody used resolves an empty list",
      run: async (context, missingId) => {
        const listed = await context.driver.listContainers({ sessionId: missingId });
        check(Array.isArray(listed), "listContainers should resolve an array");
        check(listed.length === 0, `listContainers for an unused session id returned ${listed.length}`);
      },
    },
  ],
  getContainerLogs: [
    rejects("ContainerNotFoundError", (c, id) => c.driver.getContainerLogs(id), "getContainerLogs(unknown id)"),
  ],
  // healthCheck takes no id: there is nothing to be missing.
  healthCheck: null,
  isContainerHealthy: [
    rejects("ContainerNotFoundError", (c, id) => c.driver.isContainerHealthy(id), "isContainerHealthy(unknown id)"),
  ],
  createVolume: null,
  removeVolume: [rejects("VolumeNotFoundError", (c, id) => c.driver.removeVolume(id), "removeVolume(unknown id)")],
  createNetwork: null,
  removeNetwork: [rejects("NetworkNotFoundError", (c, id) => c.driver.removeNetwork(id), "removeNetwork(unknown id)")],
  execInContainer: [
    rejects(
      "ContainerNotFoundError",
      (c, id) => optional(c, "execInContainer")(id, { command: ["true"] }),
      "execInContainer(unknown id)",
    ),
  ],
  writeFile: [
    rejects(
      "ContainerNotFoundError",
      (c, id) => optional(c, "writeFile")(id, PROBE_PATH, "probe"),
      "writeFile(unknown id)",
    ),
  ],
  readFile: [
    rejects("ContainerNotFoundError", (c, id) => optional(c, "readFile")(id, PROBE_PATH), "readFile(unknown id)"),
  ],
  readFileStream: [
    rejects(
      "ContainerNotFoundError",
      (c, id) => optional(c, "readFileStream")(id, PROBE_PATH),
      "readFileStream(unknown id)",
    ),
  ],
  pauseContainer: [
    rejects("ContainerNotFoundError", (c, id) => optional(c, "pauseContainer")(id), "pauseContainer(unknown id)"),
  ],
  resumeContainer: [
    rejects("ContainerNotFoundError", (c, id) => optional(c, "resumeContainer")(id), "resumeContainer(unknown id)"),
  ],
  setContainerExpiry: [
    rejects(
      "ContainerNotFoundError",
      (c, id) => optional(c, "setContainerExpiry")(id, null),
      "setContainerExpiry(unknown id)",
    ),
  ],
  close: null,
  cleanup: null,
};

/** Methods without an id argument, and why the not-found clause does not apply to them. */
export const METHODS_WITHOUT_ID: Readonly<Partial<Record<AnyDriverMethod, string>>> = {
  healthCheck: "takes no id",
  createVolume: "takes a new name, not an id (a taken name is volumes.create.duplicate)",
  createNetwork: "takes a new name, not an id (a taken name is networks.create.duplicate)",
  close: "takes no id",
  cleanup: "takes no id",
};

/**
 * One case per probe of every method of the table. A method behind a
 * capability is probed in that capability's tier, so a driver that does not
 * declare it is not asked.
 */
export const NOT_FOUND_CASES: readonly ConformanceCase[] = ALL_DRIVER_METHODS.flatMap((method) =>
  (PROBES[method] ?? []).map(
    (probe): ConformanceCase => ({
      id: `errors.not-found.${method}${probe.variant === undefined ? "" : `.${probe.variant}`}`,
      tier: DRIVER_METHOD_TABLE[method].capability ?? "core",
      clause: method === "getContainer" ? "C-GET-NULL" : "C-NOT-FOUND",
      checks: probe.checks,
      run: (context) => probe.run(context, context.uniqueName("missing")),
    }),
  ),
);

/** After removal, the id is unknown to every method: a removed container is not half there. */
export const AFTER_REMOVE_CASE: ConformanceCase = {
  id: "errors.not-found.after-remove",
  tier: "core",
  clause: "C-NOT-FOUND",
  checks:
    "after removeContainer, getContainer resolves null and start, stop, remove, logs and isContainerHealthy reject with ContainerNotFoundError",
  run: async (context) => {
    const { id } = await context.createRunningContainer();
    await context.driver.removeContainer(id);
    const after = await context.driver.getContainer(id);
    check(after === null, `getContainer of a removed container should resolve null; it shows ${after?.status}`);
    const calls: readonly [string, () => Promise<unknown>][] = [
      ["startContainer", () => context.driver.startContainer(id)],
      ["stopContainer", () => context.driver.stopContainer(id)],
      ["removeContainer", () => context.driver.removeContainer(id)],
      ["getContainerLogs", () => context.driver.getContainerLogs(id)],
      ["isContainerHealthy", () => context.driver.isContainerHealthy(id)],
    ];
    for (const [method, call] of calls) {
      await context.expectError(call, "ContainerNotFoundError", `${method} of a removed container`);
    }
  },
};
