/**
 * `@openagent/driver-interface/conformance/vitest`: the conformance suite as
 * one line of a driver author's vitest file. Each case becomes one test named
 * by its id; cases that cannot run for the driver are reported as skipped,
 * with the reason.
 *
 * @module
 */
import { beforeAll, describe, it } from "vitest";
import { describeDriver, resolveConformanceOptions, runCase, selectCases } from "./runner.js";
import type { ConformanceDriverInfo, ConformanceOptions, DriverFactory } from "./types.js";

/**
 * Declare a vitest `describe` block named `name` with one test per selected
 * case, each run against a fresh driver from `factory`. A failing test's
 * message names the clause and says what was expected.
 *
 * @example
 * ```ts
 * import { describeConformance } from "@openagent/driver-interface/conformance/vitest";
 *
 * describeConformance("my driver", () => new MyDriver(), { tiers: ["core"] });
 * ```
 */
export function describeConformance(name: string, factory: DriverFactory, options: ConformanceOptions = {}): void {
  const resolved = resolveConformanceOptions(options);
  // The case itself has a deadline; vitest's must leave room for the grace period and the sweep.
  const testTimeout = resolved.timeoutMs * 3 + 1_000;
  describe(name, () => {
    let driver: ConformanceDriverInfo | undefined;
    beforeAll(async () => {
      driver = describeDriver(await factory());
    });
    for (const conformanceCase of selectCases(resolved)) {
      if (conformanceCase.skipReason !== undefined) {
        it.skip(`${conformanceCase.id} (${conformanceCase.skipReason})`, () => undefined);
        continue;
      }
      it(
        conformanceCase.id,
        async (context) => {
          if (driver === undefined) throw new Error("the driver factory did not produce a driver");
          const result = await runCase(conformanceCase, factory, driver, resolved);
          if (result.status === "skipped") context.skip(result.reason);
          if (result.status === "failed") {
            throw new Error(`${conformanceCase.clause} (${conformanceCase.checks}): ${result.error}`);
          }
        },
        testTimeout,
      );
    }
  });
}
