/**
 * Expiry on a swarm: a container's expiry is the label
 * `org.openagent.expires-at` (ms since the epoch) on its service, set from
 * `ttlMs` at create and moved by `setContainerExpiry` (a service update: the
 * managers keep it, for every driver instance, across restarts). The sweeper
 * is the Docker driver's (timer, interval, `close()`), listing services
 * instead of containers: one list call per sweep, then one removal per
 * expired container.
 *
 * @module
 */
import { ContainerNotFoundError } from "../../../src/index.js";
import type { EngineScope } from "../../docker-driver/src/engine-call.js";
import { ExpirySweeper, type ListedExpiry } from "../../docker-driver/src/expiry.js";
import { ownerLabelFilter } from "../../docker-driver/src/labels.js";
import { expiresAtOf } from "./service-spec.js";
import type { ServiceClient } from "./services.js";
import { listServices } from "./swarm-api.js";

/**
 * The Docker driver's sweeper over the namespace's services.
 *
 * @example
 * ```ts
 * const sweeper = new ServiceExpirySweeper(scope, services, 10_000);
 * sweeper.start(); // sweeps now, then every 10 s
 * await sweeper.close();
 * ```
 */
export class ServiceExpirySweeper extends ExpirySweeper {
  readonly #managers: EngineScope;
  readonly #services: ServiceClient;

  constructor(scope: EngineScope, services: ServiceClient, intervalMs: number) {
    super(scope, intervalMs);
    this.#managers = scope;
    this.#services = services;
  }

  /** The namespace's services and their expiries, from one list call. */
  protected override async listExpiries(signal: AbortSignal | undefined): Promise<ListedExpiry[]> {
    const { calls, docker, driver, namespace } = this.#managers;
    const services = await calls.call(
      { operation: "sweepExpired" },
      (callSignal) => listServices(docker, { label: ownerLabelFilter(driver, namespace) }, callSignal),
      signal === undefined ? {} : { signal },
    );
    return services.map((service) => ({ id: service.ID, expiresAt: expiresAtOf(service.Spec) }));
  }

  /** Remove an expired container as `removeContainer` does; one already gone counts as removed. */
  protected override async remove(id: string): Promise<void> {
    try {
      await this.#services.remove(id);
    } catch (error) {
      if (!(error instanceof ContainerNotFoundError)) throw error;
    }
  }
}
