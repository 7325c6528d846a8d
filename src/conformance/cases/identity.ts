/**
 * Identity: what a driver says about itself (name, version, methods,
 * capabilities), checked before any container exists.
 *
 * @module
 */
import { DRIVER_CAPABILITIES } from "../../contract/driver.js";
import { DRIVER_METHODS } from "../../contract/methods.js";
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";

/** `MAJOR.MINOR.PATCH` with optional pre-release and build, as semver.org defines it. */
export const SEMVER_PATTERN: RegExp =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const IDENTITY_CASES: readonly ConformanceCase[] = [
  {
    id: "identity.name",
    tier: "core",
    clause: "C-IDENTITY-NAME",
    checks: "name is a non-empty string without surrounding whitespace",
    run: async ({ driver }) => {
      check(typeof driver.name === "string", `name should be a string; it is ${typeof driver.name}`);
      check(driver.name.trim() !== "" && driver.name.trim() === driver.name, `name "${driver.name}" is not usable`);
    },
  },
  {
    id: "identity.version",
    tier: "core",
    clause: "C-IDENTITY-VERSION",
    checks: "version is a semantic version (MAJOR.MINOR.PATCH)",
    run: async ({ driver }) => {
      check(
        typeof driver.version === "string" && SEMVER_PATTERN.test(driver.version),
        `version "${String(driver.version)}" is not a semantic version`,
      );
    },
  },
  {
    id: "identity.methods",
    tier: "core",
    clause: "C-METHODS",
    checks: `every method of DRIVER_METHODS (${DRIVER_METHODS.length}) is a function`,
    run: async ({ unwrappedDriver }) => {
      const missing = DRIVER_METHODS.filter(
        (method) => typeof (unwrappedDriver as Partial<Record<string, unknown>>)[method] !== "function",
      );
      check(missing.length === 0, `the driver lacks ${missing.join(", ")}`);
    },
  },
  {
    id: "identity.capabilities",
    tier: "core",
    clause: "C-CAPABILITIES",
    checks: "capabilities, when present, is an array of known capability names without duplicates",
    run: async ({ driver }) => {
      const declared: unknown = driver.capabilities;
      if (declared === undefined) return;
      check(Array.isArray(declared), "capabilities should be an array when present");
      const known: readonly string[] = DRIVER_CAPABILITIES;
      for (const capability of declared) {
        check(known.includes(String(capability)), `unknown capability "${String(capability)}"`);
      }
      check(new Set(declared).size === declared.length, "capabilities lists a name twice");
    },
  },
];
