/**
 * `@openagent/driver-interface/mocks`: two in-memory drivers that honour the
 * whole contract, for testing platform code without a container runtime.
 *
 * - {@link MockDockerDriver} (`mock-docker`) and {@link MockLocalDriver}
 *   (`mock-local`): one engine, two profiles. Containers really run their
 *   commands in a small built-in shell over an in-memory file system, so
 *   `execution`, `streams`, `exec`, `files`, `pause`, `expiry` and
 *   `idempotency` are declared (not `isolation` nor `limits`).
 * - Options: timing, an injectable clock, a seeded random source, a shared
 *   {@link MockRuntime}, an exec handler and programs of the test's own.
 * - `driver.faults`: make calls fail on purpose; `driver.simulate`: make a
 *   container exit, pause or die.
 * - {@link createVirtualClock}: time that jumps ahead whenever nothing else
 *   happens, so sleeps, timeouts and expiries cost no real time.
 *
 * docs/MOCK_DRIVERS.md describes both profiles, every option and every error.
 *
 * @packageDocumentation
 */
export type { MockExecHandler, MockExecOutcome, MockExecRequest } from "./exec-handler.js";
export { type FailRateOptions, type FaultErrorFactory, FaultInjector, type InjectedFault } from "./faults.js";
export { DEFAULT_STOP_TIMEOUT_MS, MOCK_EXIT_CODES } from "./lifecycle.js";
export { MockDockerDriver } from "./mock-docker-driver.js";
export { MOCK_CAPABILITIES } from "./instances.js";
export { MockDriver } from "./mock-driver.js";
export { MockLocalDriver } from "./mock-local-driver.js";
export {
  DOCKER_PROFILE,
  LOCAL_PROFILE,
  type MockFailureDescription,
  type MockFailureKind,
  type MockProfile,
} from "./profiles.js";
export { BUILT_IN_PROGRAMS } from "./programs/index.js";
export { createSeededRandom } from "./random.js";
export { MockRuntime, type MockRuntimeOptions } from "./runtime.js";
export type { Program as MockProgram, ProgramContext as MockProgramContext } from "./shell/program.js";
export type { MockRuntimeEvents } from "./simulation.js";
export type { MockDriverOptions, MockTiming } from "./state.js";
export { createVirtualClock, isVirtualClock, type VirtualClock } from "./virtual-clock.js";
