/**
 * The conformance suite, every tier the Docker driver declares (all of
 * them), against the real engine, cases running concurrently. Each case gets
 * a fresh driver in this run's namespace, with a short expiry sweep interval
 * so the expiry cases wait a second, not ten; afterwards the engine itself
 * must hold nothing of that namespace.
 */
import { afterAll, expect } from "vitest";
import { describeConformance } from "../../../src/conformance/vitest.js";
import { DockerDriver } from "../src/driver.js";
import { CONFORMANCE_SWEEP_INTERVAL_MS, conformanceOptions } from "../src/factory.js";
import { describeWithEngine, leftovers, SOCKET_PATH, uniqueNamespace } from "./engine.js";

describeWithEngine("Docker driver conformance", () => {
  const namespace = uniqueNamespace("conformance");
  const createDriver = () =>
    new DockerDriver({ socketPath: SOCKET_PATH, namespace, expirySweepIntervalMs: CONFORMANCE_SWEEP_INTERVAL_MS });

  describeConformance("every declared tier", createDriver, conformanceOptions);

  afterAll(async () => {
    // The suite removes what it made; anything left is a bug, so it is reported, then swept.
    const left = await leftovers(namespace);
    const driver = createDriver();
    await driver.cleanup();
    await driver.close();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
