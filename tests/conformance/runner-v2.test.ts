/**
 * What conformance v2 added to the runner: concurrency with exclusive cases,
 * close() after each case, baseConfig, unsupported cases, renamed case ids,
 * and limits read off the driver.
 */
import { describe, expect, it } from "vitest";
import {
  CONFORMANCE_CASES,
  CaseScheduler,
  type ConformanceProgress,
  closeDriver,
  mergeConfigInput,
  resolveConformanceOptions,
  runConformance,
  runOrder,
  selectCases,
} from "../../src/conformance/index.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import type { ContainerConfig } from "../../src/contract/schemas.js";
import { isDriverError } from "../../src/errors.js";
import { DOCKER_PROFILE, MockDockerDriver } from "../mocks/index.js";
import { conformanceOptions } from "../fixtures/broken-driver.js";

/** Mock drivers with a close() that counts, so a test can see how many are open at once. */
function countingFactory(options: { closeRejects?: boolean } = {}) {
  const state = { open: 0, maxOpen: 0, made: 0, closed: 0 };
  const factory = () => {
    const driver = new MockDockerDriver({ timing: "instant" });
    state.open += 1;
    state.made += 1;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    let closed = false;
    return Object.assign(driver, {
      close: async () => {
        // Stay open a moment, so that concurrent cases overlap even on an instant mock.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (!closed) {
          closed = true;
          state.open -= 1;
          state.closed += 1;
        }
        if (options.closeRejects === true) throw new Error("the pool would not drain");
      },
    });
  };
  return { factory, state };
}

