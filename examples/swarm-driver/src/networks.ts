/**
 * Networks on a swarm: attachable overlay networks, made through a manager,
 * so a service's task reaches the others on whichever node it runs
 * (attachable: a plain container on a node may join too, for debugging). The
 * Docker driver's `NetworkClient` does the rest (ownership labels, lookup by
 * id or exact name, refusing a removal while in use); what differs is the
 * request and who uses a network: services, not containers, since a created
 * service has no container yet.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  ConfigurationError,
  type ErrorMappingContext,
  type Network,
  type NetworkConfig,
  parseNetworkConfig,
} from "../../../src/index.js";
import type { NetworkInspect } from "../../docker-driver/src/engine-call.js";
import { NetworkClient } from "../../docker-driver/src/networks.js";
import { listServices } from "./swarm-api.js";

/** The only network driver a swarm service can join that spans nodes. */
export const SWARM_NETWORK_DRIVER = "overlay";

/**
 * The contract's network methods on a swarm.
 *
 * @example
 * ```ts
 * const networks = new SwarmNetworkClient(managerScope);
 * const network = await networks.create({ name: "agents-s1" }); // driver "overlay"
 * ```
 */
export class SwarmNetworkClient extends NetworkClient {
  /**
   * Create an attachable overlay network. A config naming another driver is a
   * `ConfigurationError` (path `driver`): a swarm service can only join
   * swarm-scoped networks, and only an overlay spans nodes.
   */
  override async create(input: NetworkConfig): Promise<Network> {
    const config = parseNetworkConfig(input);
    if (config.driver !== undefined && config.driver !== SWARM_NETWORK_DRIVER) {
      throw new ConfigurationError(
        `A Swarm network must use the '${SWARM_NETWORK_DRIVER}' driver, not '${config.driver}'`,
        {
          issues: [{ path: "driver", message: `only '${SWARM_NETWORK_DRIVER}' (the default) spans the swarm's nodes` }],
        },
      );
    }
    return super.create(config);
  }

  protected override createRequest(config: NetworkConfig): Docker.NetworkCreateOptions {
    return { ...super.createRequest(config), Driver: SWARM_NETWORK_DRIVER, Attachable: true };
  }

  /** The names of the services, of any owner, whose tasks join the network. */
  protected override async attachedNames(info: NetworkInspect, context: ErrorMappingContext): Promise<string[]> {
    const services = await this.scope.calls.call(context, (signal) => listServices(this.scope.docker, {}, signal));
    return services
      .filter((service) =>
        (service.Spec.TaskTemplate.Networks ?? []).some(
          (network) => network.Target === info.Id || network.Target === info.Name,
        ),
      )
      .map((service) => service.Spec.Name);
  }
}
