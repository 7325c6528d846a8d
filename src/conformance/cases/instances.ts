/**
 * The created instance: what createContainer and getContainer report about a
 * container (its shape, its state derived from its status, startedAt).
 *
 * @module
 */
import { ContainerInstanceSchema } from "../../contract/schemas.js";
import { stateForStatus } from "../../lifecycle.js";
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";

export const INSTANCE_CASES: readonly ConformanceCase[] = [
  {
    id: "containers.create.instance",
    tier: "core",
    clause: "C-CREATE-INSTANCE",
    checks:
      "createContainer resolves a valid ContainerInstance in status created, with the config's session id, image, labels and resources, that getContainer and listContainers show",
    run: async (context) => {
      const config = context.containerConfig({ labels: { purpose: "instance" } });
      const created = await context.driver.createContainer(config);
      context.track("container", created.id);
      const parsed = ContainerInstanceSchema.safeParse(created);
      check(parsed.success, `not a valid ContainerInstance: ${parsed.error?.message}`);
      check(created.status === "created", `a new container should be created; it is ${created.status}`);
      check(created.sessionId === config.sessionId, "sessionId differs from the config's");
      check(created.image === config.image, "image differs from the config's");
      for (const [key, value] of Object.entries(config.labels)) {
        check(created.labels[key] === value, `label ${key} should be "${value}"; it is "${created.labels[key]}"`);
      }
      check(
        JSON.stringify(created.resources) === JSON.stringify(config.resources) ||
          Object.entries(config.resources).every(([key, value]) => created.resources[key as "cpu"] === value),
        `resources ${JSON.stringify(created.resources)} differ from the config's ${JSON.stringify(config.resources)}`,
      );
      const fetched = await context.driver.getContainer(created.id);
      check(fetched !== null && fetched.id === created.id, "getContainer does not find the new container");
      const listed = await context.ownContainers();
      check(
        listed.some((container) => container.id === created.id),
        "listContainers does not show the new one",
      );
    },
  },
  {
    id: "containers.state.derived",
    tier: "core",
    clause: "C-STATE-DERIVED",
    checks: "in every status a case can reach, state is stateForStatus(status, exitCode), in get and list alike",
    run: async (context) => {
      const [created, running, stopped] = await Promise.all([
        context.createContainer(),
        context.createRunningContainer(),
        context.createRunningContainer().then(async (container) => {
          await context.driver.stopContainer(container.id);
          return container;
        }),
      ]);
      const listed = await context.ownContainers();
      for (const { id } of [created, running, stopped]) {
        const fetched = await context.driver.getContainer(id);
        const inList = listed.find((container) => container.id === id);
        for (const [where, container] of [
          ["getContainer", fetched],
          ["listContainers", inList],
        ] as const) {
          check(container !== null && container !== undefined, `${where} does not show ${id}`);
          const expected = stateForStatus(container.status, container.exitCode);
          check(
            container.state === expected,
            `${where}: status ${container.status} means state ${expected}; it says ${container.state}`,
          );
        }
      }
    },
  },
  {
    id: "containers.start.started-at",
    tier: "core",
    clause: "C-CREATE-INSTANCE",
    checks: "a running container has a finite startedAt",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const running = await context.driver.getContainer(id);
      check(running !== null, `container ${id} is gone`);
      check(
        typeof running.startedAt === "number" && Number.isFinite(running.startedAt),
        `startedAt should be set once running; it is ${String(running.startedAt)}`,
      );
    },
  },
];
