/**
 * `@openagent/driver-interface/conformance/vitest`: the conformance suite as
 * one line of a driver author's vitest file. Each case becomes one test named
 * by its id; cases that cannot run for the driver are reported as skipped,
 * with the reason, and cases declared unsupported as skipped with
 * "unsupported: <reason>".
 *
 * @module
 */
import { beforeAll, describe, it } from "vitest";
import type { ContainerDriver } from "../contract/driver.js";
import { closeDriver, describeDriver, resolveConformanceOptions, runCase, selectCases } from "./runner.js";
import { CaseScheduler, runOrder } from "./schedule.js";
import type { ConformanceDriverInfo, ConformanceOptions, DriverFactory } from "./types.js";

/**
 * Declare a vitest `describe` block named `name` with one test per selected
 * case, each run against a fresh driver from `factory` (closed after the
 * case). A failing test's message names the clause and says what was
 * expected. With `concurrency` above 1 (default 4) the tests are concurrent
 * (vitest's `maxConcurrency`, default 5, caps them too) and `exclusive` cases
 * are declared last and run alone.
 *
 * @example
 * ```ts
 * import { describeConformance } from "@openagent/driver-interface/conformance/vitest";
 *
 * describeConformance("my driver", () => new MyDriver(), { tiers: ["core"] });
 * ```
 */
export function describeConformance<D extends ContainerDriver>(
  name: string,
  factory: DriverFactory<D>,
  options: ConformanceOptions<D> = {},
): void {
  const resolved = resolveConformanceOptions(options);
  // The case itself has a deadline; vitest's must leave room for the grace period, the sweep and close().
  const testTimeout = resolved.timeoutMs * 4 + 1_000;
  const scheduler = new CaseScheduler(resolved.concurrency);
  const test = resolved.concurrency > 1 ? it.concurrent : it;
  describe(name, () => {
    let driver: ConformanceDriverInfo | undefined;
    beforeAll(async () => {
      const probe = await factory();
      driver = describeDriver(probe);
      await closeDriver(probe);
    });
    for (const conformanceCase of runOrder(selectCases(resolved))) {
      if (conformanceCase.skipReason !== undefined) {
        it.skip(`${conformanceCase.id} (${conformanceCase.skipReason})`, () => undefined);
        continue;
      }
      test(
        conformanceCase.id,
        async (context) => {
          const info = driver;
          if (info === undefined) throw new Error("the driver factory did not produce a driver");
          const result = await scheduler.run(conformanceCase.exclusive === true, () =>
            runCase(conformanceCase, factory, info, resolved),
          );
          if (result.status === "skipped") context.skip(result.reason);
          if (result.status === "unsupported") context.skip(`unsupported: ${result.reason}`);
          if (result.status === "failed") {
            throw new Error(`${conformanceCase.clause} (${conformanceCase.checks}): ${result.error}`);
          }
        },
        testTimeout,
      );
    }
  });
}
