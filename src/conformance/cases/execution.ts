/**
 * The `execution` tier, for drivers that really run commands, modelled on
 * the shared driver suite of the Orchestra system: output reaches the logs,
 * exit codes are real and stay, volumes are shared, env vars arrive and the
 * host's do not leak in, `follow` waits for the lines, and the secure
 * defaults hold inside the container.
 *
 * @module
 */
import type { DriverConfigInput } from "../../builders.js";
import { stateForStatus } from "../../lifecycle.js";
import type { ContainerInstance } from "../../contract/schemas.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { logLines } from "./queries.js";

/** Run `command` to its end and return the ended container and its log. */
async function runToEnd(
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

function shown(logs: string): string {
  const text = logs.length > 300 ? `${logs.slice(0, 300)}…` : logs;
  return JSON.stringify(text);
}

/** The host variable the env case sets while it runs, to see that it does not reach the container. */
export const HOST_ONLY_VARIABLE = "OPENAGENT_CONFORMANCE_HOST_ONLY";

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
    id: "execution.volume.shared",
    tier: "execution",
    clause: "C-EXEC-VOLUMES",
    checks: "a file one container writes to a volume is read by a second container that mounts the same volume",
    run: async (context) => {
      const volume = await context.createVolume();
      const token = context.uniqueName("vol");
      // A fresh volume belongs to root; root without capabilities may still
      // write to what it owns, so the writer runs as uid 0 and nothing else loosens.
      const mount: DriverConfigInput = {
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
        security: { user: "0:0" },
      };
      const writer = await runToEnd(context, ["sh", "-c", `echo ${token} > /data/shared.txt`], mount);
      check(
        writer.container.exitCode === 0,
        `the writer exited ${String(writer.container.exitCode)}: ${shown(writer.logs)}`,
      );
      const reader = await runToEnd(context, ["cat", "/data/shared.txt"], mount);
      check(reader.logs.includes(token), `the reader should print ${token}; it printed ${shown(reader.logs)}`);
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
      const { id } = await context.createRunningContainer({
        command: ["sh", "-c", "echo first; sleep 1; echo second; sleep 1; echo third"],
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
  {
    id: "execution.security.user",
    tier: "execution",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options the process does not run as root (id -u is not 0)",
    run: async (context) => {
      const { logs } = await runToEnd(context, ["id", "-u"]);
      const uid = logLines(logs)[0]?.trim();
      check(uid !== undefined && /^\d+$/.test(uid), `id -u printed ${shown(logs)}`);
      check(uid !== "0", "the process runs as root");
    },
  },
  {
    id: "execution.security.read-only-root",
    tier: "execution",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options the root file system is mounted read-only (and writing to / fails)",
    run: async (context) => {
      // A non-root user cannot write to / anyway, so the mount itself is what shows readOnly was honoured.
      const { logs } = await runToEnd(context, [
        "sh",
        "-c",
        "grep -E '^[^ ]+ / ' /proc/mounts; if touch /conformance-probe 2>/dev/null; then echo writable; else echo refused; fi",
      ]);
      const root = /^\S+ \/ \S+ (\S+)/m.exec(logs);
      check(root !== null, `/proc/mounts shows no root mount: ${shown(logs)}`);
      check((root[1] ?? "").split(",").includes("ro"), `the root file system is mounted ${root[1]}, not ro`);
      check(logs.includes("refused") && !logs.includes("writable"), `writing to / should fail: ${shown(logs)}`);
    },
  },
  {
    id: "execution.security.no-new-privileges",
    tier: "execution",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options NoNewPrivs is 1 in /proc/self/status",
    run: async (context) => {
      const { logs } = await runToEnd(context, ["grep", "NoNewPrivs", "/proc/self/status"]);
      check(/NoNewPrivs:\s*1/.test(logs), `NoNewPrivs should be 1: ${shown(logs)}`);
    },
  },
  {
    id: "execution.security.capabilities-dropped",
    tier: "execution",
    clause: "C-EXEC-SECURITY",
    checks:
      "with the default security options (drop ALL) the effective, permitted and bounding capability sets are empty",
    run: async (context) => {
      // A non-root process has no effective capabilities anyway; the bounding
      // set is what shows that the drop reached the container.
      const { logs } = await runToEnd(context, ["grep", "-E", "^Cap(Eff|Prm|Bnd):", "/proc/self/status"]);
      for (const set of ["CapEff", "CapPrm", "CapBnd"]) {
        const line = new RegExp(`^${set}:\\s*([0-9a-f]+)\\s*$`, "m").exec(logs);
        check(line !== null, `${set} missing from /proc/self/status: ${shown(logs)}`);
        check(/^0+$/.test(line[1] ?? ""), `${set} should be all zeros; it is ${line[1]}`);
      }
    },
  },
];
