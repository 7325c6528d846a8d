/**
 * Both mock drivers pass every tier they declare (all but isolation and
 * limits, which show up as skipped, never as passed), through the vitest
 * adapter a driver author would use: one test per case. The run shares the
 * mocks' virtual clock, so the cases' sleeps, timeouts and expiries take no
 * real time.
 */
import { loadDriver } from "../../src/conformance/cli.js";
import { describeConformance } from "../../src/conformance/vitest.js";

for (const name of ["mock-docker", "mock-local"] as const) {
  const { factory, options } = await loadDriver(name);
  describeConformance(`${name} conforms`, factory, { ...options, timeoutMs: 5_000 });
}
