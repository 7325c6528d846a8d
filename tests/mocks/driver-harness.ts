/**
 * What the mock-driver test files share: both profiles as test rows, a
 * config with a fixed session, a container put into any status, and a way
 * to advance a manual clock until a call settles.
 *
 * @module
 */
import {
  type ContainerStatus,
  createDriverConfig,
  type createManualClock,
  type DriverConfigInput,
} from "../../src/index.js";
import {
  DOCKER_PROFILE,
  LOCAL_PROFILE,
  MockDockerDriver,
  type MockDriver,
  type MockDriverOptions,
  MockLocalDriver,
} from "./index.js";

/** Both mock profiles, one row each, for `describe.each`. */
export const drivers = [
  {
    label: "mock-docker",
    make: (options: MockDriverOptions = {}) => new MockDockerDriver(options),
    profile: DOCKER_PROFILE,
  },
  {
    label: "mock-local",
    make: (options: MockDriverOptions = {}) => new MockLocalDriver(options),
    profile: LOCAL_PROFILE,
  },
] as const;

/** A valid driver config with session `session-1` and `input` on top. */
export const config = (input: DriverConfigInput = {}) =>
  createDriverConfig({ sessionId: "session-1", image: "alpine:3.20", ...input });

/**
 * Advance the manual clock until `promise` settles. `runAll` alone is not
 * enough when each sleep is only registered after the lock passes on, a few
 * promise turns after the previous one ended.
 */
export async function settle<T>(clock: ReturnType<typeof createManualClock>, promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  for (let step = 0; step < 10_000 && !settled; step++) await clock.advance(10);
  return tracked;
}

/** Put a fresh container into `status` using only driver calls and runtime events. */
export async function containerIn(driver: MockDriver, status: Exclude<ContainerStatus, "removing">): Promise<string> {
  const { id } = await driver.createContainer(config());
  if (status === "created") return id;
  await driver.startContainer(id);
  if (status === "stopped") await driver.stopContainer(id);
  if (status === "paused") driver.simulate.pause(id);
  if (status === "exited") driver.simulate.exit(id, 3);
  if (status === "dead") driver.simulate.die(id);
  return id;
}
