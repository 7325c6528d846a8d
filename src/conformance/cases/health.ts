/**
 * Health: the driver's healthCheck report and isContainerHealthy of running,
 * created and stopped containers.
 *
 * @module
 */
import { DriverHealthSchema } from "../../contract/schemas.js";
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";

export const HEALTH_CASES: readonly ConformanceCase[] = [
  {
    id: "health.check.shape",
    tier: "core",
    clause: "C-HEALTH",
    checks: "healthCheck resolves a valid DriverHealth: healthy, the driver's version, uptime >= 0, counts that add up",
    run: async (context) => {
      const health = await context.driver.healthCheck();
      const parsed = DriverHealthSchema.safeParse(health);
      check(parsed.success, `not a valid DriverHealth: ${parsed.error?.message}`);
      check(
        health.status === "healthy",
        `a working driver should be healthy; it says ${health.status}: ${health.error}`,
      );
      check(
        health.version === context.driver.version,
        `version ${health.version} is not the driver's ${context.driver.version}`,
      );
      const { total, running, stopped } = health.containers;
      check(total === running + stopped, `total ${total} is not running ${running} + stopped ${stopped}`);
    },
  },
  {
    id: "health.check.counts",
    tier: "core",
    clause: "C-HEALTH",
    // The counts cover every container of the driver: another case's would move them.
    exclusive: true,
    checks:
      "after creating 3, starting 2, stopping 1 and removing 1 running container, the counts moved by total +2, running +0, stopped +2",
    run: async (context) => {
      const before = (await context.driver.healthCheck()).containers;
      const [first] = await Promise.all([
        context.createRunningContainer(),
        context.createRunningContainer().then((second) => context.driver.stopContainer(second.id)),
        context.createContainer(),
      ]);
      const middle = (await context.driver.healthCheck()).containers;
      const delta = (now: typeof before) =>
        `total ${now.total - before.total}, running ${now.running - before.running}, stopped ${now.stopped - before.stopped}`;
      check(
        middle.total - before.total === 3 &&
          middle.running - before.running === 1 &&
          middle.stopped - before.stopped === 2,
        `after 3 creates, 2 starts and 1 stop the counts should move by total 3, running 1, stopped 2; they moved by ${delta(middle)}`,
      );
      await context.driver.removeContainer(first.id);
      const after = (await context.driver.healthCheck()).containers;
      check(
        after.total - before.total === 2 &&
          after.running - before.running === 0 &&
          after.stopped - before.stopped === 2,
        `after removing the running one the counts should move by total 2, running 0, stopped 2; they moved by ${delta(after)}`,
      );
    },
  },
  {
    id: "health.container.running",
    tier: "core",
    clause: "C-CONTAINER-HEALTH",
    checks: "isContainerHealthy resolves true for a running container",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const healthy = await context.driver.isContainerHealthy(id);
      check(healthy === true, `a running container should be healthy; got ${String(healthy)}`);
    },
  },
  {
    id: "health.container.not-running",
    tier: "core",
    clause: "C-CONTAINER-HEALTH",
    checks: "isContainerHealthy resolves false for a created and for a stopped container",
    run: async (context) => {
      const [created, stopped] = await Promise.all([
        context.createContainer(),
        context.createRunningContainer().then(async (container) => {
          await context.driver.stopContainer(container.id);
          return container;
        }),
      ]);
      for (const [status, id] of [
        ["created", created.id],
        ["stopped", stopped.id],
      ] as const) {
        const healthy = await context.driver.isContainerHealthy(id);
        check(healthy === false, `a ${status} container should not be healthy; got ${String(healthy)}`);
      }
    },
  },
];
