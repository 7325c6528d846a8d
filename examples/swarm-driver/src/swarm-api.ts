/**
 * The Swarm part of the Engine API the driver uses, typed: services, tasks
 * and nodes. dockerode declares these answers as `any`, and two of its calls
 * send what they should not (docs/SCALE.md, "No registry"): the one-argument
 * `createService(spec)` sends the whole spec as the `X-Registry-Auth` header,
 * and `Service.update(spec)` also puts every field of the spec into the query
 * string. So every call here goes through the client's modem directly, with
 * the body and the query it needs and nothing else.
 *
 * @module
 */
import type Docker from "dockerode";

/** A task's state as swarmkit reports it, in lifecycle order. */
export type TaskState =
  | "new"
  | "allocated"
  | "pending"
  | "assigned"
  | "accepted"
  | "preparing"
  | "ready"
  | "starting"
  | "running"
  | "complete"
  | "shutdown"
  | "failed"
  | "rejected"
  | "remove"
  | "orphaned";

/** A task as `GET /tasks` describes it: the fields the driver reads. */
export type SwarmTask = {
  readonly ID: string;
  readonly ServiceID: string;
  /** Empty until the scheduler placed the task. */
  readonly NodeID?: string;
  readonly Slot?: number;
  readonly CreatedAt: string;
  readonly Version?: { readonly Index?: number };
  /** What the orchestrator wants: `running`, `shutdown`, `remove`. */
  readonly DesiredState: string;
  readonly Status: {
    /** When the task entered its current state. */
    readonly Timestamp?: string;
    readonly State: TaskState | string;
    /** The step it was at: `started` once its container ran, `preparing` when it failed before. */
    readonly Message?: string;
    readonly Err?: string;
    readonly ContainerStatus?: { readonly ContainerID?: string; readonly PID?: number; readonly ExitCode?: number };
  };
};

/** A node as `GET /nodes` describes it: the fields the driver reads. */
export type SwarmNode = {
  readonly ID: string;
  readonly Description?: {
    readonly Hostname?: string;
    readonly Resources?: { readonly NanoCPUs?: number; readonly MemoryBytes?: number };
  };
  /** `ready`, `down`, `disconnected` or `unknown` (for a few seconds after a leader change). */
  readonly Status?: { readonly State?: string; readonly Message?: string; readonly Addr?: string };
  readonly Spec?: { readonly Availability?: string; readonly Role?: string };
  readonly ManagerStatus?: { readonly Leader?: boolean; readonly Reachability?: string; readonly Addr?: string };
};

/** A mount of a service's container. */
export type ServiceMount = {
  readonly Type: "volume" | "bind" | "tmpfs";
  readonly Source?: string;
  readonly Target: string;
  readonly ReadOnly?: boolean;
  readonly TmpfsOptions?: { readonly SizeBytes?: number; readonly Mode?: number };
};

/**
 * A service's spec: the fields of API 1.41 the driver writes and reads. An
 * update sends back the spec the manager returned, spread, so fields the
 * driver does not know survive it.
 */
export type ServiceSpec = {
  readonly Name: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly TaskTemplate: {
    readonly ContainerSpec: {
      readonly Image: string;
      readonly Args?: readonly string[];
      readonly Env?: readonly string[];
      readonly Labels?: Readonly<Record<string, string>>;
      readonly User?: string;
      readonly ReadOnly?: boolean;
      readonly Init?: boolean;
      /** `NoNewPrivileges` exists from API 1.46; a 20.10 manager drops it. */
      readonly Privileges?: { readonly NoNewPrivileges?: boolean };
      readonly CapabilityDrop?: readonly string[];
      readonly CapabilityAdd?: readonly string[];
      readonly Mounts?: readonly ServiceMount[];
      /** Nanoseconds. */
      readonly StopGracePeriod?: number;
    };
    readonly Resources?: {
      readonly Limits?: { readonly NanoCPUs?: number; readonly MemoryBytes?: number; readonly Pids?: number };
    };
    readonly RestartPolicy?: { readonly Condition?: "none" | "on-failure" | "any" };
    readonly Placement?: { readonly Constraints?: readonly string[] };
    readonly Networks?: readonly { readonly Target: string }[];
    /** Changing it makes the orchestrator replace the task: how a container is started again. */
    readonly ForceUpdate?: number;
  };
  readonly Mode: { readonly Replicated?: { readonly Replicas?: number } };
  readonly UpdateConfig?: UpdatePolicy;
  readonly RollbackConfig?: UpdatePolicy;
  readonly EndpointSpec?: { readonly Mode?: "vip" | "dnsrr" };
};

