/**
 * The `idempotency` cases: capability `idempotency`: creates with one
 * `idempotencyKey` return one container, one after another and at the same
 * time, and also once it was stopped; a removed container frees its key;
 * different keys give different containers; the same key with another config
 * is `IdempotencyConflictError` and creates nothing.
 *
 * Each case uses keys of its own (unique in the run), so cases can run side
 * by side. Across driver instances the clause holds too, but a case has one
 * driver: drivers show that in their own tests.
 *
 * @module
 */
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import type { DriverConfigInput } from "../../builders.js";
import type { ContainerInstance } from "../../contract/schemas.js";

/** How many creates with one key the concurrent case starts at once. */
const CONCURRENT_CREATES = 8;

/** A config input with a key and a session id of its own, so the key's containers can be counted. */
type KeyedInput = DriverConfigInput & { readonly sessionId: string; readonly idempotencyKey: string };

function keyedInput(context: CaseContext, extra: DriverConfigInput = {}): KeyedInput {
  return { ...extra, sessionId: context.uniqueName("idem"), idempotencyKey: context.uniqueName("key") };
}

/** Create through the driver and track what comes back, once per id. */
async function createKeyed(context: CaseContext, input: DriverConfigInput): Promise<ContainerInstance> {
  const container = await context.driver.createContainer(context.containerConfig(input));
  context.track("container", container.id);
  return container;
}

/** The run's containers of one session: what the creates with one key left. */
async function containersOfSession(context: CaseContext, sessionId: string): Promise<ContainerInstance[]> {
  return context.driver.listContainers({ sessionId, label: { ...context.runLabels } });
}

async function checkOnlyContainer(context: CaseContext, sessionId: string, id: string): Promise<void> {
  const listed = await containersOfSession(context, sessionId);
  check(
    listed.length === 1 && listed[0]?.id === id,
    `the creates with one key left ${listed.length} containers (${listed.map((item) => item.id).join(", ")}); expected only ${id}`,
  );
}

const SAME_CASES: readonly ConformanceCase[] = [
  {
    id: "idempotency.key.sequential",
    tier: "idempotency",
    clause: "C-IDEMPOTENCY-SAME",
    checks:
      "a second create with the same key and config returns the first container (same id, idempotencyKey shown), and only one exists",
    async run(context) {
      const input = keyedInput(context);
      const first = await createKeyed(context, input);
      check(
        first.idempotencyKey === input.idempotencyKey,
        `the container shows idempotencyKey ${first.idempotencyKey}; it was created with ${input.idempotencyKey}`,
      );
      const second = await createKeyed(context, input);
      check(
        second.id === first.id,
        `the second create with key ${input.idempotencyKey} made ${second.id}; expected ${first.id}`,
      );
      await checkOnlyContainer(context, input.sessionId, first.id);
    },
  },
  {
    id: "idempotency.key.concurrent",
    tier: "idempotency",
    clause: "C-IDEMPOTENCY-SAME",
    checks: `${CONCURRENT_CREATES} creates at once with one key all resolve the same container, and only one exists`,
    async run(context) {
      const input = keyedInput(context);
      const settled = await Promise.allSettled(
        Array.from({ length: CONCURRENT_CREATES }, () => createKeyed(context, input)),
      );
      const rejected = settled.find((outcome) => outcome.status === "rejected");
      if (rejected !== undefined) throw rejected.reason;
      const ids = new Set(settled.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.id : "")));
      check(
        ids.size === 1,
        `${CONCURRENT_CREATES} creates with one key resolved ${ids.size} different ids: ${[...ids].join(", ")}`,
      );
      await checkOnlyContainer(context, input.sessionId, [...ids][0] ?? "");
    },
  },
  {
    id: "idempotency.key.after-stop",
    tier: "idempotency",
    clause: "C-IDEMPOTENCY-SAME",
    checks: "a create with the key of a container that was started and stopped returns that container, still stopped",
    async run(context) {
      const input = keyedInput(context);
      const first = await createKeyed(context, input);
      await context.driver.startContainer(first.id);
      await context.driver.stopContainer(first.id);
      const again = await createKeyed(context, input);
      check(again.id === first.id, `the create after the stop made ${again.id}; expected ${first.id}`);
      check(again.status === "stopped", `the container returned for the key is ${again.status}; it was stopped`);
      await checkOnlyContainer(context, input.sessionId, first.id);
    },
  },
  {
    id: "idempotency.key.after-remove",
    tier: "idempotency",
    clause: "C-IDEMPOTENCY-SAME",
    checks: "once the key's container is removed, a create with the key makes a new container",
    async run(context) {
      const input = keyedInput(context);
      const first = await createKeyed(context, input);
      await context.driver.removeContainer(first.id);
      const second = await createKeyed(context, input);
      check(second.id !== first.id, `the create after the removal returned the removed container ${first.id}`);
      check(second.status === "created", `the new container is ${second.status}; expected created`);
      await checkOnlyContainer(context, input.sessionId, second.id);
    },
  },
  {
    id: "idempotency.key.distinct",
    tier: "idempotency",
    clause: "C-IDEMPOTENCY-SAME",
    checks: "creates with two different keys and one config otherwise make two containers",
    async run(context) {
      const input = keyedInput(context);
      const first = await createKeyed(context, input);
      const second = await createKeyed(context, { ...input, idempotencyKey: context.uniqueName("key") });
      check(second.id !== first.id, `two different keys returned the same container ${first.id}`);
    },
  },
];

const CONFLICT_CASE: ConformanceCase = {
  id: "idempotency.conflict.other-config",
  tier: "idempotency",
  clause: "C-IDEMPOTENCY-CONFLICT",
  checks:
    "a create with a used key and another env, command or label rejects with IdempotencyConflictError (not retryable), creates nothing, and the first config still returns the first container",
  async run(context) {
    const input = keyedInput(context, { env: { TASK: "one" } });
    const first = await createKeyed(context, input);
    const others: readonly [string, DriverConfigInput][] = [
      ["env", { ...input, env: { TASK: "two" } }],
      ["command", { ...input, command: ["sh", "-c", "exit 0"] }],
      ["labels", { ...input, labels: { purpose: "other" } }],
    ];
    for (const [field, other] of others) {
      await context.expectError(
        () => createKeyed(context, other),
        "IdempotencyConflictError",
        `a create with key ${input.idempotencyKey} and another ${field}`,
      );
    }
    await checkOnlyContainer(context, input.sessionId, first.id);
    const again = await createKeyed(context, input);
    check(again.id === first.id, `after the conflicts the first config returned ${again.id}; expected ${first.id}`);
  },
};

/** Every case of this file, in run order. */
export const IDEMPOTENCY_CASES: readonly ConformanceCase[] = [...SAME_CASES, CONFLICT_CASE];
