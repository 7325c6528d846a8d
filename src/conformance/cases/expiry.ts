/**
 * The `expiry` cases: capability `expiry`: `ttlMs` sets `expiresAt`, the
 * driver removes an expired container whatever its status, and
 * `setContainerExpiry` moves it, clears it, or makes it due at once.
 *
 * The cases use expiries of a second or two and wait, polling, up to the
 * case's deadline: a driver that sweeps on an interval passes when its
 * interval fits in the deadline (a test factory gives a short one). They
 * compare times the driver reports with each other (`createdAt`,
 * `expiresAt`) and with the run's clock, never with `Date.now()`, so a
 * driver on a manual clock passes too when the run shares its clock.
 *
 * "Not removed" is shown without a fixed wait: beside the container under
 * test, a sentinel expires a little later; once the driver has removed the
 * sentinel, it has swept past the time at which the container under test
 * would have been removed had its expiry not moved.
 *
 * @module
 */
import type { ContainerDriver } from "../../contract/driver.js";
import type { ContainerInstance } from "../../contract/schemas.js";
import { check, ConformanceCheckError } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

/** A time to live the cases wait out, in ms. */
const SHORT_TTL_MS = 1_500;
/** The time to live of a container the case also starts: room for a slow start before it expires. */
const RUNNING_TTL_MS = 3_000;
/** The sentinel's time to live: later than {@link SHORT_TTL_MS}, so its removal shows a sweep past it. */
const SENTINEL_TTL_MS = 2_500;
/** A time to live no case waits out, in ms (ten minutes). */
const LONG_TTL_MS = 600_000;
/**
 * How far `expiresAt` may be from `createdAt + ttlMs`, in ms: a driver may
 * compute the expiry from its own clock just before the runtime stamps
 * `createdAt`.
 */
const EXPIRES_AT_TOLERANCE_MS = 2_000;
/** How much sooner than `expiresAt` the run may see a container gone, in ms (the clocks of run and runtime may differ a little). */
const EARLY_TOLERANCE_MS = 500;

function setExpiry(driver: ContainerDriver, id: string, expiresAt: number | null): Promise<void> {
  const method = driver.setContainerExpiry;
  if (method === undefined) return Promise.reject(new ConformanceCheckError("the driver has no setContainerExpiry"));
  return method.call(driver, id, expiresAt);
}

/** Wait until `id` is gone, and return the run's time when it was first seen gone. */
async function waitUntilRemoved(context: CaseContext, id: string, what: string): Promise<number> {
  await context.waitFor(
    () => context.driver.getContainer(id),
    (container) => container === null,
    what,
  );
  return context.options.clock.now();
}

function expiresAtOf(container: ContainerInstance | null, id: string): number | undefined {
  check(container !== null, `container ${id} is gone`);
  return container.expiresAt;
}

/** `id`'s expiresAt is `expected` (within a second: a driver may keep whole seconds), or absent for `undefined`. */
async function checkShown(context: CaseContext, id: string, expected: number | undefined): Promise<void> {
  const shown = expiresAtOf(await context.driver.getContainer(id), id);
  const asExpected =
    expected === undefined ? shown === undefined : shown !== undefined && Math.abs(shown - expected) <= 1_000;
  check(asExpected, `after setContainerExpiry(${expected ?? null}) getContainer shows expiresAt ${shown}`);
}

async function sentinelRemoved(context: CaseContext): Promise<void> {
  const sentinel = await context.createContainer({ ttlMs: SENTINEL_TTL_MS });
  await waitUntilRemoved(context, sentinel.id, `the sentinel ${sentinel.id} (ttlMs ${SENTINEL_TTL_MS}) to be removed`);
}

const TTL_CASES: readonly ConformanceCase[] = [
  {
    id: "expiry.ttl.expires-at",
    tier: "expiry",
    clause: "C-EXPIRY-TTL",
    checks: `a container created with ttlMs shows expiresAt = createdAt + ttlMs (within ${EXPIRES_AT_TOLERANCE_MS} ms) in create, get and list alike; one without ttlMs shows none`,
    async run(context) {
      const created = await context.createContainer({ ttlMs: LONG_TTL_MS });
      const expected = created.createdAt + LONG_TTL_MS;
      check(created.expiresAt !== undefined, "createContainer with ttlMs returned no expiresAt");
      check(
        Math.abs(created.expiresAt - expected) <= EXPIRES_AT_TOLERANCE_MS,
        `expiresAt is ${created.expiresAt}, createdAt + ttlMs is ${expected}: ${created.expiresAt - expected} ms apart`,
      );
      const got = expiresAtOf(await context.driver.getContainer(created.id), created.id);
      check(
        got === created.expiresAt,
        `getContainer shows expiresAt ${got}, createContainer showed ${created.expiresAt}`,
      );
      const listed = (await context.ownContainers()).find((container) => container.id === created.id);
      check(listed !== undefined, `listContainers does not show ${created.id}`);
      check(
        listed.expiresAt === created.expiresAt,
        `listContainers shows expiresAt ${listed.expiresAt}, createContainer showed ${created.expiresAt}`,
      );
      const plain = await context.createContainer();
      check(plain.expiresAt === undefined, `a container created without ttlMs shows expiresAt ${plain.expiresAt}`);
    },
  },
  {
    id: "expiry.ttl.removed",
    tier: "expiry",
    clause: "C-EXPIRY-REMOVAL",
    checks: `containers created with ttlMs, one never started (${SHORT_TTL_MS} ms) and one running (${RUNNING_TTL_MS} ms), are removed by the driver after expiresAt and not before; a container without ttlMs stays`,
    async run(context) {
      const keeper = await context.createRunningContainer();
      const created = await context.createContainer({ ttlMs: SHORT_TTL_MS });
      const running = await context.createRunningContainer({ ttlMs: RUNNING_TTL_MS });
      for (const container of [created, running]) {
        check(container.expiresAt !== undefined, `container ${container.id} created with ttlMs shows no expiresAt`);
        const goneAt = await waitUntilRemoved(
          context,
          container.id,
          `container ${container.id} (expiresAt ${container.expiresAt}) to be removed by the driver`,
        );
        check(
          goneAt >= container.expiresAt - EARLY_TOLERANCE_MS,
          `container ${container.id} was gone at ${goneAt}, ${container.expiresAt - goneAt} ms before its expiresAt ${container.expiresAt}`,
        );
        const listed = await context.ownContainers();
        check(
          !listed.some((item) => item.id === container.id),
          `listContainers still shows the expired ${container.id}`,
        );
      }
      check((await context.driver.getContainer(keeper.id)) !== null, "a container without ttlMs was removed too");
    },
  },
];

