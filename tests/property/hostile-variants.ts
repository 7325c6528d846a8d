/**
 * Hostile variants of a valid input: a throwing or trapped value at every
 * path of the sample, random combinations of them, and the driver calls that
 * carry them (for the mocks' and the Docker driver's hostile-input tests).
 */
import fc from "fast-check";
import { PLACED_VALUES, revokedProxy, THROWN_VALUES, throwerOf, trapEverything } from "./thrown-values.js";

/** A path into a value: object keys and array indexes. */
export type ValuePath = readonly (string | number)[];

function isPlainContainer(value: unknown): value is Record<string | number, unknown> {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Every path of `value` that leads into its plain objects and arrays, the root (`[]`) included. */
export function everyPath(value: unknown, prefix: ValuePath = []): ValuePath[] {
  const paths: ValuePath[] = [prefix];
  if (!isPlainContainer(value)) return paths;
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  for (const key of keys) paths.push(...everyPath(value[key], [...prefix, key]));
  return paths;
}

/** A copy of `value` (plain objects and arrays copied, anything else shared). */
function copyOf(value: unknown): unknown {
  if (!isPlainContainer(value)) return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = copyOf(field);
  return copy;
}

/**
 * A copy of `value` with the field at `path` changed by `change`, which
 * receives the field's parent (a copy) and key. `path` must not be empty.
 */
function changeAt(
  value: unknown,
  path: ValuePath,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = copyOf(value);
  let parent = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  change(parent, path[path.length - 1] as string | number);
  return copy;
}

/** Read the field at `path` of `value`. */
function fieldAt(value: unknown, path: ValuePath): unknown {
  let current = value;
  for (const segment of path) current = (current as Record<string | number, unknown>)[segment];
  return current;
}

/**
 * One hostile input: where it is hostile and how, for the failure message.
 * fast-check prints a counterexample through `toStringMethod`, so it never
 * reads the hostile value itself (its getters would throw out of the report).
 */
export type HostileVariant = {
  readonly label: string;
  readonly value: unknown;
  /** Whether every validator must refuse it: something in it throws on a read every validator makes. */
  readonly unreadable: boolean;
};

function variant(label: string, value: unknown, unreadable: boolean): HostileVariant {
  return { label, value, unreadable, [fc.toStringMethod]: () => label } as HostileVariant;
}

/**
 * Every way to make `sample` hostile at one position: at every path, a getter
 * that throws each of {@link THROWN_VALUES}, and each of
 * {@link PLACED_VALUES} in place of the field; at the root, each placed value
 * and a Proxy whose every trap throws each thrown value.
 */
export function hostileVariants(sample: unknown): HostileVariant[] {
  const variants: HostileVariant[] = [];
  const paths = everyPath(sample);
  // Large thrown values at the root, the first field and the deepest path: their cost is in the message, not the position.
  const deepest = paths.reduce((longest, path) => (path.length > longest.length ? path : longest), []);
  const sized = new Set([paths[1], deepest]);
  for (const path of paths) {
    const where = path.length === 0 ? "(root)" : path.join(".");
    const kinds =
      sized.has(path) || path.length === 0 ? THROWN_VALUES : THROWN_VALUES.filter((thrown) => !thrown.large);
    const placedValues = PLACED_VALUES.filter(
      (placed) => placed.large !== true || kinds.length === THROWN_VALUES.length,
    );
    if (path.length === 0) {
      for (const placed of placedValues) {
        variants.push(variant(`${where}: ${placed.kind}`, placed.make(sample), placed.unreadable));
      }
      continue;
    }
    const original = fieldAt(sample, path);
    for (const thrown of kinds) {
      variants.push(
        variant(
          `${where}: a getter that throws ${thrown.kind}`,
          changeAt(sample, path, (parent, key) => {
            Object.defineProperty(parent, key, { enumerable: true, configurable: true, get: throwerOf(thrown) });
          }),
          true,
        ),
      );
    }
    for (const placed of placedValues) {
      variants.push(
        variant(
          `${where}: ${placed.kind}`,
          changeAt(sample, path, (parent, key) => {
            parent[key] = placed.make(original);
          }),
          placed.unreadable,
        ),
      );
    }
  }
  return variants;
}

/**
 * `sample` with several positions made hostile at once (a getter at one, a
 * placed value at another), for property tests that combine them.
 */
export function hostileCombination(sample: unknown): fc.Arbitrary<HostileVariant> {
  const paths = everyPath(sample).filter((path) => path.length > 0);
  const change = fc.record({
    path: fc.constantFrom(...paths),
    thrown: fc.constantFrom(...THROWN_VALUES),
    placed: fc.option(fc.constantFrom(...PLACED_VALUES), { nil: undefined }),
  });
  const related = (a: ValuePath, b: ValuePath) =>
    a.slice(0, Math.min(a.length, b.length)).every((segment, index) => segment === b[index]);
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    // Positions apart from each other only (none inside another), so every change is in the result.
    const kept = changes.filter((candidate, index) =>
      changes.slice(0, index).every((earlier) => !related(earlier.path, candidate.path)),
    );
    const value = copyOf(sample);
    const labels: string[] = [];
    let unreadable = false;
    for (const { path, thrown, placed } of kept) {
      let parent = value as Record<string | number, unknown>;
      for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
      const key = path[path.length - 1] as string | number;
      if (placed === undefined) {
        Object.defineProperty(parent, key, { enumerable: true, configurable: true, get: throwerOf(thrown) });
        labels.push(`${path.join(".")}: a getter that throws ${thrown.kind}`);
        unreadable = true;
      } else {
        parent[key] = placed.make(parent[key]);
        labels.push(`${path.join(".")}: ${placed.kind}`);
        unreadable ||= placed.unreadable;
      }
    }
    return variant(labels.join("; "), value, unreadable);
  });
}

