/**
 * The conformance suite against the Swarm driver on the test cluster: core
 * and every tier the driver declares. Each case gets a fresh driver in this
 * run's namespace; afterwards the managers and every node must hold nothing
 * of that namespace.
 */
import { afterAll, expect } from "vitest";
import { describeConformance } from "../../../src/conformance/vitest.js";
import { conformanceOptions } from "../src/factory.js";
import { clusterDriver, describeWithCluster, leftovers, NOTHING_LEFT, uniqueNamespace } from "./cluster.js";

describeWithCluster("Swarm driver conformance", () => {
  const namespace = uniqueNamespace("conformance");
  const createDriver = () => clusterDriver(namespace);

  describeConformance("core and declared tiers", createDriver, {
    ...conformanceOptions,
    tiers: ["core", ...createDriver().capabilities],
    // Scheduling takes 1.5-2.5 s per start on the test cluster; some cases start several containers.
    timeoutMs: 90_000,
  });

  afterAll(async () => {
    // The suite removes what it made; anything left is a bug, so it is reported, then swept.
    const left = await leftovers(namespace);
    await createDriver().cleanup();
    expect(left).toEqual(NOTHING_LEFT);
  }, 120_000);
});
