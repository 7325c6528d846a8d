#!/usr/bin/env node
/**
 * `driver-conformance`: run the conformance suite from the shell.
 *
 * ```sh
 * driver-conformance mock-docker mock-local
 * driver-conformance ./dist/my-driver.js --tier core,execution --image busybox:latest
 * driver-conformance ./src/factory.ts --reporter junit > conformance.xml
 * driver-conformance mock-docker --filter lifecycle. --json
 * ```
 *
 * A driver module exports a factory as `default` or `createDriver` (a class
 * is instantiated with no arguments; a CommonJS module's `module.exports.default`
 * is found too) and may export `conformanceOptions`, which the command-line
 * options override. A TypeScript module is loaded through the project's own
 * `tsx`. Exit code 0 only when no selected case of any driver failed
 * (skipped and declared-unsupported cases are listed, not failed), 1 when a
 * case failed, 2 for a usage error or a driver that could not be loaded.
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { getErrorMessage } from "../errors.js";
import { BUILT_IN_DRIVERS, DriverLoadError, type LoadedDriver, loadDriver } from "./load-driver.js";
import { formatJsonReport } from "./reporters/json.js";
import { formatJUnitReport } from "./reporters/junit.js";
import { createProgressReporter } from "./reporters/progress.js";
import { formatReport, formatSummaryLine } from "./reporters/table.js";
import { runConformance, selectCases } from "./runner.js";
import { CONFORMANCE_TIERS } from "./types.js";
import type { ConformanceOptions, ConformanceReport, ConformanceTier } from "./types.js";

export { BUILT_IN_DRIVERS, type LoadedDriver, loadDriver };

/** Where the command writes; injectable so that tests can read it. */
export type CliIo = {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  /** Where the live progress line is drawn when it is a terminal (`columns`: its width). */
  readonly stderr: {
    write(text: string): unknown;
    readonly isTTY?: boolean | undefined;
    readonly columns?: number | undefined;
  };
  /** Directory that relative driver paths (and the project's tsx) are resolved from. Default `process.cwd()`. */
  readonly workingDirectory?: string;
};

/** The report formats of `--reporter`. */
export const REPORTERS = ["table", "json", "junit"] as const;

/** One of {@link REPORTERS}. */
export type ReporterName = (typeof REPORTERS)[number];

const USAGE = `Usage: driver-conformance <driver>... [options]

  <driver>          mock-docker, mock-local, or a path to a module (.js, .cjs, .mjs, or .ts with
                    tsx installed) that exports a driver factory as default or createDriver
                    (and optionally conformanceOptions)
  --tier a,b        tiers to run: ${CONFORMANCE_TIERS.join(", ")} (default: all)
  --filter text     only cases whose id contains text; /regex/ for a pattern
  --image ref       image the cases create containers from (execution needs a busybox-like image)
  --timeout ms      time each case may take (default 30000)
  --poll ms         poll interval of waiting cases (default 50)
  --concurrency n   cases run at once (default 4; exclusive cases run alone)
  --reporter name   table (default), json (one object, or an array for several drivers), or junit (XML)
  --json            the same as --reporter json
  --list            print the selected cases (id, tier, clause, what each checks) without running them
  --help            print this text
`;

class UsageError extends Error {}

type ParsedArguments = {
  readonly drivers: string[];
  readonly options: ConformanceOptions;
  readonly reporter: ReporterName;
  /** `--reporter json`, kept for callers of 1.0. */
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
  let reporter: ReporterName = "table";
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
      case "--concurrency": {
        const text = value();
        const count = Number(text);
        if (!Number.isInteger(count) || count < 1)
          throw new UsageError(`--concurrency needs a whole number >= 1, not "${text}"`);
        options.concurrency = count;
        break;
      }
      case "--reporter": {
        const name = value();
        if (!(REPORTERS as readonly string[]).includes(name)) {
          throw new UsageError(`unknown reporter "${name}": use ${REPORTERS.join(", ")}`);
        }
        reporter = name as ReporterName;
        break;
      }
      case "--json":
        reporter = "json";
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
  return { drivers, options, reporter, json: reporter === "json", list, help };
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
      const former = conformanceCase.formerIds ?? [];
      const formerly = former.length === 0 ? "" : ` (formerly ${former.join(", ")})`;
      io.stdout.write(
        `${conformanceCase.id}\t${conformanceCase.tier}\t${conformanceCase.clause}\t${conformanceCase.checks}${formerly}\n`,
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
  const table = parsed.reporter === "table";
  const interactive = io.stderr.isTTY === true;
  for (const specifier of parsed.drivers) {
    let driver: LoadedDriver;
    try {
      driver = await loadDriver(specifier, io.workingDirectory ?? process.cwd());
    } catch (error) {
      const message =
        error instanceof DriverLoadError ? error.message : `cannot load ${specifier}: ${getErrorMessage(error)}`;
      io.stderr.write(`driver-conformance: ${message}\n`);
      return 2;
    }
    // The live line goes to a terminal's stderr; plain lines only where they cannot spoil a JSON or XML report.
    const progress = interactive ? io.stderr : table ? io.stdout : undefined;
    const options: ConformanceOptions = {
      ...driver.options,
      ...parsed.options,
      ...(progress === undefined ? {} : { onProgress: createProgressReporter(progress, driver.label) }),
    };
    let report: ConformanceReport;
    try {
      report = await runConformance(driver.factory, options);
    } catch (error) {
      io.stderr.write(`driver-conformance: ${driver.label} could not be tested: ${getErrorMessage(error)}\n`);
      return 2;
    }
    reports.push(report);
    if (table) io.stdout.write(`${interactive ? formatReport(report) : formatSummaryLine(report)}\n\n`);
  }
  if (parsed.reporter === "json") {
    io.stdout.write(formatJsonReport(reports));
  } else if (parsed.reporter === "junit") {
    io.stdout.write(formatJUnitReport(reports));
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
