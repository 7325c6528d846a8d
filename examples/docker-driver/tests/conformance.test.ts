/**
 * The conformance suite, every tier the Docker driver declares (core,
 * execution, isolation, limits; the others are reported as skipped), against
 * the real engine, cases running concurrently. Each case gets a fresh driver
 * in this run's namespace; afterwards the engine itself must hold nothing of
 * that namespace.
 */
import { afterAll, expect } from "vitest";
import { describeConformance } from "../../../src/conformance/vitest.js";
import { DockerDriver } from "../src/driver.js";
import { conformanceOptions } from "../src/factory.js";
import { describeWithEngine, leftovers, SOCKET_PATH, uniqueNamespace } from "./engine.js";

describeWithEngine("Docker driver conformance", () => {
  const namespace = uniqueNamespace("conformance");
  const createDriver = () => new DockerDriver({ socketPath: SOCKET_PATH, namespace });

  describeConformance("every declared tier", createDriver, conformanceOptions);

  afterAll(async () => {
    // The suite removes what it made; anything left is a bug, so it is reported, then swept.
    const left = await leftovers(namespace);
    await createDriver().cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
