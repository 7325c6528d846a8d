/**
 * The release cases: `close()` and `cleanup()`, core tier, each run only
 * when the driver has the method (both are optional for every driver).
 *
 * `release.cleanup.namespace` removes everything of the driver's namespace,
 * so it must not run beside other cases of the same namespace: a runner that
 * runs cases concurrently runs it alone. It is the last case of the tier for
 * that reason.
 *
 * @module
 */
import { CleanupReportSchema } from "../../contract/schemas.js";
import type { ContainerDriver } from "../../contract/driver.js";
import { check, ConformanceCheckError } from "../context.js";
import type { ConformanceCase, ConformanceDriverInfo, ResolvedConformanceOptions } from "../types.js";

/** A `skipUnless` for cases of an optional method: skipped, with the reason, when the driver lacks it. */
function needsMethod(method: "close" | "cleanup") {
  return (_options: ResolvedConformanceOptions, driver: ConformanceDriverInfo) =>
    driver.optionalMethods.includes(method) ? undefined : `the driver has no ${method}() (it is optional)`;
}

function closeOf(driver: ContainerDriver): () => Promise<unknown> {
  const close = driver.close;
  if (close === undefined) throw new ConformanceCheckError("the driver has no close()");
  return () => close.call(driver);
}

function cleanupOf(driver: ContainerDriver): NonNullable<ContainerDriver["cleanup"]> {
  const cleanup = driver.cleanup;
  if (cleanup === undefined) throw new ConformanceCheckError("the driver has no cleanup()");
  return () => cleanup.call(driver);
}

/** Every case of this file, in run order. */
export const RELEASE_CASES: readonly ConformanceCase[] = [
  {
    id: "release.close.keeps-objects",
    tier: "core",
    clause: "C-RELEASE-CLOSE",
    checks:
      "close() resolves, twice; afterwards a running container still runs and its volume and network still exist (the driver still answers calls)",
    skipUnless: needsMethod("close"),
    async run(context) {
      const close = closeOf(context.driver);
      const volume = await context.createVolume();
      const network = await context.createNetwork();
      const container = await context.createRunningContainer({
        network: network.name,
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
      });
      await close();
      await close();
      const after = await context.driver.getContainer(container.id);
      check(after !== null, `container ${container.id} is gone after close(); close() must leave containers in place`);
      check(after.status === "running", `container ${container.id} is ${after.status} after close(); it was running`);
      // Removing them is the proof they are still there: a NotFound error fails the case.
      await context.driver.removeContainer(container.id);
      await context.driver.removeNetwork(network.id);
      await context.driver.removeVolume(volume.id);
    },
  },
  {
    id: "release.cleanup.namespace",
    tier: "core",
    clause: "C-RELEASE-CLEANUP",
    // It removes every container of the namespace: a concurrent case's too, so it runs alone.
    exclusive: true,
    checks:
      "cleanup() removes every container (running, with a volume and a network; created), volume and network of the namespace and reports the counts with no failures; a second cleanup() removes nothing and reports zeros",
    skipUnless: needsMethod("cleanup"),
    async run(context) {
      const cleanup = cleanupOf(context.driver);
      const volume = await context.createVolume();
      const network = await context.createNetwork();
      const running = await context.createRunningContainer({
        network: network.name,
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
      });
      const created = await context.createContainer();
      const report = await cleanup();
      const shape = CleanupReportSchema.safeParse(report);
      check(shape.success, `cleanup() resolved with ${JSON.stringify(report)}, not a CleanupReport`);
      check(
        report.containers >= 2 && report.volumes >= 1 && report.networks >= 1,
        `cleanup() reports ${report.containers} containers, ${report.volumes} volumes, ${report.networks} networks; it had at least 2, 1, 1 to remove`,
      );
      check((report.failures ?? []).length === 0, `cleanup() reports failures: ${JSON.stringify(report.failures)}`);
      for (const id of [running.id, created.id]) {
        check((await context.driver.getContainer(id)) === null, `container ${id} is still there after cleanup()`);
      }
      const left = await context.driver.listContainers();
      check(left.length === 0, `listContainers() still shows ${left.length} containers after cleanup()`);
      await context.expectError(
        () => context.driver.removeVolume(volume.id),
        "VolumeNotFoundError",
        "removeVolume after cleanup()",
      );
      await context.expectError(
        () => context.driver.removeNetwork(network.id),
        "NetworkNotFoundError",
        "removeNetwork after cleanup()",
      );
      const again = await cleanup();
      check(
        again.containers === 0 && again.volumes === 0 && again.networks === 0 && (again.failures ?? []).length === 0,
        `a second cleanup() reports ${JSON.stringify(again)}; nothing was left to remove`,
      );
    },
  },
];
