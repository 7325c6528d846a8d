import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  containerConfigIssues,
  createDriverConfig,
  createResourceLimits,
  createSecurityOptions,
  DEFAULT_RESOURCE_LIMITS,
  DEFAULT_SECURITY_OPTIONS,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../../src/index.js";
import { driverConfigInput, image, sessionId, withSomeUndefined } from "./arbitraries.js";

const someKeys = fc.subarray(["command", "env", "labels", "volumes", "network", "resources", "security"]);

describe("builders", () => {
  it("every createDriverConfig result validates once a valid sessionId and image are given", () => {
    fc.assert(
      fc.property(driverConfigInput, sessionId, image, someKeys, (input, id, ref, undefinedKeys) => {
        const config = createDriverConfig({ ...withSomeUndefined(input, undefinedKeys), sessionId: id, image: ref });
        expect(containerConfigIssues(config)).toEqual([]);
        expect(validateContainerConfig(config)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("without a sessionId or an image, the result does not validate", () => {
    fc.assert(
      fc.property(driverConfigInput, sessionId, image, fc.boolean(), (input, id, ref, dropSessionId) => {
        const partial = dropSessionId ? { ...input, image: ref } : { ...input, sessionId: id };
        expect(validateContainerConfig(createDriverConfig(partial))).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps every given field and fills the rest with the defaults", () => {
    fc.assert(
      fc.property(driverConfigInput, (input) => {
        const config = createDriverConfig(input);
        if (input.command !== undefined) expect(config.command).toEqual(input.command);
        if (input.env !== undefined) expect(config.env).toEqual(input.env);
        if (input.volumes !== undefined) expect(config.volumes).toEqual(input.volumes);
        expect(config.network).toBe(input.network ?? "none");
        expect(config.resources).toEqual({ ...DEFAULT_RESOURCE_LIMITS, ...input.resources });
        const capabilities = { ...DEFAULT_SECURITY_OPTIONS.capabilities, ...input.security?.capabilities };
        expect(config.security).toEqual({ ...DEFAULT_SECURITY_OPTIONS, ...input.security, capabilities });
      }),
      { numRuns: 200 },
    );
  });

  it("createResourceLimits and createSecurityOptions results always validate", () => {
    fc.assert(
      fc.property(driverConfigInput, (input) => {
        expect(validateResourceLimits(createResourceLimits(input.resources))).toBe(true);
        expect(validateSecurityOptions(createSecurityOptions(input.security))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("shares nothing mutable with the input or with another result", () => {
    fc.assert(
      fc.property(driverConfigInput, sessionId, image, (input, id, ref) => {
        const snapshot = structuredClone(input);
        const first = createDriverConfig({ ...input, sessionId: id, image: ref });
        const second = createDriverConfig({ ...input, sessionId: id, image: ref });
        const expected = structuredClone(first);

        // Change everything reachable in the first result...
        first.command?.push("changed");
        first.env.CHANGED = "1";
        first.labels.changed = "1";
        first.volumes.push({ source: "x", target: "/x" });
        for (const mount of first.volumes) mount.target = "/changed";
        first.resources.cpu = 99;
        first.security.user = "changed";
        first.security.capabilities.drop.push("CHANGED");
        first.security.capabilities.add.push("CHANGED");

        // ...and neither the input nor the second result moves.
        expect(input).toEqual(snapshot);
        expect(second).toEqual(expected);
        expect(createDriverConfig().security.capabilities).toEqual({ drop: ["ALL"], add: [] });
      }),
      { numRuns: 150 },
    );
  });
});