describe("concurrency", () => {
  it("runs up to `concurrency` cases at once, closes every driver it made, and reports in case order", async () => {
    const { factory, state } = countingFactory();
    const report = await runConformance(factory, { ...conformanceOptions, tiers: ["core"], concurrency: 4 });
    expect(report.ok).toBe(true);
    expect(state.maxOpen).toBeGreaterThan(1);
    expect(state.maxOpen).toBeLessThanOrEqual(4);
    expect(state.closed).toBe(state.made);
    expect(state.open).toBe(0);
    expect(report.results.map((result) => result.id)).toEqual(selectCases({ tiers: ["core"] }).map((c) => c.id));
  });

  it("runs one case at a time with concurrency 1", async () => {
    const { factory, state } = countingFactory();
    await runConformance(factory, { ...conformanceOptions, filter: "lifecycle.start.", concurrency: 1 });
    expect(state.maxOpen).toBe(1);
  });

  it("runs an exclusive case alone, after every concurrent one", async () => {
    const events: ConformanceProgress[] = [];
    await runConformance(() => new MockDockerDriver({ timing: "instant" }), {
      ...conformanceOptions,
      tiers: ["core"],
      onProgress: (event) => events.push(event),
    });
    const exclusive = new Set(CONFORMANCE_CASES.filter((c) => c.exclusive === true).map((c) => c.id));
    expect(exclusive).toContain("health.check.counts");
    expect(exclusive).toContain("cleanup.run.nothing-left");
    const running = new Set<string>();
    let concurrentDone = false;
    for (const event of events) {
      if (event.type === "case-start") {
        if (exclusive.has(event.id)) {
          expect(running.size, `${event.id} started while ${[...running].join(", ")} ran`).toBe(0);
          concurrentDone = true;
        } else {
          expect(concurrentDone, `${event.id} started after an exclusive case`).toBe(false);
        }
        running.add(event.id);
      } else if (event.type === "case-end") {
        if (exclusive.has(event.result.id)) expect(running.size).toBe(1);
        running.delete(event.result.id);
      }
    }
    const starts = events.flatMap((event) => (event.type === "case-start" ? [event.id] : []));
    expect(starts.at(-1)).toBe("cleanup.run.nothing-left");
  });

  it("the scheduler serves turns in order and never runs an exclusive turn beside another", async () => {
    const scheduler = new CaseScheduler(2);
    const log: string[] = [];
    const job = (name: string, exclusive: boolean, ms: number) =>
      scheduler.run(exclusive, async () => {
        log.push(`+${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`-${name}`);
      });
    await Promise.all([job("a", false, 20), job("b", false, 10), job("X", true, 5), job("c", false, 1)]);
    expect(log.slice(0, 2).sort()).toEqual(["+a", "+b"]);
    const x = log.indexOf("+X");
    expect(
      log
        .slice(0, x)
        .filter((entry) => entry.startsWith("-"))
        .sort(),
    ).toEqual(["-a", "-b"]);
    expect(log[x + 1]).toBe("-X");
    expect(log.slice(x + 2)).toEqual(["+c", "-c"]);
  });

  it("orders exclusive cases last, keeping case order within each group", () => {
    const order = runOrder(CONFORMANCE_CASES).map((c) => c.id);
    const firstExclusive = order.findIndex((id) => CONFORMANCE_CASES.find((c) => c.id === id)?.exclusive === true);
    expect(order.slice(firstExclusive).every((id) => CONFORMANCE_CASES.find((c) => c.id === id)?.exclusive)).toBe(true);
    expect(order.at(-1)).toBe("cleanup.run.nothing-left");
  });

  it("refuses a concurrency that is not a whole number >= 1", () => {
    for (const concurrency of [0, 1.5, -2, Number.NaN]) {
      expect(() => resolveConformanceOptions({ concurrency })).toThrow(/concurrency/);
    }
  });
});

describe("close() after each case", () => {
  it("fails the case when close() rejects, and says so", async () => {
    const { factory } = countingFactory({ closeRejects: true });
    const report = await runConformance(factory, { filter: "identity.name" });
    expect(report.results[0]?.status).toBe("failed");
    expect(report.results[0]?.error).toBe("close() rejected: the pool would not drain");
  });

  it("closeDriver never throws: no close, a throwing getter, a synchronous throw", async () => {
    const base = new MockDockerDriver({ timing: "instant" });
    expect(await closeDriver(base)).toBeUndefined();
    const getter = Object.defineProperty(Object.create(base) as object, "close", {
      get() {
        throw new Error("no");
      },
    }) as ContainerDriver;
    expect(await closeDriver(getter)).toMatch(/reading close failed: no/);
    const sync = Object.assign(Object.create(base) as ContainerDriver, {
      close: () => {
        throw new Error("boom");
      },
    });
    expect(await closeDriver(sync)).toBe("close() rejected: boom");
  });
});

describe("baseConfig", () => {
  it("is merged under every config a case builds, field by field, and shown in the report", async () => {
    const configs: ContainerConfig[] = [];
    const factory = () => {
      const driver = new MockDockerDriver({ timing: "instant" });
      const create = driver.createContainer.bind(driver);
      return Object.assign(driver, {
        createContainer: (config: ContainerConfig) => {
          configs.push(config);
          return create(config);
        },
      });
    };
    const baseConfig = { env: { FROM_BASE: "1" }, security: { readOnly: false }, labels: { team: "drivers" } };
    const report = await runConformance(factory, { baseConfig, filter: /^(containers\.create\.instance|filters\.)/ });
    expect(report.ok).toBe(true);
    expect(report.baseConfig).toEqual(baseConfig);
    expect(configs.length).toBeGreaterThan(5);
    for (const config of configs) {
      expect(config.env.FROM_BASE).toBe("1");
      expect(config.security.readOnly).toBe(false);
      expect(config.security.noNewPrivileges).toBe(true);
      expect(config.labels.team).toBe("drivers");
    }
  });

  it("merges nested fields and lets the case's own win", () => {
    expect(
      mergeConfigInput(
        { security: { readOnly: false, capabilities: { drop: [] } }, resources: { memory: 64 }, command: ["a"] },
        { security: { user: "0:0", capabilities: { add: ["CHOWN"] } }, resources: { cpu: 1 }, command: ["b"] },
      ),
    ).toEqual({
      security: { readOnly: false, user: "0:0", capabilities: { drop: [], add: ["CHOWN"] } },
      resources: { memory: 64, cpu: 1 },
      command: ["b"],
    });
  });

  it("refuses a base config that cannot work, naming each field", () => {
    const refused = (baseConfig: unknown) => {
      try {
        resolveConformanceOptions({ baseConfig: baseConfig as never });
      } catch (error) {
        return isDriverError(error)
          ? (error as unknown as { issues: { path: string }[] }).issues.map((i) => i.path)
          : [];
      }
      return [];
    };
    expect(refused({ network: "my net" })).toEqual(["baseConfig.network"]);
    expect(refused({ sessionId: "fixed" })).toEqual(["baseConfig.sessionId"]);
    expect(refused({ security: { readonly: true } })).toEqual(["baseConfig.security.readonly"]);
    expect(refused("host")).toEqual(["baseConfig"]);
  });
});

describe("unsupported", () => {
  it("reports a declared case as unsupported with its reason, without running it, never as passed", async () => {
    const { factory, state } = countingFactory();
    const report = await runConformance(factory, {
      ...conformanceOptions,
      filter: /^(networks\.use\.|identity\.name$)/,
      unsupported: { "networks.use.*": "this runtime has no networks" },
    });
    const unsupported = report.results.filter((result) => result.status === "unsupported");
    expect(unsupported.map((result) => result.id).sort()).toEqual(["networks.use.created", "networks.use.none"]);
    for (const result of unsupported) expect(result.reason).toBe("this runtime has no networks");
    expect(report.summary).toMatchObject({ total: 3, passed: 1, unsupported: 2, failed: 0 });
    expect(report.ok).toBe(true);
    // The probe driver and identity.name's: the unsupported cases made none.
    expect(state.made).toBe(2);
  });

  it("finds a renamed case by its former id", async () => {
    const report = await runConformance(() => new MockDockerDriver({ timing: "instant" }), {
      tiers: ["isolation"],
      unsupported: { "execution.security.user": "runs as the host's user" },
    });
    const user = report.results.find((result) => result.id === "isolation.security.user");
    // The mock does not declare isolation: the skip wins over the declaration.
    expect(user?.status).toBe("skipped");
    const pretender = () =>
      Object.assign(new MockDockerDriver({ timing: "instant" }), { capabilities: ["isolation"] as const });
    const declared = await runConformance(pretender, {
      filter: "isolation.security.user",
      unsupported: { "execution.security.user": "runs as the host's user" },
    });
    expect(declared.results.map((result) => [result.status, result.reason])).toEqual([
      ["unsupported", "runs as the host's user"],
    ]);
  });

  it("refuses a key that matches no case, and a missing reason", () => {
    expect(() => resolveConformanceOptions({ unsupported: { "networks.use.nonee": "typo" } })).toThrow(
      /unsupported\.networks\.use\.nonee matches no case/,
    );
    expect(() => resolveConformanceOptions({ unsupported: { "identity.name": "" } })).toThrow(/needs a reason/);
  });
});

describe("case ids and limits", () => {
  it("selects a renamed case by its former id", () => {
    expect(selectCases({ filter: "execution.security.user" }).map((c) => c.id)).toEqual(["isolation.security.user"]);
    expect(selectCases({ filter: /^execution\.volume\./ }).map((c) => c.id)).toEqual(["isolation.volume.shared"]);
  });

  it("no former id is the id of another case", () => {
    const ids = new Set(CONFORMANCE_CASES.map((c) => c.id));
    for (const c of CONFORMANCE_CASES) for (const former of c.formerIds ?? []) expect(ids.has(former)).toBe(false);
  });

  it("reads the driver's own limits property when the options give none", async () => {
    const withLimits = () =>
      Object.assign(new MockDockerDriver({ timing: "instant" }), { limits: { ...DOCKER_PROFILE.limits } });
    const report = await runConformance(withLimits, { filter: "limits.declared" });
    expect(report.driver.limits).toEqual(DOCKER_PROFILE.limits);
    expect(report.results.map((result) => result.status)).toEqual(["passed", "passed"]);
  });
});
