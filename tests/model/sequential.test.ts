/**
 * Model-based test, one call at a time: random sequences of create, start,
 * stop, remove, get, list (and runtime events that put containers in the
 * statuses the table rejects) run against each mock and against the
 * reference model; every status, error and list result must match.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { createDriverConfig } from "../../src/builders.js";
import { stateForStatus } from "../../src/lifecycle.js";
import { CONTAINER_STATES, CONTAINER_STATUSES, type ContainerFilter } from "../../src/contract/schemas.js";
import { type MockDriver, MockDockerDriver, MockLocalDriver } from "../mocks/index.js";
import { outcomeOf, ReferenceModel, type Slot } from "./reference-model.js";

type Real = { readonly driver: MockDriver; readonly ids: string[] };
type ModelCommand = fc.AsyncCommand<ReferenceModel, Real>;

const SESSIONS = ["alpha", "beta"] as const;
const TIERS = ["web", "db"] as const;

function fail(message: string): never {
  throw new Error(message);
}

/** Resolve a generated pick to a slot: an existing slot most of the time, sometimes an id that never existed. */
function slotFor(pick: number, model: ReferenceModel): Slot {
  const count = model.slots.length;
  if (count === 0 || pick % 8 === 7) return "missing";
  return pick % count;
}

function idFor(slot: Slot, real: Real): string {
  return slot === "missing" ? "no-such-container" : (real.ids[slot] ?? fail(`no id for slot ${slot}`));
}

/** After every command: each slot's status, state and exit code on the driver equal the model's. */
async function compareAll(model: ReferenceModel, real: Real): Promise<void> {
  for (const [slot, expected] of model.slots.entries()) {
    const actual = await real.driver.getContainer(idFor(slot, real));
    if (expected === null) {
      if (actual !== null) fail(`slot ${slot} should be gone, driver has it as ${actual.status}`);
      continue;
    }
    if (actual === null) fail(`slot ${slot} should be ${expected.status}, driver has none`);
    if (actual.status !== expected.status) fail(`slot ${slot}: status ${actual.status}, model ${expected.status}`);
    if (actual.exitCode !== expected.exitCode)
      fail(`slot ${slot}: exit ${actual.exitCode}, model ${expected.exitCode}`);
    if (actual.state !== stateForStatus(expected.status, expected.exitCode))
      fail(`slot ${slot}: state ${actual.state}`);
  }
  const health = await real.driver.healthCheck();
  const counts = model.counts();
  if (JSON.stringify(health.containers) !== JSON.stringify(counts)) {
    fail(`health ${JSON.stringify(health.containers)}, model ${JSON.stringify(counts)}`);
  }
}

class Create implements ModelCommand {
  constructor(
    readonly session: (typeof SESSIONS)[number],
    readonly tier: (typeof TIERS)[number],
  ) {}
  check = () => true;
  async run(model: ReferenceModel, real: Real): Promise<void> {
    const created = await real.driver.createContainer(
      createDriverConfig({ sessionId: this.session, image: "alpine:3.20", labels: { tier: this.tier } }),
    );
    if (created.status !== "created" || created.state !== "terminated") fail(`created as ${created.status}`);
    model.create(this.session, { tier: this.tier });
    real.ids.push(created.id);
    await compareAll(model, real);
  }
  toString = () => `create(${this.session}, ${this.tier})`;
}

class Lifecycle implements ModelCommand {
  constructor(
    readonly operation: "start" | "stop" | "remove",
    readonly pick: number,
    readonly force: boolean,
  ) {}
  check = () => true;
  async run(model: ReferenceModel, real: Real): Promise<void> {
    const slot = slotFor(this.pick, model);
    const id = idFor(slot, real);
    const call =
      this.operation === "start"
        ? real.driver.startContainer(id)
        : this.operation === "stop"
          ? real.driver.stopContainer(id, { force: this.force })
          : real.driver.removeContainer(id);
    const actual = await outcomeOf(call);
    const expected = model.apply(this.operation, slot, this.force);
    if (actual !== expected) fail(`${this.operation}(${String(slot)}): driver ${actual}, model ${expected}`);
    await compareAll(model, real);
  }
  toString = () => `${this.operation}(#${this.pick}${this.operation === "stop" && this.force ? ", force" : ""})`;
}

