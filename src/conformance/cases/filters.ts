/**
 * Filters: listContainers with each filter field alone and combined returns
 * exactly the matching containers, and an invalid filter is refused.
 *
 * @module
 */
import type { ContainerFilter, ContainerInstance } from "../../contract/schemas.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

function ids(containers: readonly ContainerInstance[]): string {
  return `[${containers.map((container) => container.id).join(", ")}]`;
}

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
