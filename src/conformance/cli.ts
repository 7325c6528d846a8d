#!/usr/bin/env node
/**
 * `driver-conformance`: run the conformance suite from the shell.
 *
 * ```sh
 * driver-conformance mock-docker mock-local
 * driver-conformance ./dist/my-driver.js --tier core,execution --image busybox:latest
 * driver-conformance mock-docker --filter lifecycle. --json
 * ```
 *
 * A driver module exports a factory as `default` or `createDriver` (a class
 * is instantiated with no arguments) and may export `conformanceOptions`,
 * which the command-line options override. Exit code 0 only when every
 * selected case of every driver passed (skipped cases are fine), 1 when a
 * case failed, 2 for a usage error or a driver that could not be loaded.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getErrorMessage } from "../errors.js";
import type { ContainerDriver } from "../contract/driver.js";
import { formatReport, formatResultLine } from "./format.js";
import { runConformance, selectCases } from "./runner.js";
import { CONFORMANCE_TIERS } from "./types.js";
import type {
  ConformanceOptions,
  ConformanceProgress,
  ConformanceReport,
  ConformanceTier,
  DriverFactory,
} from "./types.js";

/** Where the command writes; injectable so that tests can read it. */
export type CliIo = {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  /** Directory that relative driver paths are resolved from. Default `process.cwd()`. */
  readonly workingDirectory?: string;
};

/** A driver to test: a factory plus the options that suit it. */
export type LoadedDriver = {
  readonly label: string;
  readonly factory: DriverFactory;
  readonly options: ConformanceOptions;
};

/** The names of the built-in drivers. */
export const BUILT_IN_DRIVERS = ["mock-docker", "mock-local"] as const;

const USAGE = `Usage: driver-conformance <driver>... [options]

  <driver>          mock-docker, mock-local, or a path to a module that exports a driver
                    factory as default or createDriver (and optionally conformanceOptions)
  --tier a,b        tiers to run: ${CONFORMANCE_TIERS.join(", ")} (default: all)
  --filter text     only cases whose id contains text; /regex/ for a pattern
  --image ref       image the cases create containers from (execution needs a busybox-like image)
  --timeout ms      time each case may take (default 30000)
  --poll ms         poll interval of waiting cases (default 50)
  --json            print the report as JSON (one object, or an array for several drivers)
  --list            print the selected cases (id, tier, clause, what each checks) without running them
  --help            print this text
`;

class UsageError extends Error {}

type ParsedArguments = {
  readonly drivers: string[];
  readonly options: ConformanceOptions;
  readonly json: boolean;
  readonly list: boolean;
  readonly help: boolean;
};

const TIERS: readonly string[] = CONFORMANCE_TIERS;

function parseFilter(text: string): string | RegExp {
  const pattern = /^\/(.+)\/([a-z]*)$/.exec(text);
  if (pattern === null) return text;
  try {
    return new RegExp(pattern[1] as string, pattern[2]);
  } catch (error) {
    throw new UsageError(`--filter ${text} is not a valid pattern: ${getErrorMessage(error)}`);
  }
}

function parseMs(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} needs a number of ms, not "${text}"`);
  return value;
}

/**
 * Parse the command line (without `node` and the script).
 *
 * @example
 * ```ts
 * parseArguments(["mock-docker", "--tier", "core"]);
 * ```
 */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  const drivers: string[] = [];
  const options: { -readonly [K in keyof ConformanceOptions]?: Exclude<ConformanceOptions[K], undefined> } = {};
  let json = false;
  let list = false;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const [flag, inline] = argument.startsWith("--") ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    const value = (): string => {
      const next = inline ?? argv[++index];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--tier":
      case "--tiers": {
        const tiers = value()
          .split(",")
          .map((tier) => tier.trim())
          .filter((tier) => tier !== "");
        for (const tier of tiers) {
          if (!TIERS.includes(tier)) throw new UsageError(`unknown tier "${tier}": use ${TIERS.join(", ")}`);
        }
        options.tiers = tiers as ConformanceTier[];
        break;
      }
      case "--filter":
        options.filter = parseFilter(value());
        break;
      case "--image":
        options.image = value();
        break;
      case "--timeout":
        options.timeoutMs = parseMs("--timeout", value());
        break;
      case "--poll":
        options.pollIntervalMs = parseMs("--poll", value());
        break;
      case "--json":
        json = true;
        break;
      case "--list":
        list = true;
        break;
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        if (argument.startsWith("-")) throw new UsageError(`unknown option ${argument}`);
        drivers.push(argument);
    }
  }
  return { drivers, options, json, list, help };
}

type MocksModule = typeof import("../../tests/mocks/index.js");

/**
 * The built-in mocks, with instant timing, a virtual clock shared by the run
 * and its drivers, their profile's limits and the hooks that put a
 * container in the statuses the interface cannot reach.
 */
async function loadBuiltIn(name: (typeof BUILT_IN_DRIVERS)[number]): Promise<LoadedDriver> {
  // The mocks are only loaded when asked for; the published build maps this path to its mocks entry.
  const mocks: MocksModule = await import("../../tests/mocks/index.js");
  const Driver = name === "mock-docker" ? mocks.MockDockerDriver : mocks.MockLocalDriver;
  const profile = name === "mock-docker" ? mocks.DOCKER_PROFILE : mocks.LOCAL_PROFILE;
  const simulate = (driver: ContainerDriver) => {
    if (!(driver instanceof mocks.MockDriver)) throw new Error(`${driver.name} is not a mock driver`);
    return driver.simulate;
  };
  // One simulated clock for the run and its drivers: the mocks' sleeps, timeouts and expiries cost no real time.
  const clock = mocks.createVirtualClock();
  return {
    label: name,
    factory: () => new Driver({ timing: "instant", clock }),
    options: {
      clock,
      limits: { ...profile.limits },
      arrange: {
        paused: (driver, id) => void simulate(driver).pause(id),
        removing: (driver, id) => void simulate(driver).removing(id),
        dead: (driver, id) => void simulate(driver).die(id),
        exited: (driver, id) => void simulate(driver).exit(id, 0),
      },
    },
  };
}

function isClass(value: unknown): value is new () => ContainerDriver {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * Load a driver module: its `default` or `createDriver` export as the
 * factory, its `conformanceOptions` as options.
 */
async function loadModule(specifier: string, cwd: string): Promise<LoadedDriver> {
  const url = pathToFileURL(resolve(cwd, specifier)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load ${specifier}: ${getErrorMessage(error)}`);
  }
  const exported = loaded.createDriver ?? loaded.default;
  let factory: DriverFactory;
  if (isClass(exported)) {
    factory = () => new exported();
  } else if (typeof exported === "function") {
    factory = exported as DriverFactory;
  } else {
    throw new UsageError(
      `${specifier} must export a driver factory as default or createDriver (found ${typeof exported}); export () => new YourDriver()`,
    );
  }
  const options = (loaded.conformanceOptions ?? {}) as ConformanceOptions;
  return { label: specifier, factory, options };
}

