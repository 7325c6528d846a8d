/**
 * What the `exec` cases share: calling `execInContainer` through the driver
 * under test, checking a result, finding an exec's processes from inside the
 * container with a second exec, and bringing a container into the statuses
 * the transition table's `exec` row refuses.
 *
 * @module
 */
import { type ExecOptions, type ExecRequest, type ExecResult, ExecResultSchema } from "../../contract/exec.js";
import type { ContainerInstance, ContainerStatus } from "../../contract/schemas.js";
import { check, ConformanceCheckError } from "../context.js";
import type { CaseContext, ConformanceDriverInfo, ResolvedConformanceOptions } from "../types.js";
import { logLines } from "./logs.js";

/** Run `request` in container `id` through the driver under test. */
export function execIn(
  context: CaseContext,
  id: string,
  request: ExecRequest,
  options?: ExecOptions,
): Promise<ExecResult> {
  const { execInContainer } = context.driver;
  if (execInContainer === undefined) {
    throw new ConformanceCheckError("the driver declares exec but has no execInContainer");
  }
  return options === undefined ? execInContainer(id, request) : execInContainer(id, request, options);
}

/** `text` quoted for a failure message, cut after 300 characters. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

/** A result for a failure message: its flags and code, and both streams cut short. */
export function describeResult(result: ExecResult): string {
  const { stdout, stderr, ...rest } = result;
  return `${JSON.stringify(rest)}, stdout ${shown(stdout)}, stderr ${shown(stderr)}`;
}

/** Fail unless `result` has the schema's shape and ended on its own with `exitCode`. */
export function checkEnded(result: ExecResult, exitCode: number, what: string): void {
  const shape = ExecResultSchema.safeParse(result);
  check(shape.success, `${what}: the result does not have ExecResult's shape: ${shape.error?.message ?? ""}`);
  check(!result.timedOut, `${what}: the command should end on its own; it timed out (${describeResult(result)})`);
  check(!result.aborted, `${what}: aborted should be false; the result is ${describeResult(result)}`);
  check(
    result.exitCode === exitCode,
    `${what}: exitCode should be ${exitCode}; the result is ${describeResult(result)}`,
  );
}

/** A unique value for an environment variable that marks the processes of one exec. */
export const TOKEN_VARIABLE = "CONFORMANCE_EXEC_TOKEN";

/**
 * Prints the pid of every live process whose environment holds `$1`
 * (`NAME=value`), one per line. A zombie's environment is empty, so the dead
 * are not listed.
 */
const MARKED_PROCESSES_SCRIPT = `for f in /proc/[0-9]*/environ; do
  if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -qx -e "$1"; then p=\${f#/proc/}; echo "\${p%/environ}"; fi
done`;

/** The pids of the live processes of container `id` whose environment carries `token`, seen by a second exec. */
export async function markedProcesses(context: CaseContext, id: string, token: string): Promise<string[]> {
  const result = await execIn(context, id, {
    command: ["sh", "-c", MARKED_PROCESSES_SCRIPT, "sh", `${TOKEN_VARIABLE}=${token}`],
    timeoutMs: 20_000,
  });
  checkEnded(result, 0, "the exec that lists the processes");
  return logLines(result.stdout)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** How long a killed process may take to be gone after the call resolved, in ms. */
const KILL_GRACE_MS = 1_000;

/** Fail when a process of the exec marked `token` still lives (a moment after the call resolved). */
export async function checkNothingLeft(context: CaseContext, id: string, token: string, what: string): Promise<void> {
  const deadline = context.options.clock.now() + KILL_GRACE_MS;
  for (;;) {
    const left = await markedProcesses(context, id, token);
    if (left.length === 0) return;
    if (context.options.clock.now() >= deadline) {
      throw new ConformanceCheckError(
        `${what}: processes of the command still run afterwards (pids ${left.join(", ")})`,
      );
    }
    await context.sleep(context.options.pollIntervalMs);
  }
}

/**
 * A command that prints `started`, then starts processes that outlive a
 * simple kill of its own process: a background child, a child in a session
 * of its own (`setsid`), and an orphan (its parent subshell exits at once).
 */
const SPAWNING_COMMAND = ["sh", "-c", "sleep 600 & setsid sleep 600 & (sleep 600 &); echo started; sleep 600"] as const;

/** The spawning command, its processes marked with `token`, and a `timeoutMs` when given. */
export function killRequest(token: string, timeoutMs?: number): ExecRequest {
  return {
    command: [...SPAWNING_COMMAND],
    env: { [TOKEN_VARIABLE]: token },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

/** Fail unless `result` says the driver stopped the command (`how`), with `exitCode: null` and the output so far. */
export function checkStopped(result: ExecResult, how: "timedOut" | "aborted", what: string): void {
  const shape = ExecResultSchema.safeParse(result);
  check(shape.success, `${what}: the result does not have ExecResult's shape: ${shape.error?.message ?? ""}`);
  check(result[how], `${what}: ${how} should be true; the result is ${describeResult(result)}`);
  const other = how === "timedOut" ? "aborted" : "timedOut";
  check(!result[other], `${what}: ${other} should be false; the result is ${describeResult(result)}`);
  check(result.exitCode === null, `${what}: exitCode should be null; the result is ${describeResult(result)}`);
  check(
    logLines(result.stdout).includes("started"),
    `${what}: the output so far (started) should be kept; the result is ${describeResult(result)}`,
  );
}

/** Why `status` cannot be reached for the exec state cells, or `undefined` when it can. */
export function unreachable(
  status: ContainerStatus,
  options: ResolvedConformanceOptions,
  driver: ConformanceDriverInfo,
) {
  if (status === "created" || status === "running" || status === "stopped") return undefined;
  if (status === "paused" && driver.capabilities.includes("pause")) return undefined;
  if (status === "exited" && driver.capabilities.includes("execution")) return undefined;
  if (
    (status === "paused" || status === "dead" || status === "removing" || status === "exited") &&
    options.arrange[status] !== undefined
  ) {
    return undefined;
  }
  const hint =
    status === "paused" ? "declare pause, or give" : status === "exited" ? "declare execution, or give" : "give";
  return `status ${status} cannot be reached through the ContainerDriver interface (${hint} options.arrange.${status} to check it)`;
}

/** A fresh container in `status`: through the interface where it can, else the run's hook. */
export async function arrange(context: CaseContext, status: ContainerStatus): Promise<ContainerInstance> {
  const hooked = status === "paused" || status === "dead" || status === "removing" || status === "exited";
  const hook = hooked ? context.options.arrange[status] : undefined;
  const declares = (capability: string) => context.driver.capabilities?.includes(capability as never) === true;
  let container: ContainerInstance;
  if (status === "created") {
    container = await context.createContainer();
  } else if (status === "exited" && hook === undefined) {
    container = await context.createRunningContainer({ command: ["sh", "-c", "exit 0"] });
    const { id } = container;
    await context.waitFor(
      () => context.statusOf(id),
      (now) => now === "exited",
      `container ${id} exits`,
    );
  } else {
    container = await context.createRunningContainer();
    const { pauseContainer } = context.driver;
    if (status === "stopped") await context.driver.stopContainer(container.id);
    else if (status === "paused" && declares("pause") && pauseContainer !== undefined)
      await pauseContainer(container.id);
    else if (hook !== undefined) await hook(context.unwrappedDriver, container.id);
  }
  const reached = await context.statusOf(container.id);
  check(reached === status, `could not bring container ${container.id} into status ${status}: it is ${reached}`);
  return container;
}