/** How Swarm replaces tasks on an update. */
export type UpdatePolicy = {
  readonly Parallelism: number;
  readonly Delay?: number;
  readonly FailureAction?: "pause" | "continue" | "rollback";
  readonly Order: "stop-first" | "start-first";
};

/** A service as `GET /services/{id}` describes it. */
export type SwarmService = {
  readonly ID: string;
  /** The version an update must name: the manager refuses an update based on an older one. */
  readonly Version: { readonly Index: number };
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
  readonly Spec: ServiceSpec;
};

/** The manager's `GET /info`: the fields the driver reads. */
export type SwarmInfo = {
  readonly ServerVersion?: string;
  readonly Swarm?: {
    readonly NodeID?: string;
    readonly LocalNodeState?: string;
    readonly ControlAvailable?: boolean;
    readonly Error?: string;
    readonly Managers?: number;
    readonly Nodes?: number;
  };
  readonly SecurityOptions?: readonly string[];
};

/** Filters of the list calls: key → accepted values, as the engine takes them. */
export type ListFilters = Readonly<Record<string, readonly string[]>>;

type DialOptions = {
  readonly path: string;
  readonly method: "GET" | "POST" | "DELETE";
  readonly query?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  readonly statusCodes: Readonly<Record<number, string | boolean>>;
  readonly signal: AbortSignal;
};

/** One Engine API call through the client's modem: the body and query given, no registry header. */
function dial<T>(docker: Docker, options: DialOptions): Promise<T> {
  // The modem appends `?` + the query when the path has a `?`, and sends `_body` as JSON for a POST.
  const hasQuery = options.query !== undefined && Object.keys(options.query).length > 0;
  const payload: Record<string, unknown> = {};
  if (hasQuery) payload._query = options.query;
  if (options.body !== undefined) payload._body = options.body;
  return new Promise<T>((resolve, reject) => {
    docker.modem.dial(
      {
        path: hasQuery ? `${options.path}?` : options.path,
        method: options.method,
        ...(Object.keys(payload).length > 0 ? { options: payload } : {}),
        statusCodes: options.statusCodes,
        abortSignal: options.signal,
      },
      (error, data) => (error === null ? resolve(data as T) : reject(error)),
    );
  });
}

const SERVER_ERRORS = { 500: "server error", 503: "node is not part of a swarm" } as const;

/**
 * Create a service; resolves its ID. A name already taken is an HTTP 409.
 *
 * @example
 * ```ts
 * const id = await createService(docker, spec, AbortSignal.timeout(30_000));
 * ```
 */
export async function createService(docker: Docker, spec: ServiceSpec, signal: AbortSignal): Promise<string> {
  const created = await dial<{ ID?: string; Id?: string }>(docker, {
    path: "/services/create",
    method: "POST",
    body: spec,
    statusCodes: {
      200: true,
      201: true,
      400: "bad parameter",
      403: "network is not eligible",
      409: "name conflicts",
      ...SERVER_ERRORS,
    },
    signal,
  });
  const id = created.ID ?? created.Id;
  if (typeof id !== "string")
    throw new Error(`the manager created a service but named no ID: ${JSON.stringify(created)}`);
  return id;
}

