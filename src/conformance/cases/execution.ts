/**
 * The `execution` tier, for drivers that really run commands, modelled on
 * the shared driver suite of the Orchestra system: output reaches the logs,
 * exit codes are real and stay, env vars arrive and the host's do not leak
 * in, `follow` waits for the lines. What a container may not do (security
 * options, network `none`, mounts, shared volumes) is the `isolation` tier;
 * contract 1.0 had both in `execution`.
 *
 * @module
 */
import type { DriverConfigInput } from "../../builders.js";
import { stateForStatus } from "../../lifecycle.js";
import type { ContainerInstance } from "../../contract/schemas.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { logLines } from "./logs.js";

/**
 * Run `command` to its end and return the ended container and its log; the
 * `isolation` and `limits` cases use it too.
 *
 * @example
 * ```ts
 * const { container, logs } = await runToEnd(context, ["id", "-u"]);
 * ```
 */
export async function runToEnd(
  context: CaseContext,
  command: readonly string[],
  input: DriverConfigInput = {},
): Promise<{ container: ContainerInstance; logs: string }> {
  const { id } = await context.createRunningContainer({ ...input, command: [...command] });
  const container = await context.waitFor(
    () => context.driver.getContainer(id),
    (found) => found === null || found.status === "exited",
    `container ${id} running ${JSON.stringify(command)} exits`,
  );
  check(container !== null, `container ${id} disappeared instead of exiting`);
  const logs = await context.driver.getContainerLogs(id);
  return { container, logs };
}

/**
 * A log text for a failure message: JSON-quoted and cut at 300 characters.
 *
 * @example
 * ```ts
 * check(logs.includes("ok"), `the command should print ok; it printed ${shown(logs)}`);
 * ```
 */
export function shown(logs: string): string {
  const text = logs.length > 300 ? `${logs.slice(0, 300)}…` : logs;
  return JSON.stringify(text);
}

/** The host variable the env case sets while it runs, to see that it does not reach the container. */
export const HOST_ONLY_VARIABLE = "OPENAGENT_CONFORMANCE_HOST_ONLY";

/** Every case of the `execution` tier, in run order. */
export const EXECUTION_CASES: readonly ConformanceCase[] = [
  {
    id: "execution.logs.output",
    tier: "execution",
    clause: "C-EXEC-OUTPUT",
    checks: "what the command writes to stdout and to stderr appears in the logs, each stream in its order",
    run: async (context) => {
      const token = context.uniqueName("out");
      // An engine drains stdout and stderr as two pipes, so only the order
      // within one stream is defined; the pauses keep the streams apart anyway.
      const { logs } = await runToEnd(context, [
        "sh",
        "-c",
        `echo ${token}-out-1; sleep 0.2; echo ${token}-err >&2; sleep 0.2; echo ${token}-out-2`,
      ]);
      const lines = logLines(logs).map((line) => line.trim());
      for (const expected of [`${token}-out-1`, `${token}-err`, `${token}-out-2`]) {
        check(lines.includes(expected), `the logs should hold ${expected}; they are ${shown(logs)}`);
      }
      check(
        lines.indexOf(`${token}-out-1`) < lines.indexOf(`${token}-out-2`),
        `stdout lines are out of order: ${shown(logs)}`,
      );
    },
  },
  {
    id: "execution.exit-code.success",
    tier: "execution",
    clause: "C-EXEC-EXIT-CODE",
    checks: "a command that exits 0 leaves the container exited, exitCode 0, state terminated",
    run: async (context) => {
      const { container } = await runToEnd(context, ["sh", "-c", "exit 0"]);
      check(container.exitCode === 0, `exitCode should be 0; it is ${String(container.exitCode)}`);
      check(container.state === "terminated", `state should be terminated; it is ${container.state}`);
    },
  },
  {
    id: "execution.exit-code.failure",
    tier: "execution",
    clause: "C-EXEC-EXIT-CODE",
    checks: "a command that exits 3 leaves the container exited, exitCode 3, state error, and it stays that way",
    run: async (context) => {
      const { container } = await runToEnd(context, ["sh", "-c", "exit 3"]);
      check(container.exitCode === 3, `exitCode should be 3; it is ${String(container.exitCode)}`);
      check(
        container.state === stateForStatus("exited", 3),
        `state should be ${stateForStatus("exited", 3)}; it is ${container.state}`,
      );
      await context.sleep(context.options.pollIntervalMs * 4);
      const later = await context.driver.getContainer(container.id);
      check(
        later !== null && later.status === "exited" && later.exitCode === 3 && later.state === "error",
        `a little later it should still be exited with code 3; it is ${later?.status} with ${String(later?.exitCode)}`,
      );
      const listed = (await context.ownContainers()).find((entry) => entry.id === container.id);
      check(listed?.exitCode === 3, `listContainers shows exitCode ${String(listed?.exitCode)}, not 3`);
    },
  },
  {
    id: "execution.env.passed",
    tier: "execution",
    clause: "C-EXEC-ENV",
    checks: "the config's env vars arrive in the container, and a variable of the host's environment does not",
    run: async (context) => {
      const token = context.uniqueName("env");
      const previous = process.env[HOST_ONLY_VARIABLE];
      process.env[HOST_ONLY_VARIABLE] = token;
      try {
        const { logs } = await runToEnd(context, ["env"], {
          env: { OPENAGENT_CONFORMANCE_TOKEN: token, WITH_SPACES: "a b  c" },
        });
        const lines = logLines(logs).map((line) => line.trim());
        check(lines.includes(`OPENAGENT_CONFORMANCE_TOKEN=${token}`), `env var missing: ${shown(logs)}`);
        check(lines.includes("WITH_SPACES=a b  c"), `a value with spaces was changed: ${shown(logs)}`);
        check(!logs.includes(HOST_ONLY_VARIABLE), `the host's ${HOST_ONLY_VARIABLE} leaked into the container`);
      } finally {
        if (previous === undefined) delete process.env[HOST_ONLY_VARIABLE];
        else process.env[HOST_ONLY_VARIABLE] = previous;
      }
    },
  },
  {
    id: "execution.logs.follow-live",
    tier: "execution",
    clause: "C-EXEC-FOLLOW",
    checks: "follow, called while the command still writes, resolves after it exits with every line, in order",
    run: async (context) => {
      // The pauses are the workload (lines written while follow waits), not a wait for a state.
      const { id } = await context.createRunningContainer({
        command: ["sh", "-c", "echo first; sleep 0.4; echo second; sleep 0.4; echo third"],
      });
      const followed = await context.driver.getContainerLogs(id, { follow: true });
      const status = await context.statusOf(id);
      check(status === "exited", `follow resolved while the container was ${status}`);
      const lines = logLines(followed).map((line) => line.trim());
      check(
        JSON.stringify(lines.filter((line) => ["first", "second", "third"].includes(line))) ===
          JSON.stringify(["first", "second", "third"]),
        `follow should return first, second, third; it returned ${shown(followed)}`,
      );
    },
  },
];
