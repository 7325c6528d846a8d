/**
 * Identity, the created instance, filters, logs and health: what a driver
 * reports about itself and its containers.
 *
 * @module
 */
import { stateForStatus } from "../../lifecycle.js";
import { DRIVER_CAPABILITIES } from "../../contract/driver.js";
import { DRIVER_METHODS } from "../../contract/methods.js";
import {
  type ContainerFilter,
  type ContainerInstance,
  ContainerInstanceSchema,
  DriverHealthSchema,
} from "../../contract/schemas.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

/** `MAJOR.MINOR.PATCH` with optional pre-release and build, as semver.org defines it. */
export const SEMVER_PATTERN: RegExp =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** An ISO-8601 time followed by one space, at the start of a line. */
export const TIMESTAMP_PREFIX_PATTERN: RegExp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) /;

/**
 * The lines of a log text: split on newlines, without the empty string after
 * a final newline (which `split` alone would count as a line).
 *
 * @example
 * ```ts
 * logLines("a\nb\n"); // ["a", "b"]
 * ```
 */
export function logLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function ids(containers: readonly ContainerInstance[]): string {
  return `[${containers.map((container) => container.id).join(", ")}]`;
}

// ---------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// The created instance
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

type FilterFixture = {
  readonly sessionA: string;
  readonly sessionB: string;
  /** session A, role a, tier x, running */
  readonly a: ContainerInstance;
  /** session B, role b, tier x, created */
  readonly b: ContainerInstance;
  /** session A, role a, no tier, stopped */
  readonly c: ContainerInstance;
};

async function arrangeFilterFixture(context: CaseContext): Promise<FilterFixture> {
  const sessionA = context.uniqueName("fa");
  const sessionB = context.uniqueName("fb");
  // Three independent containers: arranged side by side, which a driver must allow (C-CONCURRENCY).
  const [a, b, c] = await Promise.all([
    context.createRunningContainer({ sessionId: sessionA, labels: { role: "a", tier: "x" } }),
    context.createContainer({ sessionId: sessionB, labels: { role: "b", tier: "x" } }),
    context.createRunningContainer({ sessionId: sessionA, labels: { role: "a" } }).then(async (container) => {
      await context.driver.stopContainer(container.id);
      return container;
    }),
  ]);
  return { sessionA, sessionB, a, b, c };
}

/**
 * List with `filter` and check that, of the fixture's containers, the result
 * holds exactly `expected`. Other containers (of other cases and runs) may
 * appear, and must then match the filter.
 */
async function expectListed(
  context: CaseContext,
  fixture: FilterFixture,
  filter: ContainerFilter,
  expected: readonly ContainerInstance[],
  everyMatches: (container: ContainerInstance) => boolean,
): Promise<void> {
  const listed = await context.driver.listContainers(filter);
  // The case made exactly these three; reading them off the fixture spares a listing per check.
  const ownIds = new Set([fixture.a.id, fixture.b.id, fixture.c.id]);
  const own = listed.filter((container) => ownIds.has(container.id));
  const want = new Set(expected.map((container) => container.id));
  const what = `listContainers(${JSON.stringify(filter)})`;
  check(
    own.length === want.size && own.every((container) => want.has(container.id)),
    `${what} should return ${ids(expected)} of this run; it returned ${ids(own)}`,
  );
  const stray = listed.find((container) => !everyMatches(container));
  check(stray === undefined, `${what} returned ${stray?.id}, which does not match the filter`);
}

