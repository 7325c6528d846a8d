/**
 * The `limits` tier, for drivers that enforce resource limits: the memory,
 * pids and cpu limits of the config are what the container's cgroup says
 * (cgroup v1 and v2 files alike), a memory hog is killed and reported as
 * such, and a fork bomb is held by the pids limit.
 *
 * The loads are bounded so that a driver that does not enforce a limit
 * (a negative control) cannot hurt the host: the memory hog stops growing at
 * four times its limit, the fork bomb at 255 processes that end after a second.
 *
 * @module
 */
import { stateForStatus } from "../../lifecycle.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { runToEnd, shown } from "./execution.js";
import { logLines } from "./logs.js";

/** Bytes in the contract's MB (the unit of `resources.memory`): 2^20. */
export const BYTES_PER_MB = 1_048_576;

/** Where each limit can be read inside a container: cgroup v2 first, then v1's controller directories. */
export const CGROUP_LIMIT_FILES = Object.freeze({
  memory: ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"],
  pids: ["/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"],
  cpu: [
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
    "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us",
  ],
});

/** The files holding the number of processes of the container's cgroup, v2 then v1. */
const PIDS_CURRENT_FILES = ["/sys/fs/cgroup/pids.current", "/sys/fs/cgroup/pids/pids.current"];

/** A shell line printing `path=content` for each readable file of `paths`. */
function printFiles(paths: readonly string[]): string {
  return `for f in ${paths.join(" ")}; do if [ -r "$f" ]; then echo "$f=$(cat "$f")"; fi; done`;
}

/** The `path=content` pairs a {@link printFiles} command printed. */
function filesIn(logs: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const line of logLines(logs)) {
    const at = line.indexOf("=");
    if (at > 0 && line.startsWith("/")) files.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return files;
}

/** `wanted`, or less when the driver declares a lower maximum for `resource`. */
function within(context: CaseContext, resource: "memory" | "pids" | "cpu", wanted: number): number {
  const limit = context.options.limits?.[resource];
  return limit === undefined ? wanted : Math.min(wanted, limit);
}

/** Run a container with `resources` that prints the files of one limit, and return what it printed. */
async function readLimitFiles(
  context: CaseContext,
  resource: keyof typeof CGROUP_LIMIT_FILES,
  resources: { memory?: number; pids?: number; cpu?: number },
): Promise<{ files: Map<string, string>; logs: string }> {
  const { logs } = await runToEnd(context, ["sh", "-c", printFiles(CGROUP_LIMIT_FILES[resource])], { resources });
  const files = filesIn(logs);
  check(files.size > 0, `no cgroup file of the ${resource} limit could be read in the container: ${shown(logs)}`);
  return { files, logs };
}

const first = (files: Map<string, string>, paths: readonly string[]) =>
  paths.map((path) => files.get(path)).find((value) => value !== undefined);

/** The memory hog: doubles a shell string 22 times (64 MiB at the end) unless killed first, then says so. */
const MEMORY_HOG = 'x=0123456789abcdef; i=0; while [ $i -lt 22 ]; do x="$x$x"; i=$((i+1)); done; echo survived';

/**
 * The fork bomb: a binary tree of subshells seven levels deep (255
 * processes, the leaves sleeping a second), while the main shell samples the
 * cgroup's process count with builtins only (a fork would fail at the limit)
 * until the bomb is over, then prints the peak.
 */
const FORK_BOMB = [
  `p=${PIDS_CURRENT_FILES[0]}; [ -r $p ] || p=${PIDS_CURRENT_FILES[1]}`,
  "b() { if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & wait; else exec sleep 1; fi; }",
  "b 7 2>/dev/null &",
  "bomb=$!; peak=0",
  "while kill -0 $bomb 2>/dev/null; do read n < $p; if [ $n -gt $peak ]; then peak=$n; fi; done",
  "wait",
  'echo "peak=$peak"',
].join("\n");

