/**
 * Model-based test under concurrency: a batch of calls is issued at once and
 * fast-check's scheduler decides in which order every operation's delay ends.
 * Whatever the interleaving:
 * - calls that change one container take effect in the order they were made,
 *   so each one's outcome equals the reference model's for that order;
 * - a read sees a status the container actually passes through;
 * - a list never shows a container whose creation failed or is unfinished;
 * - afterwards, driver and model agree on every container and on the counts.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { createDriverConfig } from "../../src/builders.js";
import type { Clock } from "../../src/clock.js";
import { statusesAfter } from "../../src/lifecycle.js";
import { ContainerInstanceSchema, type ContainerStatus } from "../../src/contract/schemas.js";
import { type MockDriver, type MockDriverOptions, MockDockerDriver, MockLocalDriver } from "../mocks/index.js";
import { outcomeOf, ReferenceModel, type Slot } from "./reference-model.js";

type Operation =
  | { readonly kind: "start" | "remove"; readonly pick: number }
  | { readonly kind: "stop"; readonly pick: number; readonly force: boolean }
  | { readonly kind: "get"; readonly pick: number }
  | { readonly kind: "list" }
  | { readonly kind: "create"; readonly valid: boolean };

const INITIAL = 4;
const CREATED_IN_BATCH = "batch";
const FAILED_IN_BATCH = "failed";

function fail(message: string): never {
  throw new Error(message);
}

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("start" as const, "remove" as const), pick: fc.nat({ max: INITIAL }) }),
  fc.record({ kind: fc.constant("stop" as const), pick: fc.nat({ max: INITIAL }), force: fc.boolean() }),
  fc.record({ kind: fc.constant("get" as const), pick: fc.nat({ max: INITIAL }) }),
  fc.record({ kind: fc.constant("list" as const) }),
  fc.record({ kind: fc.constant("create" as const), valid: fc.boolean() }),
);

/** `pick` INITIAL stands for an id that never existed. */
const slotOf = (pick: number): Slot => (pick >= INITIAL ? "missing" : pick);