export const FILTER_CASES: readonly ConformanceCase[] = [
  {
    id: "filters.none",
    tier: "core",
    clause: "C-FILTERS",
    checks: "listContainers() with no filter, undefined or {} lists every container of the driver",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { a, b, c } = fixture;
      for (const listed of [
        await context.driver.listContainers(),
        await context.driver.listContainers(undefined),
        await context.driver.listContainers({}),
      ]) {
        for (const container of [a, b, c]) {
          check(
            listed.some((entry) => entry.id === container.id),
            `a list without filter lacks ${container.id}`,
          );
        }
      }
    },
  },
  {
    id: "filters.session-id",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter sessionId returns exactly the containers of that session",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { sessionA, sessionB, a, b, c } = fixture;
      await expectListed(context, fixture, { sessionId: sessionA }, [a, c], (x) => x.sessionId === sessionA);
      await expectListed(context, fixture, { sessionId: sessionB }, [b], (x) => x.sessionId === sessionB);
    },
  },
  {
    id: "filters.status",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter status returns exactly the containers in that status",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { a, b, c } = fixture;
      await expectListed(context, fixture, { status: "running" }, [a], (x) => x.status === "running");
      await expectListed(context, fixture, { status: "created" }, [b], (x) => x.status === "created");
      await expectListed(context, fixture, { status: "stopped" }, [c], (x) => x.status === "stopped");
      await expectListed(context, fixture, { status: "paused" }, [], (x) => x.status === "paused");
    },
  },
  {
    id: "filters.state",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter state returns exactly the containers in that state",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { a, b, c } = fixture;
      await expectListed(context, fixture, { state: "running" }, [a], (x) => x.state === "running");
      await expectListed(context, fixture, { state: "terminated" }, [b, c], (x) => x.state === "terminated");
      await expectListed(context, fixture, { state: "error" }, [], (x) => x.state === "error");
    },
  },
  {
    id: "filters.label.match",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter label returns the containers that carry every given label with the given value",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { a, b, c } = fixture;
      const run = context.runLabels;
      await expectListed(context, fixture, { label: { ...run } }, [a, b, c], () => true);
      await expectListed(context, fixture, { label: { ...run, role: "a" } }, [a, c], (x) => x.labels.role === "a");
    },
  },
  {
    id: "filters.label.exclusion",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter label excludes containers that lack a given key or carry another value",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { a, b } = fixture;
      const run = context.runLabels;
      await expectListed(context, fixture, { label: { ...run, tier: "x" } }, [a, b], (x) => x.labels.tier === "x");
      await expectListed(
        context,
        fixture,
        { label: { ...run, role: "a", tier: "x" } },
        [a],
        (x) => x.labels.role === "a",
      );
      await expectListed(context, fixture, { label: { ...run, role: "nobody" } }, [], () => false);
    },
  },
  {
    id: "filters.combined",
    tier: "core",
    clause: "C-FILTERS",
    checks: "filter fields combine with AND",
    run: async (context) => {
      const fixture = await arrangeFilterFixture(context);
      const { sessionA, c } = fixture;
      const run = context.runLabels;
      await expectListed(
        context,
        fixture,
        { sessionId: sessionA, status: "stopped", label: { ...run, role: "a" } },
        [c],
        (x) => x.sessionId === sessionA && x.status === "stopped",
      );
      await expectListed(
        context,
        fixture,
        { sessionId: sessionA, status: "created", label: { ...run } },
        [],
        (x) => x.sessionId === sessionA && x.status === "created",
      );
    },
  },
  {
    id: "filters.invalid",
    tier: "core",
    clause: "C-OPTIONS-VALIDATION",
    checks:
      "a filter with an unknown field, an unknown status or a non-string label value rejects with ConfigurationError",
    run: async (context) => {
      const invalid: readonly [string, unknown][] = [
        ["an unknown field", { sessionid: "x" }],
        ["an unknown status", { status: "sleeping" }],
        ["a non-string label value", { label: { role: 1 } }],
      ];
      for (const [what, filter] of invalid) {
        await context.expectError(
          () => context.driver.listContainers(filter as ContainerFilter),
          "ConfigurationError",
          `listContainers with ${what}`,
        );
      }
    },
  },
];

// ---------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------

/** A container that has run and stopped twice, so that every driver has had a chance to log something. */
async function arrangeLoggedContainer(context: CaseContext): Promise<string> {
  const { id } = await context.createRunningContainer();
  await context.driver.stopContainer(id);
  await context.driver.startContainer(id);
  await context.driver.stopContainer(id);
  return id;
}