/** Every case of the `limits` tier, in run order. */
export const LIMITS_CASES: readonly ConformanceCase[] = [
  {
    id: "limits.inside.memory",
    tier: "limits",
    clause: "C-LIMITS-INSIDE",
    checks:
      "a container created with 48 MB of memory reads 48 × 2^20 bytes in its cgroup (memory.max, or memory.limit_in_bytes on cgroup v1)",
    run: async (context) => {
      const memory = within(context, "memory", 48);
      const { files, logs } = await readLimitFiles(context, "memory", { memory });
      const value = first(files, CGROUP_LIMIT_FILES.memory);
      const expected = memory * BYTES_PER_MB;
      const bytes = Number(value);
      // The kernel keeps whole pages: a limit may read rounded down to 4 KiB.
      check(
        Number.isFinite(bytes) && bytes <= expected && expected - bytes < 4096,
        `the memory limit inside should be ${expected} bytes (${memory} MB); the cgroup says ${value ?? "nothing"}: ${shown(logs)}`,
      );
    },
  },
  {
    id: "limits.inside.pids",
    tier: "limits",
    clause: "C-LIMITS-INSIDE",
    checks: "a container created with pids 64 reads 64 in its cgroup's pids.max",
    run: async (context) => {
      const pids = within(context, "pids", 64);
      const { files, logs } = await readLimitFiles(context, "pids", { pids });
      const value = first(files, CGROUP_LIMIT_FILES.pids);
      check(value === String(pids), `pids.max inside should be ${pids}; it is ${value ?? "missing"}: ${shown(logs)}`);
    },
  },
  {
    id: "limits.inside.cpu",
    tier: "limits",
    clause: "C-LIMITS-INSIDE",
    checks:
      "a container created with cpu 0.25 reads a quota of a quarter of its period in its cgroup (cpu.max, or cpu.cfs_quota_us / cpu.cfs_period_us on cgroup v1)",
    run: async (context) => {
      const cpu = within(context, "cpu", 0.25);
      const { files, logs } = await readLimitFiles(context, "cpu", { cpu });
      let quota: number | undefined;
      let period: number | undefined;
      const v2 = files.get("/sys/fs/cgroup/cpu.max");
      if (v2 !== undefined) {
        const [max, per] = v2.split(/\s+/);
        quota = max === "max" ? -1 : Number(max);
        period = Number(per);
      } else {
        quota = Number(
          first(
            files,
            CGROUP_LIMIT_FILES.cpu.filter((path) => path.endsWith("quota_us")),
          ),
        );
        period = Number(
          first(
            files,
            CGROUP_LIMIT_FILES.cpu.filter((path) => path.endsWith("period_us")),
          ),
        );
      }
      check(
        Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0,
        `the cpu limit inside should be a quota of ${cpu} of the period; the cgroup says no limit: ${shown(logs)}`,
      );
      const cores = quota / period;
      check(
        Math.abs(cores - cpu) <= 0.01,
        `the cpu limit inside should be ${cpu} cores; quota ${quota} / period ${period} is ${cores.toFixed(3)}`,
      );
    },
  },
  {
    id: "limits.oom.reported",
    tier: "limits",
    clause: "C-LIMITS-OOM",
    checks:
      "a command that allocates past its 16 MB memory limit is killed: the container ends exited with code 137, state error, oomKilled true",
    run: async (context) => {
      const memory = within(context, "memory", 16);
      const { container, logs } = await runToEnd(context, ["sh", "-c", MEMORY_HOG], { resources: { memory } });
      check(
        !logs.includes("survived"),
        `the memory hog was not killed: it grew to 64 MiB under a ${memory} MB limit and printed "survived"`,
      );
      check(
        container.exitCode === 137,
        `a container killed for memory should exit 137; it exited ${String(container.exitCode)}`,
      );
      check(
        container.state === stateForStatus("exited", 137),
        `a container killed for memory should be in state error; it is ${container.state}`,
      );
      check(
        container.oomKilled === true,
        `a container killed for memory should say so (oomKilled: true); it says ${String(container.oomKilled)}`,
      );
    },
  },
  {
    id: "limits.inside.fork-bomb",
    tier: "limits",
    clause: "C-LIMITS-INSIDE",
    checks:
      "a bounded fork bomb (255 processes wanted) under pids 32 is held: the cgroup never counts more than 32, the bomb reaches the limit, and the container and driver carry on",
    run: async (context) => {
      const pids = within(context, "pids", 32);
      const { container, logs } = await runToEnd(context, ["sh", "-c", FORK_BOMB], { resources: { pids } });
      const peak = Number(/^peak=(\d+)$/m.exec(logs)?.[1]);
      check(Number.isInteger(peak) && peak > 0, `the bomb's sampler printed no peak: ${shown(logs)}`);
      check(peak <= pids, `the container ran ${peak} processes at once; its pids limit is ${pids}`);
      check(
        peak > pids / 2,
        `the bomb should have pushed against the limit of ${pids}; at most ${peak} processes were seen (the sampler may have been starved: rerun)`,
      );
      check(container.exitCode === 0, `the sampling shell should end with 0; it exited ${String(container.exitCode)}`);
      const health = await context.driver.healthCheck();
      check(health.status === "healthy", `after the fork bomb the driver should be healthy; it says ${health.status}`);
    },
  },
];
