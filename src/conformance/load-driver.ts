/**
 * Loading the driver the command is asked to test: a built-in mock by name,
 * or a module by path (JavaScript, TypeScript through the user's own `tsx`,
 * ESM or CommonJS).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getErrorMessage } from "../errors.js";
import type { ContainerDriver } from "../contract/driver.js";
import type { ConformanceOptions, DriverFactory } from "./types.js";

/** A driver to test: a factory plus the options that suit it. */
export type LoadedDriver = {
  readonly label: string;
  readonly factory: DriverFactory;
  readonly options: ConformanceOptions;
};

/** The names of the built-in drivers. */
export const BUILT_IN_DRIVERS = ["mock-docker", "mock-local"] as const;

/** A driver that cannot be loaded; its message says why and what to do. */
export class DriverLoadError extends Error {
  /** A literal, so the kind survives minification. */
  override name = "DriverLoadError";
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
  // One simulated clock for the run and its drivers: the mocks' sleeps, timeouts and expiries cost no real time.
  const clock = mocks.createVirtualClock();
  const options: ConformanceOptions<InstanceType<typeof Driver>> = {
    clock,
    limits: { ...profile.limits },
    arrange: {
      paused: (driver, id) => void driver.simulate.pause(id),
      removing: (driver, id) => void driver.simulate.removing(id),
      dead: (driver, id) => void driver.simulate.die(id),
      exited: (driver, id) => void driver.simulate.exit(id, 0),
    },
  };
  return {
    label: name,
    factory: () => new Driver({ timing: "instant", clock }),
    options: options as ConformanceOptions,
  };
}

function isClass(value: unknown): value is new () => ContainerDriver {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx"];

/** Where `request` resolves from `directory`, as that project's own code would find it; `undefined` if nowhere. */
function resolveFrom(directory: string, request: string): string | undefined {
  try {
    return createRequire(join(directory, "package.json")).resolve(request);
  } catch {
    return undefined;
  }
}

/**
 * The ES module build of `tsx/esm/api` in the project at `directory`. A
 * `require`-style resolution would find its CommonJS build, whose
 * `tsImport` cannot register the loader from an ES module host; the
 * `import` target of the package's exports is read instead.
 */
function resolveTsxApi(directory: string): string | undefined {
  const manifest = resolveFrom(directory, "tsx/package.json");
  if (manifest !== undefined) {
    try {
      const entry = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, unknown> }).exports?.[
        "./esm/api"
      ];
      const conditions = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
      const esm = conditions.import;
      const target =
        typeof entry === "string"
          ? entry
          : typeof esm === "string"
            ? esm
            : (esm as { default?: unknown } | undefined)?.default;
      if (typeof target === "string") return join(dirname(manifest), target);
    } catch {
      // An unreadable manifest: fall back to plain resolution below.
    }
  }
  return resolveFrom(directory, "tsx/esm/api");
}

type TsxApi = {
  readonly tsImport?: (specifier: string, options: string | { parentURL: string }) => Promise<unknown>;
  readonly register?: () => unknown;
};

/**
 * Import a TypeScript module through the `tsx` of the user's project (found
 * from `cwd`, so the package does not depend on it), scoped to this import.
 */
async function importThroughTsx(specifier: string, url: string, cwd: string): Promise<Record<string, unknown>> {
  const tsx = resolveTsxApi(cwd);
  if (tsx === undefined) {
    throw new DriverLoadError(
      `cannot load ${specifier}: it is TypeScript, which Node does not run by itself. Install tsx or compile your factory: \`npm install --save-dev tsx\` in ${cwd}, or build it to JavaScript and pass the .js file`,
    );
  }
  try {
    const api = (await import(pathToFileURL(tsx).href)) as TsxApi;
    if (typeof api.tsImport === "function") {
      return (await api.tsImport(url, { parentURL: pathToFileURL(join(cwd, "index.js")).href })) as Record<
        string,
        unknown
      >;
    }
    api.register?.();
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new DriverLoadError(`cannot load ${specifier} through tsx (${tsx}): ${getErrorMessage(error)}`);
  }
}

async function importModule(specifier: string, cwd: string): Promise<Record<string, unknown>> {
  const path = resolve(cwd, specifier);
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && TYPESCRIPT_EXTENSIONS.includes(extname(path))) {
      return importThroughTsx(specifier, url, cwd);
    }
    throw new DriverLoadError(`cannot load ${specifier}: ${getErrorMessage(error)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * The exports that name the driver. A CommonJS module compiled from
 * `export default function createDriver` sets `module.exports.default`, and
 * `import()` hands the whole `module.exports` over as `default`: look inside.
 */
function driverExports(loaded: Record<string, unknown>): { factory: unknown; options: unknown } {
  const direct = loaded.createDriver ?? loaded.default;
  if (isRecord(direct) && typeof direct !== "function") {
    const inner = direct.createDriver ?? direct.default;
    if (typeof inner === "function") {
      return { factory: inner, options: loaded.conformanceOptions ?? direct.conformanceOptions };
    }
  }
  return { factory: direct, options: loaded.conformanceOptions };
}

/**
 * Load a driver module: its `default` or `createDriver` export as the
 * factory (a class is instantiated with no arguments), its
 * `conformanceOptions` as options.
 */
async function loadModule(specifier: string, cwd: string): Promise<LoadedDriver> {
  const { factory: exported, options } = driverExports(await importModule(specifier, cwd));
  let factory: DriverFactory;
  if (isClass(exported)) {
    factory = () => new exported();
  } else if (typeof exported === "function") {
    factory = exported as DriverFactory;
  } else {
    throw new DriverLoadError(
      `${specifier} must export a driver factory as default or createDriver (found ${exported === null ? "null" : typeof exported}); export () => new YourDriver()`,
    );
  }
  return { label: specifier, factory, options: (options ?? {}) as ConformanceOptions };
}

/**
 * Load a built-in driver by name, or a driver module by path (relative to
 * `cwd`). A TypeScript module is loaded through the `tsx` installed in the
 * project at `cwd`; without it, the error says to install tsx or compile the
 * factory. Rejects with {@link DriverLoadError}.
 *
 * @example
 * ```ts
 * const { factory, options } = await loadDriver("./src/factory.ts");
 * ```
 */
export function loadDriver(specifier: string, cwd: string = process.cwd()): Promise<LoadedDriver> {
  return (BUILT_IN_DRIVERS as readonly string[]).includes(specifier)
    ? loadBuiltIn(specifier as (typeof BUILT_IN_DRIVERS)[number])
    : loadModule(specifier, cwd);
}