describe.each([
  { name: "mock-docker", make: (options: MockDriverOptions) => new MockDockerDriver(options) },
  { name: "mock-local", make: (options: MockDriverOptions) => new MockLocalDriver(options) },
])("$name matches the reference model under any interleaving", ({ make }) => {
  it("for batches of concurrent create/start/stop/remove/get/list", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom<"created" | "running" | "stopped">("created", "running", "stopped"), {
          minLength: INITIAL,
          maxLength: INITIAL,
        }),
        fc.array(operationArbitrary, { minLength: 1, maxLength: 12 }),
        async (scheduler, initialStatuses, operations) => {
          // Every operation time is a task of the scheduler; during setup, sleeps end at once.
          let scheduled = false;
          let now = 0;
          const clock: Clock = {
            now: () => now++,
            sleep: () => (scheduled ? scheduler.schedule(Promise.resolve(), "operation time") : Promise.resolve()),
          };
          const driver: MockDriver = make({ clock, timing: { minMs: 1, maxMs: 1 } });
          const model = new ReferenceModel();
          const ids: string[] = [];
          for (const status of initialStatuses) {
            const { id } = await driver.createContainer(
              createDriverConfig({ sessionId: "initial", image: "alpine:3.20" }),
            );
            const slot = model.create("initial", {});
            ids.push(id);
            if (status !== "created") {
              await driver.startContainer(id);
              model.apply("start", slot);
            }
            if (status === "stopped") {
              await driver.stopContainer(id);
              model.apply("stop", slot);
            }
          }
          const idOf = (slot: Slot) => (slot === "missing" ? "never-existed" : (ids[slot] ?? fail("no id")));

          // Each initial container's path through this batch, in call order: what reads may see.
          const seen: (ContainerStatus | null)[][] = model.slots.map((container) => [container?.status ?? null]);
          const record = (slot: Slot) => {
            if (slot === "missing") return;
            seen[slot]?.push(model.slots[slot]?.status ?? null);
          };

          scheduled = true;
          const expected: Promise<void>[] = [];
          const reads: Promise<void>[] = [];
          let createdInBatch = 0;
          for (const operation of operations) {
            switch (operation.kind) {
              case "start":
              case "remove":
              case "stop": {
                const slot = slotOf(operation.pick);
                const id = idOf(slot);
                const force = operation.kind === "stop" && operation.force;
                const call =
                  operation.kind === "start"
                    ? driver.startContainer(id)
                    : operation.kind === "stop"
                      ? driver.stopContainer(id, { force })
                      : driver.removeContainer(id);
                const want = model.apply(operation.kind, slot, force);
                record(slot);
                expected.push(
                  outcomeOf(call).then((got) => {
                    if (got !== want) fail(`${operation.kind}(${String(slot)}): driver ${got}, model ${want}`);
                  }),
                );
                break;
              }
              case "get": {
                const slot = slotOf(operation.pick);
                const path = slot === "missing" ? [null] : (seen[slot] ?? fail("no path"));
                reads.push(
                  driver.getContainer(idOf(slot)).then((found) => {
                    // The path keeps growing while later calls are issued, so check after all were made.
                    const status = found?.status ?? null;
                    if (!path.includes(status)) fail(`get(${String(slot)}) saw ${status}, path ${path.join(",")}`);
                  }),
                );
                break;
              }
              case "list":
                reads.push(
                  driver.listContainers().then((listed) => {
                    for (const container of listed) {
                      ContainerInstanceSchema.parse(container);
                      if (container.sessionId === FAILED_IN_BATCH) fail("a failed create is listed");
                      if (container.sessionId === CREATED_IN_BATCH && container.status !== "created") {
                        fail(`a new container is listed as ${container.status}`);
                      }
                      const slot = ids.indexOf(container.id);
                      if (slot >= 0 && !seen[slot]?.includes(container.status)) {
                        fail(`list saw slot ${slot} as ${container.status}`);
                      }
                    }
                  }),
                );
                break;
              case "create": {
                const config = createDriverConfig({
                  sessionId: operation.valid ? CREATED_IN_BATCH : FAILED_IN_BATCH,
                  image: "alpine:3.20",
                  network: operation.valid ? "none" : "missing-network",
                });
                if (operation.valid) createdInBatch++;
                const want = operation.valid ? "ok" : "NetworkNotFoundError";
                expected.push(
                  outcomeOf(driver.createContainer(config)).then((got) => {
                    if (got !== want) fail(`create: driver ${got}, model ${want}`);
                  }),
                );
                break;
              }
            }
          }
          await scheduler.waitIdle();
          await Promise.all([...expected, ...reads]);

          // Afterwards: the same containers, statuses and counts as the model.
          scheduled = false;
          for (const [slot, container] of model.slots.entries()) {
            const found = await driver.getContainer(idOf(slot));
            if ((found?.status ?? null) !== (container?.status ?? null)) {
              fail(`after the batch, slot ${slot} is ${found?.status ?? null}, model ${container?.status ?? null}`);
            }
            const path = seen[slot] ?? fail("no path");
            // Every status on the path is one the table allows after the previous one.
            for (let step = 1; step < path.length; step++) {
              const before = path[step - 1] ?? null;
              const after = path[step] ?? null;
              if (before === null) {
                if (after !== null) fail(`slot ${slot} came back after removal`);
                continue;
              }
              const allowed = [
                ...(statusesAfter("start", before) ?? [null]),
                ...(statusesAfter("stop", before) ?? [null]),
                ...(statusesAfter("remove", before) ?? [null]),
              ];
              if (!allowed.includes(after)) fail(`slot ${slot} moved ${before} → ${after}`);
            }
          }
          const batch = await driver.listContainers({ sessionId: CREATED_IN_BATCH });
          if (batch.length !== createdInBatch) fail(`${batch.length} new containers, expected ${createdInBatch}`);
          if ((await driver.listContainers({ sessionId: FAILED_IN_BATCH })).length !== 0)
            fail("failed create left one");
          const health = await driver.healthCheck();
          const counts = model.counts();
          const total = counts.total + createdInBatch;
          if (health.containers.total !== total || health.containers.running !== counts.running) {
            fail(`health ${JSON.stringify(health.containers)}, model ${JSON.stringify(counts)} + ${createdInBatch}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