export const LOG_CASES: readonly ConformanceCase[] = [
  {
    id: "logs.tail",
    tier: "core",
    clause: "C-LOGS",
    checks: "tail N returns the last N lines of the full log (0 returns nothing)",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const full = logLines(await context.driver.getContainerLogs(id));
      for (const tail of new Set([0, 1, Math.max(0, full.length - 1), full.length, full.length + 5])) {
        const got = logLines(await context.driver.getContainerLogs(id, { tail }));
        const want = tail === 0 ? [] : full.slice(-tail);
        check(
          JSON.stringify(got) === JSON.stringify(want),
          `tail ${tail} of ${full.length} lines returned ${got.length} line(s) that are not the last ${Math.min(tail, full.length)}`,
        );
      }
    },
  },
  {
    id: "logs.since",
    tier: "core",
    clause: "C-LOGS",
    checks: "since 0 returns the full log; since a time after the last line returns nothing",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const full = await context.driver.getContainerLogs(id);
      const fromEpoch = await context.driver.getContainerLogs(id, { since: 0 });
      check(logLines(fromEpoch).length === logLines(full).length, "since 0 should return the full log");
      const future = context.options.clock.now() + 24 * 60 * 60 * 1000;
      const fromFuture = await context.driver.getContainerLogs(id, { since: future });
      check(
        logLines(fromFuture).length === 0,
        `since a day ahead should return nothing; got ${logLines(fromFuture).length} line(s)`,
      );
    },
  },
  {
    id: "logs.timestamps",
    tier: "core",
    clause: "C-LOGS",
    checks: "timestamps prefixes every line with an ISO-8601 time and a space, and the rest of the line is unchanged",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const plain = logLines(await context.driver.getContainerLogs(id));
      const stamped = logLines(await context.driver.getContainerLogs(id, { timestamps: true }));
      check(stamped.length === plain.length, `timestamps changed the line count: ${plain.length} → ${stamped.length}`);
      stamped.forEach((line, index) => {
        check(TIMESTAMP_PREFIX_PATTERN.test(line), `line ${index + 1} lacks an ISO-8601 prefix: "${line}"`);
        const rest = line.replace(TIMESTAMP_PREFIX_PATTERN, "");
        check(rest === plain[index], `line ${index + 1} differs after its timestamp: "${rest}"`);
      });
    },
  },
  {
    id: "logs.follow.resolves-after-stop",
    tier: "core",
    clause: "C-LOGS",
    checks: "follow on a running container resolves only once it is no longer running (after stopContainer)",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      let settled = false;
      const followed = context.driver.getContainerLogs(id, { follow: true }).finally(() => {
        settled = true;
      });
      followed.catch(() => undefined);
      await context.sleep(context.options.pollIntervalMs);
      const status = await context.statusOf(id);
      check(!settled || status !== "running", "follow resolved while the container was still running");
      await context.driver.stopContainer(id);
      const text = await followed;
      check(typeof text === "string", "follow should resolve a string");
    },
  },
  {
    id: "logs.follow.not-running",
    tier: "core",
    clause: "C-LOGS",
    checks: "follow on a container that is not running resolves with its log instead of waiting",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const plain = await context.driver.getContainerLogs(id);
      const followed = await context.driver.getContainerLogs(id, { follow: true });
      check(
        logLines(followed).length === logLines(plain).length,
        "follow on a stopped container should return the same log as without follow",
      );
    },
  },
  {
    id: "logs.options.invalid",
    tier: "core",
    clause: "C-OPTIONS-VALIDATION",
    checks:
      "log options with a negative or fractional tail, a negative since or an unknown key reject with ConfigurationError",
    run: async (context) => {
      const { id } = await context.createContainer();
      const invalid: readonly [string, unknown][] = [
        ["tail -1", { tail: -1 }],
        ["tail 1.5", { tail: 1.5 }],
        ["since -1", { since: -1 }],
        ["an unknown key", { lines: 10 }],
      ];
      for (const [what, options] of invalid) {
        await context.expectError(
          () => context.driver.getContainerLogs(id, options as never),
          "ConfigurationError",
          `getContainerLogs with ${what}`,
        );
      }
    },
  },
];

// ---------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------

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

/** Shared with other case files: membership check on a list by id. */
export function listedIds(containers: readonly ContainerInstance[]): Set<string> {
  return new Set(containers.map((container) => container.id));
}