/** Load a built-in driver by name, or a driver module by path. */
export function loadDriver(specifier: string, cwd: string = process.cwd()): Promise<LoadedDriver> {
  return (BUILT_IN_DRIVERS as readonly string[]).includes(specifier)
    ? loadBuiltIn(specifier as (typeof BUILT_IN_DRIVERS)[number])
    : loadModule(specifier, cwd);
}

function progressReporter(io: CliIo, label: string): (event: ConformanceProgress) => void {
  if (io.stderr.isTTY === true) {
    return (event) => {
      if (event.type === "case-start") {
        io.stderr.write(`\r\x1b[2K${label} [${event.index + 1}/${event.total}] ${event.id}`);
      } else if (event.type === "run-end") {
        io.stderr.write("\r\x1b[2K");
      }
    };
  }
  let width = 0;
  return (event) => {
    if (event.type === "run-start") {
      io.stdout.write(`${event.driver.name} ${event.driver.version}: ${event.total} cases\n`);
    } else if (event.type === "case-end") {
      width = Math.max(width, 48);
      io.stdout.write(`${formatResultLine(event.result, width)}\n`);
    }
  };
}

function summaryOnly(report: ConformanceReport): string {
  const lines = formatReport(report).split("\n");
  return lines[lines.length - 1] ?? "";
}

/**
 * Run the command with `argv` (without `node` and the script) and resolve the
 * exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  let parsed: ParsedArguments;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    io.stderr.write(`driver-conformance: ${getErrorMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (parsed.list) {
    for (const conformanceCase of selectCases(parsed.options)) {
      io.stdout.write(
        `${conformanceCase.id}\t${conformanceCase.tier}\t${conformanceCase.clause}\t${conformanceCase.checks}\n`,
      );
    }
    return 0;
  }
  if (parsed.drivers.length === 0) {
    io.stderr.write(`driver-conformance: name at least one driver\n\n${USAGE}`);
    return 2;
  }
  const started = Date.now();
  const reports: ConformanceReport[] = [];
  for (const specifier of parsed.drivers) {
    let driver: LoadedDriver;
    try {
      driver = await loadDriver(specifier, io.workingDirectory ?? process.cwd());
    } catch (error) {
      io.stderr.write(`driver-conformance: ${getErrorMessage(error)}\n`);
      return 2;
    }
    const interactive = io.stderr.isTTY === true;
    const merged: ConformanceOptions = { ...driver.options, ...parsed.options };
    const options: ConformanceOptions = parsed.json
      ? merged
      : { ...merged, onProgress: progressReporter(io, driver.label) };
    let report: ConformanceReport;
    try {
      report = await runConformance(driver.factory, options);
    } catch (error) {
      io.stderr.write(`driver-conformance: ${driver.label} could not be tested: ${getErrorMessage(error)}\n`);
      return 2;
    }
    reports.push(report);
    if (!parsed.json) io.stdout.write(`${interactive ? formatReport(report) : summaryOnly(report)}\n\n`);
  }
  if (parsed.json) {
    io.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
  } else {
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    const failed = reports.filter((report) => !report.ok).map((report) => report.driver.name);
    io.stdout.write(
      `${reports.length} driver(s) in ${seconds} s: ${failed.length === 0 ? "all conformant" : `NOT conformant: ${failed.join(", ")}`}\n`,
    );
  }
  return reports.every((report) => report.ok) ? 0 : 1;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`driver-conformance: ${getErrorMessage(error)}\n`);
      process.exitCode = 2;
    },
  );
}