const SET_CASES: readonly ConformanceCase[] = [
  {
    id: "expiry.set.extend",
    tier: "expiry",
    clause: "C-EXPIRY-SET",
    checks: `setContainerExpiry moves expiresAt sooner, then later, and the container outlives the sooner time (a sentinel expiring after it is removed first)`,
    async run(context) {
      const container = await context.createContainer({ ttlMs: LONG_TTL_MS });
      // Moved twice in quick succession, so a slow create cannot use up the short expiry before it is moved.
      await setExpiry(context.driver, container.id, context.options.clock.now() + SHORT_TTL_MS);
      const later = container.createdAt + LONG_TTL_MS * 2;
      await setExpiry(context.driver, container.id, later);
      await checkShown(context, container.id, later);
      await sentinelRemoved(context);
      const after = await context.driver.getContainer(container.id);
      check(
        after !== null,
        "the container was removed at the sooner expiry although setContainerExpiry moved it later",
      );
      check(
        after.status === "created",
        `the container whose expiry moved is ${after.status}; it should be created still`,
      );
    },
  },
  {
    id: "expiry.set.clear",
    tier: "expiry",
    clause: "C-EXPIRY-SET",
    checks:
      "setContainerExpiry(id, null) clears expiresAt, and the container outlives the expiry it had (a sentinel expiring after it is removed first)",
    async run(context) {
      const container = await context.createContainer({ ttlMs: LONG_TTL_MS });
      await setExpiry(context.driver, container.id, context.options.clock.now() + SHORT_TTL_MS);
      await setExpiry(context.driver, container.id, null);
      await checkShown(context, container.id, undefined);
      await sentinelRemoved(context);
      check(
        (await context.driver.getContainer(container.id)) !== null,
        "the container was removed at the expiry it had although setContainerExpiry cleared it",
      );
    },
  },
  {
    id: "expiry.set.past",
    tier: "expiry",
    clause: "C-EXPIRY-SET",
    checks: "setContainerExpiry to a time already past on a container without expiry makes the driver remove it",
    async run(context) {
      const container = await context.createRunningContainer();
      await setExpiry(context.driver, container.id, container.createdAt);
      await waitUntilRemoved(
        context,
        container.id,
        `container ${container.id}, whose expiry was set to the past, to be removed`,
      );
    },
  },
  {
    id: "expiry.set.invalid",
    tier: "expiry",
    clause: "C-EXPIRY-SET",
    checks:
      "setContainerExpiry with NaN, Infinity, a negative time or a string rejects with ConfigurationError and leaves expiresAt as it was",
    async run(context) {
      const container = await context.createContainer({ ttlMs: LONG_TTL_MS });
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, "soon"]) {
        await context.expectError(
          () => setExpiry(context.driver, container.id, bad as number),
          "ConfigurationError",
          `setContainerExpiry(${typeof bad === "string" ? JSON.stringify(bad) : String(bad)})`,
        );
      }
      const shown = expiresAtOf(await context.driver.getContainer(container.id), container.id);
      check(
        shown === container.expiresAt,
        `a refused setContainerExpiry changed expiresAt from ${container.expiresAt} to ${shown}`,
      );
    },
  },
  {
    id: "expiry.set.not-found",
    tier: "expiry",
    clause: "C-EXPIRY-SET",
    checks: "setContainerExpiry of an unknown id rejects with ContainerNotFoundError",
    async run(context) {
      await context.expectError(
        () => setExpiry(context.driver, context.uniqueName("missing"), null),
        "ContainerNotFoundError",
        "setContainerExpiry of an unknown id",
      );
    },
  },
];

/** Every case of this file, in run order. */
export const EXPIRY_CASES: readonly ConformanceCase[] = [...TTL_CASES, ...SET_CASES];
