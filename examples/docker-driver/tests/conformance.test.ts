/**
 * The conformance suite, core, execution and files tiers, against the Docker driver
 * on the real engine. Each case gets a fresh driver in this run's namespace;
 * afterwards the engine itself must hold nothing of that namespace.
 */
import { afterAll, expect } from "vitest";
import { describeConformance } from "../../../src/conformance/vitest.js";
import { DockerDriver } from "../src/driver.js";
import { conformanceOptions } from "../src/factory.js";
import { describeWithEngine, leftovers, SOCKET_PATH, uniqueNamespace } from "./engine.js";

describeWithEngine("Docker driver conformance", () => {
  const namespace = uniqueNamespace("conformance");
  const createDriver = () => new DockerDriver({ socketPath: SOCKET_PATH, namespace });

  describeConformance("core, execution and files tiers", createDriver, {
    ...conformanceOptions,
    tiers: ["core", "execution", "files"],
  });

  afterAll(async () => {
    // The suite removes what it made; anything left is a bug, so it is reported, then swept.
    const left = await leftovers(namespace);
    await createDriver().cleanup();
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
  }, 60_000);
});
