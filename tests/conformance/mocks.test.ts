/**
 * Both mock drivers pass the whole core tier, through the vitest adapter a
 * driver author would use: one test per case. The execution tier is selected
 * too and shows up as skipped (the mocks run no command, so they do not
 * declare the capability), never as passed.
 */
import { loadDriver } from "../../src/conformance/cli.js";
import { describeConformance } from "../../src/conformance/vitest.js";

for (const name of ["mock-docker", "mock-local"] as const) {
  const { factory, options } = await loadDriver(name);
  describeConformance(`${name} conforms`, factory, { ...options, tiers: ["core", "execution"], timeoutMs: 5_000 });
}
