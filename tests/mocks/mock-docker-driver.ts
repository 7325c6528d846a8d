/**
 * The Docker-like mock driver of seeds 002/004.
 *
 * @module
 */
import { MockDriver } from "./mock-driver.js";
import { DOCKER_PROFILE } from "./profiles.js";
import type { MockDriverOptions } from "./state.js";

/**
 * A mock of a Docker-like runtime, named `mock-docker`: CPU up to 4.0 cores,
 * 100–200 ms per operation by default, `tcp://127.0.0.1:<port>` endpoints,
 * 64-hex ids, and errors worded like the Docker Engine API with the HTTP
 * status in `context.statusCode`. See docs/MOCK_DRIVERS.md.
 *
 * @example
 * ```ts
 * import { MockDockerDriver } from "@openagent/driver-interface/mocks";
 *
 * const driver = new MockDockerDriver({ timing: "instant" });
 * const container = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
 * await driver.startContainer(container.id);
 * ```
 */
export class MockDockerDriver extends MockDriver {
  /** @param options - timing, clock, random source; see {@link MockDriverOptions}. */
  constructor(options: MockDriverOptions = {}) {
    super(DOCKER_PROFILE, options);
  }
}
