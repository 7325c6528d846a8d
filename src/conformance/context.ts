/**
 * The context a case runs in: a driver wrapped so that every rejection is
 * checked against the error contract, helpers that create labelled and
 * tracked resources, assertions, and polling bound to the case's deadline.
 *
 * @module
 */
import { createDriverConfig } from "../builders.js";
import { DRIVER_ERROR_DEFINITIONS, errorNameOfCode, getErrorMessage, isDriverError } from "../errors.js";
import type { ContainerDriver } from "../contract/driver.js";
import { ALL_DRIVER_METHODS, type AnyDriverMethod, methodsRequiredBy } from "../contract/methods.js";
import type {
  ContainerInstance,
  ContainerStatus,
  Network,
  NetworkConfig,
  Volume,
  VolumeConfig,
} from "../contract/schemas.js";
import { mergeConfigInput } from "./config-input.js";
import type { CaseContext, ResolvedConformanceOptions } from "./types.js";

/** The label key that marks everything a conformance run creates; its value is the run id. */
export const CONFORMANCE_RUN_LABEL = "openagent.conformance.run";

/** The label key that names the case that created a resource, for whoever finds a leftover. */
export const CONFORMANCE_CASE_LABEL = "openagent.conformance.case";

/**
 * A failed expectation of a case; its message is what the report shows. A
 * class of its own, so a case's own failure is told apart from an error the
 * driver threw.
 *
 * @example
 * ```ts
 * throw new ConformanceCheckError("the container should run; it is stopped");
 * ```
 */
export class ConformanceCheckError extends Error {
  /** A literal, so the report names the failure kind even after minification. */
  override name = "ConformanceCheckError";
}

/**
 * Fail the case with `message` unless `condition` holds.
 *
 * @example
 * ```ts
 * check(status === "running", `the container should run; it is ${status}`);
 * ```
 */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceCheckError(message);
}

/**
 * Why `error` breaks the error contract, or `undefined` when it honours it:
 * a `DriverError` (from any copy of the package) whose code is one of the
 * contract's codes and whose `retryable` flag is that code's.
 *
 * @example
 * ```ts
 * errorContractViolation(new Error("boom")); // 'rejected with Error "boom", which is not a DriverError'
 * errorContractViolation(new ContainerNotFoundError("c-1")); // undefined
 * ```
 */
export function errorContractViolation(error: unknown): string | undefined {
  if (!isDriverError(error)) {
    const name = error instanceof Error ? error.name : typeof error;
    return `rejected with ${name} "${getErrorMessage(error)}", which is not a DriverError`;
  }
  const name = errorNameOfCode(error.code);
  if (name === undefined) {
    return `rejected with code ${error.code}, which is not one of the contract's codes`;
  }
  const expected = DRIVER_ERROR_DEFINITIONS[name].retryable;
  if (error.retryable !== expected) {
    return `rejected with ${name} whose retryable flag is ${String(error.retryable)}; the contract says ${String(expected)}`;
  }
  return undefined;
}

/**
 * Wrap `driver` so that every method's rejection is checked by
 * {@link errorContractViolation}; violations are recorded and the rejection
 * passes through unchanged. A method that throws instead of returning a
 * rejected promise is recorded too.
 *
 * @param violations - where each violation is appended, so a case can fail on
 *   them after its own checks passed.
 * @param onResolved - called after each call that resolved, with its method
 *   and arguments, so the caller can see what succeeded (the runner forgets a
 *   resource once its removal resolved). Default: none.
 * @example
 * ```ts
 * const violations: string[] = [];
 * const checked = checkingDriver(driver, violations);
 * await checked.startContainer("no-such-id").catch(() => undefined);
 * violations; // [] when the rejection is a ContainerNotFoundError
 * ```
 */
