/**
 * The example Swarm driver: `SwarmDriver`, its options, the mapping of a
 * container to a service (spec and status, pure), and the clients it is made
 * of (managers that fail over, the nodes' engines, services, volumes pinned
 * to nodes, overlay networks, exec and files on the task's node, the expiry
 * sweeper, idempotency keys as service names).
 *
 * @module
 */
export * from "./driver.js";
export { ServiceExpirySweeper } from "./expiry.js";
export { ManagerPool } from "./managers.js";
export { SWARM_NETWORK_DRIVER, SwarmNetworkClient } from "./networks.js";
export { isLostNodeState, NodeEngines, type NodeFacts, type NodeState, type ReachableNode } from "./nodes.js";
export * from "./options.js";
export { nodeMismatch, placementFor } from "./placement.js";
export {
  createKeyedService,
  createOwnedService,
  type KeyedName,
  type ServiceCreateSettings,
} from "./service-create.js";
export { createServiceWithKey, type KeyedServiceSteps, keyedServiceName } from "./service-keys.js";
export { readServiceLogs } from "./service-logs.js";
export * from "./service-spec.js";
export * from "./service-status.js";
export { ServiceClient, type ServiceClientSettings, type TaskLocation } from "./services.js";
export { TaskAccess } from "./task-access.js";
export {
  type CommittedTask,
  removeCommittedImages,
  SWARM_SERVICE_LABEL,
  TaskControl,
  type TaskControlSettings,
} from "./tasks.js";
export * from "./swarm-api.js";
export { type LocatedVolume, type SwarmVolume, SwarmVolumeClient, type VolumeUsers } from "./volumes.js";