class RuntimeEvent implements ModelCommand {
  constructor(
    readonly event: "exit" | "pause" | "die",
    readonly pick: number,
    readonly exitCode: number,
  ) {}
  check = (model: Readonly<ReferenceModel>) => model.slots.some((container) => container !== null);
  async run(model: ReferenceModel, real: Real): Promise<void> {
    const live = model.slots.flatMap((container, slot) => (container === null ? [] : [slot]));
    const slot = live[this.pick % live.length] ?? fail("no live container");
    const id = idFor(slot, real);
    const applied =
      this.event === "exit"
        ? real.driver.simulate.exit(id, this.exitCode)
        : this.event === "pause"
          ? real.driver.simulate.pause(id)
          : real.driver.simulate.die(id);
    const expected =
      this.event === "exit"
        ? model.exit(slot, this.exitCode)
        : this.event === "pause"
          ? model.pause(slot)
          : model.die(slot);
    if (applied !== expected) fail(`${this.event}(${slot}): driver ${applied}, model ${expected}`);
    await compareAll(model, real);
  }
  toString = () => `simulate.${this.event}(#${this.pick}${this.event === "exit" ? `, ${this.exitCode}` : ""})`;
}

class Get implements ModelCommand {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: ReferenceModel, real: Real): Promise<void> {
    const slot = slotFor(this.pick, model);
    const actual = await real.driver.getContainer(idFor(slot, real));
    const expected = slot === "missing" ? null : model.slots[slot];
    if ((actual?.status ?? null) !== (expected?.status ?? null)) {
      fail(`get(${String(slot)}): driver ${actual?.status ?? null}, model ${expected?.status ?? null}`);
    }
  }
  toString = () => `get(#${this.pick})`;
}

class List implements ModelCommand {
  constructor(readonly filter: ContainerFilter) {}
  check = () => true;
  async run(model: ReferenceModel, real: Real): Promise<void> {
    const actual = (await real.driver.listContainers(this.filter)).map((container) => container.id);
    const expected = model.list(this.filter).map((slot) => idFor(slot, real));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      fail(`list(${JSON.stringify(this.filter)}): driver ${actual.length} ids, model ${expected.length}`);
    }
  }
  toString = () => `list(${JSON.stringify(this.filter)})`;
}

const pick = fc.nat({ max: 63 });
const filterArbitrary: fc.Arbitrary<ContainerFilter> = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...SESSIONS).map((sessionId) => ({ sessionId })),
  fc.constantFrom(...CONTAINER_STATUSES).map((status) => ({ status })),
  fc.constantFrom(...CONTAINER_STATES).map((state) => ({ state })),
  fc.constantFrom(...TIERS).map((tier) => ({ label: { tier } })),
  fc
    .record({ sessionId: fc.constantFrom(...SESSIONS), tier: fc.constantFrom(...TIERS) })
    .map(({ sessionId, tier }) => ({ sessionId, label: { tier } })),
);

const commandArbitraries: fc.Arbitrary<ModelCommand>[] = [
  fc.tuple(fc.constantFrom(...SESSIONS), fc.constantFrom(...TIERS)).map(([session, tier]) => new Create(session, tier)),
  fc
    .tuple(fc.constantFrom("start", "stop", "remove") as fc.Arbitrary<"start" | "stop" | "remove">, pick, fc.boolean())
    .map(([operation, at, force]) => new Lifecycle(operation, at, force)),
  fc
    .tuple(
      fc.constantFrom("exit", "pause", "die") as fc.Arbitrary<"exit" | "pause" | "die">,
      pick,
      fc.nat({ max: 255 }),
    )
    .map(([event, at, code]) => new RuntimeEvent(event, at, code)),
  pick.map((at) => new Get(at)),
  filterArbitrary.map((filter) => new List(filter)),
];

describe.each([
  { name: "mock-docker", make: () => new MockDockerDriver({ timing: "instant" }) },
  { name: "mock-local", make: () => new MockLocalDriver({ timing: "instant" }) },
])("$name matches the reference model, one call at a time", ({ make }) => {
  it("for random sequences of create/start/stop/remove/get/list and runtime events", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbitraries, { maxCommands: 40, size: "max" }), async (commands) => {
        await fc.asyncModelRun(() => ({ model: new ReferenceModel(), real: { driver: make(), ids: [] } }), commands);
      }),
      { numRuns: 150 },
    );
  });
});