export function checkingDriver(
  driver: ContainerDriver,
  violations: string[],
  onResolved?: (method: AnyDriverMethod, args: readonly unknown[]) => void,
): ContainerDriver {
  const wrapped: Record<string, unknown> = {};
  const required = new Set(methodsRequiredBy(Array.isArray(driver.capabilities) ? driver.capabilities : []));
  for (const method of ALL_DRIVER_METHODS) {
    const original = driver[method] as unknown;
    if (typeof original !== "function") {
      // An optional method the driver does not promise stays absent, as on the driver itself.
      if (required.has(method)) {
        wrapped[method] = () => Promise.reject(new ConformanceCheckError(`the driver has no method ${method}`));
      }
      continue;
    }
    wrapped[method] = (...args: unknown[]): Promise<unknown> => {
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(original.apply(driver, args));
      } catch (error) {
        violations.push(`${method} threw synchronously instead of returning a rejected promise`);
        pending = Promise.reject(error);
      }
      return pending.then(
        (value) => {
          onResolved?.(method, args);
          return value;
        },
        (error: unknown) => {
          const violation = errorContractViolation(error);
          if (violation !== undefined) violations.push(`${method} ${violation}`);
          throw error;
        },
      );
    };
  }
  return Object.freeze({
    ...wrapped,
    name: driver.name,
    version: driver.version,
    ...(driver.capabilities === undefined ? {} : { capabilities: driver.capabilities }),
  }) as ContainerDriver;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

type Tracked = { containers: string[]; volumes: string[]; networks: string[] };

/** What the runner needs besides the context: the tracked ids and the recorded violations. */
export type CaseHarness = {
  readonly context: CaseContext;
  readonly tracked: Readonly<Tracked>;
  readonly violations: readonly string[];
};

let nameCounter = 0;

/**
 * Build the context of one case around a fresh driver.
 *
 * @example
 * ```ts
 * const harness = createCaseHarness(await factory(), "lifecycle.start.from-stopped", options, signal);
 * await conformanceCase.run(harness.context);
 * ```
 */
export function createCaseHarness(
  driver: ContainerDriver,
  caseId: string,
  options: ResolvedConformanceOptions,
  signal: AbortSignal,
): CaseHarness {
  const violations: string[] = [];
  const tracked: Tracked = { containers: [], volumes: [], networks: [] };
  const untrack = (list: string[], id: unknown) => {
    const index = list.indexOf(String(id));
    if (index >= 0) list.splice(index, 1);
  };
  // What the case removed itself is not the sweep's business: removing it
  // again would only test the NotFound path a second time.
  const checked = checkingDriver(driver, violations, (method, args) => {
    if (method === "removeContainer") untrack(tracked.containers, args[0]);
    else if (method === "removeVolume") untrack(tracked.volumes, args[0]);
    else if (method === "removeNetwork") untrack(tracked.networks, args[0]);
  });
  const runLabels = Object.freeze({ [CONFORMANCE_RUN_LABEL]: options.runId });
  const caseLabels = caseLabelsOf(options.runId, caseId);
  const labelsFor = (extra: Readonly<Record<string, string>> | undefined) => ({ ...extra, ...caseLabels });

  const fail = (message: string): never => {
    throw new ConformanceCheckError(message);
  };

  const sleep = (ms: number) => options.clock.sleep(ms, signal);

  const context: CaseContext = {
    driver: checked,
    unwrappedDriver: driver,
    runId: options.runId,
    runLabels,
    caseId,
    caseLabels,
    options,
    signal,
    uniqueName(prefix) {
      nameCounter += 1;
      return `${prefix}-${options.runId}-${nameCounter.toString(36)}`;
    },
    containerConfig(input = {}) {
      const merged = mergeConfigInput(options.baseConfig, input);
      return createDriverConfig({
        sessionId: context.uniqueName("cf"),
        image: options.image,
        command: [...options.idleCommand],
        ...merged,
        labels: labelsFor(merged.labels),
      });
    },
    async createContainer(input) {
      const container = await checked.createContainer(context.containerConfig(input));
      tracked.containers.push(container.id);
      return container;
    },
    async createRunningContainer(input) {
      const container = await context.createContainer(input);
      await checked.startContainer(container.id);
      return container;
    },
    async createVolume(input = {}): Promise<Volume> {
      const config: VolumeConfig = { name: context.uniqueName("cfv"), ...input, labels: labelsFor(input.labels) };
      const volume = await checked.createVolume(config);
      tracked.volumes.push(volume.id);
      return volume;
    },
    async createNetwork(input = {}): Promise<Network> {
      const config: NetworkConfig = { name: context.uniqueName("cfn"), ...input, labels: labelsFor(input.labels) };
      const network = await checked.createNetwork(config);
      tracked.networks.push(network.id);
      return network;
    },
    track(kind, id) {
      if (kind === "container") tracked.containers.push(id);
      else if (kind === "volume") tracked.volumes.push(id);
      else tracked.networks.push(id);
    },
    ownContainers() {
      return checked.listContainers({ label: { ...caseLabels } });
    },
    async statusOf(id): Promise<ContainerStatus> {
      const container = await checked.getContainer(id);
      if (container === null) return fail(`container ${id} is gone (getContainer returned null)`);
      return container.status;
    },
    async expectError(action, expected, what) {
      let outcome: unknown;
      try {
        outcome = await action();
      } catch (error) {
        const definition = DRIVER_ERROR_DEFINITIONS[expected];
        if (!isDriverError(error)) {
          const name = error instanceof Error ? error.name : typeof error;
          return fail(`${what}: expected ${expected}, got ${name} "${getErrorMessage(error)}" (not a DriverError)`);
        }
        if (error.code !== definition.code) {
          const actualName = errorNameOfCode(error.code) ?? error.name;
          return fail(`${what}: expected ${expected} (${definition.code}), got ${actualName} (${error.code})`);
        }
        if (error.retryable !== definition.retryable) {
          return fail(
            `${what}: ${expected} has retryable ${String(error.retryable)}, the contract says ${String(definition.retryable)}`,
          );
        }
        return error;
      }
      return fail(`${what}: expected ${expected}, but the call resolved with ${describeValue(outcome)}`);
    },
    async waitFor(read, done, what) {
      for (;;) {
        if (signal.aborted) return fail(`gave up waiting until ${what}`);
        const value = await read();
        if (done(value)) return value;
        await sleep(options.pollIntervalMs);
      }
    },
    sleep,
    async removeTracked() {
      for (const id of tracked.containers.splice(0)) {
        if ((await checked.getContainer(id)) !== null) await checked.removeContainer(id);
      }
      for (const id of tracked.networks.splice(0)) await checked.removeNetwork(id);
      for (const id of tracked.volumes.splice(0)) await checked.removeVolume(id);
    },
  };
  return { context, tracked, violations };
}

