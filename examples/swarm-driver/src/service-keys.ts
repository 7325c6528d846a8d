/**
 * Idempotent creates on a swarm: the key's service has a name derived from
 * the namespace and the key, and the managers refuse a second service of one
 * name (HTTP 409), atomically, in their replicated store. So whatever races
 * (creates in one process, in several driver instances, through different
 * managers), one service holds the key; every other create finds it by name
 * and returns it. Unlike a Docker container's name, a service's name never
 * changes (the stopped marker and the expiry are labels), so the name alone
 * is the lock: no reconcile is needed.
 *
 * - The name is free: create under it; refused (409), a racer won: look again.
 * - The name is held: same fingerprint (the Docker driver's
 *   `configFingerprint`) → that container; another → `IdempotencyConflictError`.
 * - The key's service is removed meanwhile: look and create again (a few
 *   rounds at most), making a new container.
 * - A create whose answer was lost leaves its service (unlike an unkeyed
 *   create): the caller's retry (`withPolicies` retries keyed creates) finds
 *   it by name.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type ContainerConfig,
  ContainerCreationError,
  ContainerNotFoundError,
  IdempotencyConflictError,
} from "../../../src/index.js";
import type { EngineScope } from "../../docker-driver/src/engine-call.js";
import { configFingerprint } from "../../docker-driver/src/idempotency.js";
import { isOwnedBy, OWNER_LABELS } from "../../docker-driver/src/labels.js";
import type { KeyedName } from "./service-create.js";
import { listServices } from "./swarm-api.js";

/** How many times a keyed create looks again when the key's service changed under it. */
const MAX_ROUNDS = 6;

/**
 * The service name of an idempotency key in a namespace: `oa-key-` and 40
 * hex digits of SHA-256 over both (a key may be longer than a service name,
 * and hold characters a name may not).
 *
 * @example
 * ```ts
 * keyedServiceName("ci", "task-7"); // "oa-key-3f1c…" (47 characters)
 * ```
 */
export function keyedServiceName(namespace: string, idempotencyKey: string): string {
  const digest = createHash("sha256").update(`${namespace}\u0000${idempotencyKey}`).digest("hex");
  return `oa-key-${digest.slice(0, 40)}`;
}

/** What a keyed create delegates: the create under a name, and the contract's view of a service. */
export type KeyedServiceSteps<Instance> = {
  /** Create the service under `keyed.name`; `undefined` when the managers say the name is taken. */
  readonly create: (keyed: KeyedName) => Promise<string | undefined>;
  /** The container, by service id; `ContainerNotFoundError` when it went meanwhile. */
  readonly instance: (id: string) => Promise<Instance>;
};

/**
 * Create the container of `config` (which has an `idempotencyKey`), or return
 * the one the key names; see the module comment.
 *
 * @example
 * ```ts
 * const instance = await createServiceWithKey(scope, config, { create, instance });
 * ```
 */
export async function createServiceWithKey<Instance>(
  scope: EngineScope,
  config: ContainerConfig & { readonly idempotencyKey: string },
  steps: KeyedServiceSteps<Instance>,
): Promise<Instance> {
  const key = config.idempotencyKey;
  const context = { operation: "createContainer" };
  const name = keyedServiceName(scope.namespace, key);
  const fingerprint = configFingerprint(config);
  const labels = { [OWNER_LABELS.idempotencyKey]: key, [OWNER_LABELS.configFingerprint]: fingerprint };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const services = await scope.calls.call(context, (signal) => listServices(scope.docker, { name: [name] }, signal));
    const holder = services.find((service) => service.Spec.Name === name);
    if (holder === undefined) {
      const created = await steps.create({ name, labels });
      if (created === undefined) continue;
      return steps.instance(created);
    }
    const held = holder.Spec.Labels ?? {};
    if (!isOwnedBy(held, scope.driver, scope.namespace) || held[OWNER_LABELS.idempotencyKey] !== key) {
      throw new ContainerCreationError(
        `the service name '${name}' of idempotency key '${key}' is held by service ${holder.ID}, which is not this namespace's container of that key: remove it`,
        { idempotencyKey: key },
        { context },
      );
    }
    if (held[OWNER_LABELS.configFingerprint] !== fingerprint) {
      throw new IdempotencyConflictError(key, holder.ID, { context });
    }
    try {
      return await steps.instance(holder.ID);
    } catch (error) {
      if (!(error instanceof ContainerNotFoundError)) throw error;
    }
  }
  throw new ContainerCreationError(
    `the container of idempotency key '${key}' kept disappearing during ${MAX_ROUNDS} attempts`,
    { idempotencyKey: key },
    { context },
  );
}
