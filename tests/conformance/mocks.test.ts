/**
 * Both mock drivers pass the whole core tier, through the vitest adapter a
 * driver author would use: one test per case.
 */
import { loadDriver } from "../../src/conformance/cli.js";
import { describeConformance } from "../../src/conformance/vitest.js";

for (const name of ["mock-docker", "mock-local"] as const) {
  const { factory, options } = await loadDriver(name);
  describeConformance(`${name} conforms (core tier)`, factory, { ...options, tiers: ["core"], timeoutMs: 5_000 });
}