/**
 * The labels of everything one case creates: the run's and the case's own.
 *
 * @example
 * ```ts
 * caseLabelsOf("ab12cd34", "lifecycle.start.from-created");
 * // { "openagent.conformance.run": "ab12cd34", "openagent.conformance.case": "lifecycle.start.from-created" }
 * ```
 */
export function caseLabelsOf(runId: string, caseId: string): Readonly<Record<string, string>> {
  return Object.freeze({ [CONFORMANCE_RUN_LABEL]: runId, [CONFORMANCE_CASE_LABEL]: caseId });
}

/**
 * Remove whatever a case left: its tracked resources, then every container
 * that still carries the case's labels (`labels`; other cases may be running
 * at the same time, so never the whole run's). Resources that are already
 * gone are fine. Resolves with what could not be removed, one line each.
 */
export async function sweep(
  driver: ContainerDriver,
  tracked: Readonly<Tracked>,
  labels: Readonly<Record<string, string>>,
): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      if (isDriverError(error) && error.code.endsWith("_NOT_FOUND")) return;
      problems.push(`${what}: ${getErrorMessage(error)}`);
    }
  };
  const containerIds = new Set(tracked.containers);
  await attempt("listing the case's containers", async () => {
    const leftovers: ContainerInstance[] = await driver.listContainers({ label: { ...labels } });
    for (const container of leftovers) containerIds.add(container.id);
  });
  // Containers are independent of each other: removed side by side. Networks and volumes wait for them.
  await Promise.all(
    [...containerIds].map((id) =>
      // A container that is gone already answers NotFound, which attempt() accepts.
      attempt(`removing container ${id}`, () => driver.removeContainer(id)),
    ),
  );
  for (const id of tracked.networks) await attempt(`removing network ${id}`, () => driver.removeNetwork(id));
  for (const id of tracked.volumes) await attempt(`removing volume ${id}`, () => driver.removeVolume(id));
  await attempt("checking the case's containers are gone", async () => {
    const left = await driver.listContainers({ label: { ...labels } });
    if (left.length > 0) {
      problems.push(`containers still listed after removal: ${left.map((container) => container.id).join(", ")}`);
    }
  });
  return problems;
}