// ---------------------------------------------------------------------------
// Hostile input through a driver
// ---------------------------------------------------------------------------

/** The driver methods that take input, as the hostile calls use them. */
export type InputDriver = {
  createContainer(config: never): Promise<unknown>;
  startContainer(id: never): Promise<unknown>;
  stopContainer(id: never, options?: never): Promise<unknown>;
  removeContainer(id: never): Promise<unknown>;
  getContainer(id: never): Promise<unknown>;
  listContainers(filter?: never): Promise<unknown>;
  getContainerLogs(id: never, options?: never): Promise<unknown>;
  isContainerHealthy(id: never): Promise<unknown>;
  createVolume(config: never): Promise<unknown>;
  removeVolume(id: never): Promise<unknown>;
  createNetwork(config: never): Promise<unknown>;
  removeNetwork(id: never): Promise<unknown>;
};

/** One call of a driver method with a hostile argument. */
export type HostileCall = { readonly label: string; readonly call: (driver: InputDriver) => Promise<unknown> };

/**
 * Calls of every driver method that takes input, with an argument that throws
 * while being read, at every position of each input object (only unreadable
 * variants, so none can be valid and reach a runtime), and hostile ids.
 * `config` is a valid config for the driver under test; `containerId` an id
 * the options calls use (it need not exist: options are checked first).
 */
export function hostileDriverCalls(config: unknown, containerId: string): HostileCall[] {
  const unreadable = (sample: unknown) => hostileVariants(sample).filter((variant) => variant.unreadable);
  const calls: HostileCall[] = [];
  const add = (method: string, sample: unknown, call: (driver: InputDriver, value: never) => Promise<unknown>) => {
    for (const variant of unreadable(sample)) {
      calls.push({ label: `${method} with ${variant.label}`, call: (driver) => call(driver, variant.value as never) });
    }
  };
  const id = containerId as never;
  add("createContainer", config, (driver, value) => driver.createContainer(value));
  add("stopContainer", { timeout: 1_000, force: false }, (driver, value) => driver.stopContainer(id, value));
  add("getContainerLogs", { tail: 10, since: 0, timestamps: true, follow: false }, (driver, value) =>
    driver.getContainerLogs(id, value),
  );
  add("listContainers", { sessionId: "s-1", status: "running", state: "running", label: { a: "b" } }, (driver, value) =>
    driver.listContainers(value),
  );
  add("createVolume", { name: "hostile-volume", labels: { a: "b" } }, (driver, value) => driver.createVolume(value));
  add("createNetwork", { name: "hostile-network", labels: { a: "b" }, options: { a: "b" } }, (driver, value) =>
    driver.createNetwork(value),
  );
  const ids = [
    ...THROWN_VALUES.filter((thrown) => thrown.large !== true).map((thrown) => ({
      kind: `a Proxy whose traps throw ${thrown.kind}`,
      value: trapEverything({}, thrown),
    })),
    { kind: "a revoked Proxy", value: revokedProxy() },
  ];
  for (const { kind, value } of ids) {
    const hostile = value as never;
    for (const [method, call] of [
      ["startContainer", (driver: InputDriver) => driver.startContainer(hostile)],
      ["stopContainer", (driver: InputDriver) => driver.stopContainer(hostile)],
      ["removeContainer", (driver: InputDriver) => driver.removeContainer(hostile)],
      ["getContainer", (driver: InputDriver) => driver.getContainer(hostile)],
      ["getContainerLogs", (driver: InputDriver) => driver.getContainerLogs(hostile)],
      ["isContainerHealthy", (driver: InputDriver) => driver.isContainerHealthy(hostile)],
      ["removeVolume", (driver: InputDriver) => driver.removeVolume(hostile)],
      ["removeNetwork", (driver: InputDriver) => driver.removeNetwork(hostile)],
    ] as const) {
      calls.push({ label: `${method} with an id that is ${kind}`, call });
    }
  }
  return calls;
}
