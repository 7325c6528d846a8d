/**
 * The example Swarm driver: `SwarmDriver`, its options, the mapping of a
 * container to a service (spec and status, pure), and the clients it is made
 * of (managers that fail over, the nodes' engines, services, volumes pinned
 * to nodes, overlay networks).
 *
 * @module
 */
export * from "./driver.js";
export { ManagerPool } from "./managers.js";
export { SWARM_NETWORK_DRIVER, SwarmNetworkClient } from "./networks.js";
export { isLostNodeState, NodeEngines, type NodeFacts, type NodeState, type ReachableNode } from "./nodes.js";
export * from "./options.js";
export { nodeMismatch, placementFor } from "./placement.js";
export { createOwnedService, type ServiceCreateSettings } from "./service-create.js";
export { readServiceLogs } from "./service-logs.js";
export * from "./service-spec.js";
export * from "./service-status.js";
export { ServiceClient, type ServiceClientSettings } from "./services.js";
export { TaskControl, type TaskControlSettings } from "./tasks.js";
export * from "./swarm-api.js";
export { type LocatedVolume, type SwarmVolume, SwarmVolumeClient, type VolumeUsers } from "./volumes.js";
