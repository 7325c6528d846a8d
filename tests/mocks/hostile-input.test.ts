/**
 * The mock drivers refuse input that throws while being read (a getter or
 * Proxy trap throwing a null-prototype object, an object whose `toString`
 * throws, an Error whose `message` getter throws, a revoked Proxy) with a
 * `ConfigurationError`, at every position of every input object and as an
 * id, and change nothing: such input once made `createContainer` reject
 * with a plain `TypeError`.
 */
import { describe, expect, it } from "vitest";
import { createDriverConfig } from "../../src/builders.js";
import { ConfigurationError, describeValue } from "../../src/errors.js";
import { hostileDriverCalls, type InputDriver } from "../property/hostile-variants.js";
import { MockDockerDriver, type MockDriver, MockLocalDriver } from "./index.js";

const drivers: [string, () => MockDriver][] = [
  ["MockDockerDriver", () => new MockDockerDriver({ timing: "instant" })],
  ["MockLocalDriver", () => new MockLocalDriver({ timing: "instant" })],
];

describe.each(drivers)("%s with hostile input", (_name, make) => {
  it("rejects every call with ConfigurationError and creates nothing", async () => {
    const driver = make();
    const created = await driver.createContainer(createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" }));
    const config = createDriverConfig({
      sessionId: "s-2",
      image: "alpine:3.20",
      command: ["sh", "-c", "true"],
      env: { A: "1" },
      labels: { team: "core" },
      volumes: [{ source: "data", target: "/data", readOnly: true }],
    });
    const calls = hostileDriverCalls(config, created.id);
    expect(calls.length).toBeGreaterThan(1_000);
    for (const { label, call } of calls) {
      const outcome = await call(driver as unknown as InputDriver).then(
        () => "resolved",
        (error: unknown) => error,
      );
      if (!(outcome instanceof ConfigurationError)) expect.fail(`${label}: ${describeValue(outcome)}`);
    }
    const health = await driver.healthCheck();
    expect(health.containers.total).toBe(1);
    expect((await driver.listContainers()).map((container) => container.id)).toEqual([created.id]);
    expect((await driver.getContainer(created.id))?.status).toBe("created");
  });
});
