/**
 * The pure parts of the Swarm driver, without a cluster: a config as a
 * service spec, a service and its tasks as the contract's status, the
 * placement rules, the options.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError, createDriverConfig } from "../../../src/index.js";
import { OWNER_LABELS } from "../../docker-driver/src/labels.js";
import { resolveSwarmDriverOptions, swarmOptionsFromEnvironment } from "../src/options.js";
import { nodeMismatch } from "../src/placement.js";
import { unenforcedPaths } from "../src/service-create.js";
import { resourcesFromSpec, SWARM_LABELS, serviceName, toServiceSpec } from "../src/service-spec.js";
import { type ServiceView, sortTasks, statusOfService, toSwarmInstance } from "../src/service-status.js";
import type { SwarmService, SwarmTask } from "../src/swarm-api.js";

const IMAGE = "sha256:09b8a7fad24ef3fe8abbab38885090c5f58db4fae940225b01881699ae0f6441";

function spec(input: Parameters<typeof createDriverConfig>[0] = { sessionId: "s.1", image: IMAGE }) {
  return toServiceSpec(createDriverConfig(input), {
    driver: "swarm",
    namespace: "ns",
    name: "oa-s-1-0a1b2c3d4e5f",
    tmpfsSizeMb: 64,
    init: true,
    stopGraceMs: 2_000,
    networkId: undefined,
    constraints: ["node.id!=n3"],
    unenforced: ["resources.disk"],
  });
}

let version = 10;
function task(
  state: string,
  extra: Partial<SwarmTask["Status"]> & { node?: string; created?: string } = {},
): SwarmTask {
  version += 1;
  const { node, created, ...status } = extra;
  return {
    ID: `task${version}`,
    ServiceID: "svc",
    NodeID: node ?? "n1",
    CreatedAt: created ?? `2026-01-01T00:00:${String(version).padStart(2, "0")}Z`,
    Version: { Index: version },
    DesiredState: "running",
    Status: { State: state, Timestamp: "2026-01-01T00:01:00Z", ...status },
  };
}

function view(
  replicas: number,
  tasks: SwarmTask[],
  labels: Record<string, string> = {},
  nodeState = "ready",
): ServiceView {
  const base = spec();
  const service: SwarmService = {
    ID: "abcdefghijklmnopqrstuvwxy",
    Version: { Index: 3 },
    CreatedAt: "2026-01-01T00:00:00Z",
    Spec: { ...base, Labels: { ...base.Labels, ...labels }, Mode: { Replicated: { Replicas: replicas } } },
  };
  return {
    service,
    tasks: sortTasks(tasks),
    nodeStates: new Map([["n1", { id: "n1", hostname: "swarm-node1", state: nodeState, active: true }]]),
  };
}

const ran = (code: number) => ({
  Message: "started",
  ContainerStatus: { ContainerID: "c".repeat(64), ExitCode: code },
});

describe("toServiceSpec", () => {
  it("maps every config field, with no replica, restart none and dnsrr", () => {
    const result = spec({
      sessionId: "s.1",
      image: IMAGE,
      command: ["sh", "-c", "exit 3"],
      env: { A: "b c" },
      labels: { role: "x" },
      resources: { cpu: 0.5, memory: 128, pids: 64, disk: 10 },
      volumes: [{ source: "vol", target: "/data", type: "volume", readOnly: true }],
    });
    const container = result.TaskTemplate.ContainerSpec;
    expect(result.Mode).toEqual({ Replicated: { Replicas: 0 } });
    expect(result.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
    expect(result.EndpointSpec).toEqual({ Mode: "dnsrr" });
    expect(result.UpdateConfig?.FailureAction).toBe("continue");
    expect(container.Image).toBe(IMAGE);
    expect(container.Args).toEqual(["sh", "-c", "exit 3"]);
    expect(container.Env).toEqual(["A=b c"]);
    expect(container.User).toBe("openagent");
    expect(container.ReadOnly).toBe(true);
    expect(container.Init).toBe(true);
    expect(container.CapabilityDrop).toEqual(["ALL"]);
    expect(container.Privileges).toEqual({ NoNewPrivileges: true });
    expect(container.StopGracePeriod).toBe(2_000_000_000);
    expect(container.Mounts).toEqual([
      { Type: "volume", Source: "vol", Target: "/data", ReadOnly: true },
      { Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 64 * 1024 * 1024 } },
    ]);
    expect(result.TaskTemplate.Resources?.Limits).toEqual({
      NanoCPUs: 500_000_000,
      MemoryBytes: 128 * 1024 * 1024,
      Pids: 64,
    });
    expect(result.TaskTemplate.Networks).toBeUndefined();
    expect(result.TaskTemplate.Placement?.Constraints).toEqual(["node.id!=n3"]);
    expect(result.Labels).toMatchObject({
      role: "x",
      [OWNER_LABELS.driver]: "swarm",
      [OWNER_LABELS.namespace]: "ns",
      [OWNER_LABELS.session]: "s.1",
      [OWNER_LABELS.diskMb]: "10",
      [SWARM_LABELS.unenforced]: "resources.disk",
    });
    // The container spec carries the ownership labels too, so a node's own view shows the owner.
    expect(container.Labels).toMatchObject({ [OWNER_LABELS.namespace]: "ns", [OWNER_LABELS.session]: "s.1" });
    expect(resourcesFromSpec(result)).toEqual({ cpu: 0.5, memory: 128, pids: 64, disk: 10 });
  });

  it("joins the overlay network by ID, and gives no tmpfs to a writable root", () => {
    const result = toServiceSpec(
      createDriverConfig({ sessionId: "s", image: IMAGE, network: "net", security: { readOnly: false } }),
      {
        driver: "swarm",
        namespace: "ns",
        name: "oa-s-1",
        tmpfsSizeMb: 64,
        init: false,
        stopGraceMs: 0,
        networkId: "netid",
        constraints: [],
        unenforced: [],
      },
    );
    expect(result.TaskTemplate.Networks).toEqual([{ Target: "netid" }]);
    expect(result.TaskTemplate.ContainerSpec.Mounts).toEqual([]);
    expect(result.TaskTemplate.ContainerSpec.Args).toBeUndefined();
  });
});

describe("serviceName", () => {
  it("is a DNS label component of at most 63 characters whatever the session id", () => {
    for (const session of ["s.1", "a".repeat(128), "x_y-z", "...a", "9"]) {
      const name = serviceName(session, "0a1b2c3d4e5f");
      expect(name).toMatch(/^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
    expect(serviceName("s.1", "ff")).toBe("oa-s-1-ff");
  });
});

describe("statusOfService", () => {
  it("0 replicas and no task is created; with the stopped marker, stopped", () => {
    expect(statusOfService(view(0, [])).status).toBe("created");
    expect(statusOfService(view(0, [], { [SWARM_LABELS.stopped]: "true" })).status).toBe("stopped");
  });

  it("a task on its way or running is running, and only a running one has startedAt", () => {
    expect(statusOfService(view(1, [])).status).toBe("running");
    const pending = statusOfService(view(1, [task("pending")]));
    expect(pending).toMatchObject({ status: "running", startedAt: undefined });
    const running = statusOfService(view(1, [task("running", { Timestamp: "2026-01-01T00:02:00Z" })]));
    expect(running).toMatchObject({ status: "running", startedAt: Date.parse("2026-01-01T00:02:00Z") });
  });

  it("an ended task is exited with its exit code, or stopped under the marker", () => {
    expect(statusOfService(view(1, [task("failed", ran(3))]))).toMatchObject({ status: "exited", exitCode: 3 });
    expect(statusOfService(view(1, [task("complete", ran(0))]))).toMatchObject({ status: "exited", exitCode: 0 });
    const stopped = view(1, [task("failed", ran(143))], { [SWARM_LABELS.stopped]: "true" });
    expect(statusOfService(stopped)).toMatchObject({ status: "stopped", exitCode: 143 });
  });

  it("a task rejected before its container ran has no exit code (state error)", () => {
    const rejected = view(1, [
      task("rejected", {
        Message: "preparing",
        Err: "No such image",
        ContainerStatus: { ContainerID: "", ExitCode: 0 },
      }),
    ]);
    const instance = toSwarmInstance(rejected, { socketOf: () => undefined });
    expect(instance).toMatchObject({ status: "exited", state: "error", taskError: "No such image" });
    expect(instance.exitCode).toBeUndefined();
  });

  it("the newest task decides: a new task after an ended one", () => {
    const tasks = [
      task("running", { created: "2026-01-01T00:00:05Z" }),
      task("failed", { ...ran(1), created: "2026-01-01T00:00:01Z" }),
    ];
    expect(statusOfService(view(1, tasks)).task?.Status.State).toBe("running");
  });

  it("a task whose node is down is dead, not running forever; unknown (after a leader change) is not", () => {
    expect(statusOfService(view(1, [task("running")], {}, "down"))).toMatchObject({ status: "dead", lost: true });
    expect(statusOfService(view(1, [task("running")], {}, "disconnected")).status).toBe("dead");
    expect(statusOfService(view(1, [task("running")], {}, "unknown")).status).toBe("running");
    // Once ended, the node's state no longer matters: the task's end is known.
    expect(statusOfService(view(1, [task("failed", ran(255))], {}, "down")).status).toBe("exited");
  });

  it("the instance names the container on its node and what is not enforced", () => {
    const instance = toSwarmInstance(view(1, [task("running", ran(0))]), { socketOf: () => "/run/n1.sock" });
    expect(instance.endpoint).toBe(`unix:///run/n1.sock:/containers/${"c".repeat(64)}`);
    expect(instance.unenforced).toEqual(["resources.disk"]);
    expect(instance.sessionId).toBe("s.1");
    expect(instance.image).toBe(IMAGE);
    expect(instance.labels[OWNER_LABELS.namespace]).toBeUndefined();
  });
});

describe("placement and node settings", () => {
  const config = createDriverConfig({ sessionId: "s", image: IMAGE });
  it("network none needs a node without a default bridge", () => {
    expect(nodeMismatch(config, { defaultBridge: true })).toMatch(/default bridge/);
    expect(nodeMismatch(config, { defaultBridge: false })).toBeUndefined();
    expect(nodeMismatch({ ...config, network: "net" }, { defaultBridge: true })).toBeUndefined();
  });

  it("no-new-privileges is enforced only by the nodes, and false is refused where they force it", () => {
    expect(unenforcedPaths({ nodeNoNewPrivileges: true }, config)).toEqual(["resources.disk"]);
    expect(unenforcedPaths({ nodeNoNewPrivileges: false }, config)).toEqual([
      "resources.disk",
      "security.noNewPrivileges",
    ]);
    const lax = { ...config, security: { ...config.security, noNewPrivileges: false } };
    expect(unenforcedPaths({ nodeNoNewPrivileges: false }, lax)).toEqual(["resources.disk"]);
    expect(() => unenforcedPaths({ nodeNoNewPrivileges: true }, lax)).toThrow(ConfigurationError);
  });
});

describe("options", () => {
  it("needs managers and nodes, and names every bad entry", () => {
    const error = (() => {
      try {
        resolveSwarmDriverOptions({ managers: [], nodes: {}, namespace: "bad name", startTimeoutMs: -1 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues?.map((issue) => issue.path)).toEqual([
      "managers",
      "nodes",
      "namespace",
      "startTimeoutMs",
    ]);
  });

  it("reads the test cluster's environment", () => {
    const options = swarmOptionsFromEnvironment({
      SWARM_MANAGER_SOCKETS: "/a.sock,/b.sock",
      SWARM_NODE_ID_SOCKETS: "id1=/a.sock,id2=/b.sock",
      SWARM_NODE_NO_NEW_PRIVILEGES: "1",
    });
    expect(options).toEqual({
      managers: ["/a.sock", "/b.sock"],
      nodes: { id1: "/a.sock", id2: "/b.sock" },
      nodeNoNewPrivileges: true,
    });
    expect(swarmOptionsFromEnvironment({})).toBeUndefined();
  });
});
