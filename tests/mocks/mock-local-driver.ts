/**
 * The local-runtime mock driver of seeds 002/004.
 *
 * @module
 */
import { MockDriver } from "./mock-driver.js";
import { LOCAL_PROFILE } from "./profiles.js";
import type { MockDriverOptions } from "./state.js";

/**
 * A mock of a runtime on the local machine, named `mock-local`: CPU up to
 * 2.0 cores, 200–300 ms per operation by default, a unix socket per container
 * as its endpoint, short sequential ids, and errors worded like system calls
 * with the errno in `context.errno`; a runtime that does not answer is a
 * `TimeoutError`. See docs/MOCK_DRIVERS.md.
 *
 * @example
 * ```ts
 * import { MockLocalDriver } from "@openagent/driver-interface/mocks";
 *
 * const driver = new MockLocalDriver({ timing: "instant" });
 * const health = await driver.healthCheck();
 * ```
 */
export class MockLocalDriver extends MockDriver {
  /** @param options - timing, clock, random source; see {@link MockDriverOptions}. */
  constructor(options: MockDriverOptions = {}) {
    super(LOCAL_PROFILE, options);
  }
}
