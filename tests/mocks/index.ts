/**
 * `@openagent/driver-interface/mocks`: two in-memory drivers that honour the
 * whole contract, for testing platform code without a container runtime.
 *
 * - {@link MockDockerDriver} (`mock-docker`) and {@link MockLocalDriver}
 *   (`mock-local`): one engine, two profiles.
 * - Options: timing, an injectable clock, a seeded random source.
 * - `driver.faults`: make calls fail on purpose; `driver.simulate`: make a
 *   container exit, pause or die.
 *
 * docs/MOCK_DRIVERS.md describes both profiles, every option and every error.
 *
 * @packageDocumentation
 */
export { type FailRateOptions, type FaultErrorFactory, FaultInjector, type InjectedFault } from "./faults.js";
export { DEFAULT_STOP_TIMEOUT_MS, MOCK_EXIT_CODES } from "./lifecycle.js";
export { MockDockerDriver } from "./mock-docker-driver.js";
export { MockDriver } from "./mock-driver.js";
export { MockLocalDriver } from "./mock-local-driver.js";
export {
  DOCKER_PROFILE,
  LOCAL_PROFILE,
  type MockFailureDescription,
  type MockFailureKind,
  type MockProfile,
} from "./profiles.js";
export { createSeededRandom } from "./random.js";
export type { MockRuntimeEvents } from "./simulation.js";
export type { MockDriverOptions, MockTiming } from "./state.js";