/**
 * Replace a service's spec. `version` must be the one the spec was read at:
 * the manager refuses an update based on an older version (HTTP 500 "update
 * out of sequence"), so two writers never overwrite each other unseen.
 *
 * @example
 * ```ts
 * await updateService(docker, service.ID, service.Version.Index, { ...service.Spec, Labels }, signal);
 * ```
 */
export async function updateService(
  docker: Docker,
  id: string,
  version: number,
  spec: ServiceSpec,
  signal: AbortSignal,
): Promise<void> {
  await dial<unknown>(docker, {
    path: `/services/${encodeURIComponent(id)}/update`,
    method: "POST",
    query: { version },
    body: spec,
    statusCodes: { 200: true, 400: "bad parameter", 404: "no such service", ...SERVER_ERRORS },
    signal,
  });
}

/** The service with this ID or name (the engine also matches ID prefixes: check the answer's ID). */
export function inspectService(docker: Docker, id: string, signal: AbortSignal): Promise<SwarmService> {
  return dial<SwarmService>(docker, {
    path: `/services/${encodeURIComponent(id)}`,
    method: "GET",
    statusCodes: { 200: true, 404: "no such service", ...SERVER_ERRORS },
    signal,
  });
}

/** Remove a service; its tasks are shut down and their containers removed by their nodes afterwards. */
export async function removeService(docker: Docker, id: string, signal: AbortSignal): Promise<void> {
  await dial<unknown>(docker, {
    path: `/services/${encodeURIComponent(id)}`,
    method: "DELETE",
    statusCodes: { 200: true, 204: true, 404: "no such service", ...SERVER_ERRORS },
    signal,
  });
}

/** The services that match every filter (`id`, `label`, `name`, `mode`). */
export function listServices(docker: Docker, filters: ListFilters, signal: AbortSignal): Promise<SwarmService[]> {
  return dial<SwarmService[]>(docker, {
    path: "/services",
    method: "GET",
    query: { filters: JSON.stringify(filters) },
    statusCodes: { 200: true, ...SERVER_ERRORS },
    signal,
  });
}

/**
 * The tasks that match every filter (`service`, `label`, `node`,
 * `desired-state`, `id`). A `service` filter naming a service that does not
 * exist is an HTTP 404 for the whole call; a `label` filter matches the
 * labels of the task's container spec.
 */
export function listTasks(docker: Docker, filters: ListFilters, signal: AbortSignal): Promise<SwarmTask[]> {
  return dial<SwarmTask[]>(docker, {
    path: "/tasks",
    method: "GET",
    query: { filters: JSON.stringify(filters) },
    statusCodes: { 200: true, 404: "no such service", ...SERVER_ERRORS },
    signal,
  });
}

/** Every node of the swarm. */
export function listNodes(docker: Docker, signal: AbortSignal): Promise<SwarmNode[]> {
  return dial<SwarmNode[]>(docker, {
    path: "/nodes",
    method: "GET",
    statusCodes: { 200: true, ...SERVER_ERRORS },
    signal,
  });
}

/** The engine's `GET /info`. */
export function engineInfo(docker: Docker, signal: AbortSignal): Promise<SwarmInfo> {
  return dial<SwarmInfo>(docker, {
    path: "/info",
    method: "GET",
    statusCodes: { 200: true, 500: "server error" },
    signal,
  });
}

/**
 * Commit a container's file system as an image on its node's engine (not
 * paused: the driver commits only ended containers); resolves the image ID.
 * The image carries the container's labels, Swarm's included.
 */
export async function commitContainer(docker: Docker, containerId: string, signal: AbortSignal): Promise<string> {
  const committed = await dial<{ Id?: string }>(docker, {
    path: "/commit",
    method: "POST",
    query: { container: containerId, pause: false },
    statusCodes: { 200: true, 201: true, 404: "no such container", 500: "server error" },
    signal,
  });
  if (typeof committed.Id !== "string")
    throw new Error(`the engine committed but named no image: ${JSON.stringify(committed)}`);
  return committed.Id;
}
