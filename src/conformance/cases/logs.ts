/**
 * Logs: getContainerLogs with tail, since, timestamps and follow, and
 * refused options; `logLines`, which every case that reads a log uses.
 *
 * @module
 */
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";

/** An ISO-8601 time followed by one space, at the start of a line. */
export const TIMESTAMP_PREFIX_PATTERN: RegExp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) /;

/**
 * The lines of a log text: split on newlines, without the empty string after
 * a final newline (which `split` alone would count as a line).
 *
 * @example
 * ```ts
 * logLines("a\nb\n"); // ["a", "b"]
 * ```
 */
export function logLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A container that has run and stopped twice, so that every driver has had a chance to log something. */
async function arrangeLoggedContainer(context: CaseContext): Promise<string> {
  const { id } = await context.createRunningContainer();
  await context.driver.stopContainer(id);
  await context.driver.startContainer(id);
  await context.driver.stopContainer(id);
  return id;
}

export const LOG_CASES: readonly ConformanceCase[] = [
  {
    id: "logs.tail",
    tier: "core",
    clause: "C-LOGS",
    checks: "tail N returns the last N lines of the full log (0 returns nothing)",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const full = logLines(await context.driver.getContainerLogs(id));
      for (const tail of new Set([0, 1, Math.max(0, full.length - 1), full.length, full.length + 5])) {
        const got = logLines(await context.driver.getContainerLogs(id, { tail }));
        const want = tail === 0 ? [] : full.slice(-tail);
        check(
          JSON.stringify(got) === JSON.stringify(want),
          `tail ${tail} of ${full.length} lines returned ${got.length} line(s) that are not the last ${Math.min(tail, full.length)}`,
        );
      }
    },
  },
  {
    id: "logs.since",
    tier: "core",
    clause: "C-LOGS",
    checks: "since 0 returns the full log; since a time after the last line returns nothing",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const full = await context.driver.getContainerLogs(id);
      const fromEpoch = await context.driver.getContainerLogs(id, { since: 0 });
      check(logLines(fromEpoch).length === logLines(full).length, "since 0 should return the full log");
      const future = context.options.clock.now() + 24 * 60 * 60 * 1000;
      const fromFuture = await context.driver.getContainerLogs(id, { since: future });
      check(
        logLines(fromFuture).length === 0,
        `since a day ahead should return nothing; got ${logLines(fromFuture).length} line(s)`,
      );
    },
  },
  {
    id: "logs.timestamps",
    tier: "core",
    clause: "C-LOGS",
    checks: "timestamps prefixes every line with an ISO-8601 time and a space, and the rest of the line is unchanged",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const plain = logLines(await context.driver.getContainerLogs(id));
      const stamped = logLines(await context.driver.getContainerLogs(id, { timestamps: true }));
      check(stamped.length === plain.length, `timestamps changed the line count: ${plain.length} → ${stamped.length}`);
      stamped.forEach((line, index) => {
        check(TIMESTAMP_PREFIX_PATTERN.test(line), `line ${index + 1} lacks an ISO-8601 prefix: "${line}"`);
        const rest = line.replace(TIMESTAMP_PREFIX_PATTERN, "");
        check(rest === plain[index], `line ${index + 1} differs after its timestamp: "${rest}"`);
      });
    },
  },
  {
    id: "logs.follow.resolves-after-stop",
    tier: "core",
    clause: "C-LOGS",
    checks: "follow on a running container resolves only once it is no longer running (after stopContainer)",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      let settled = false;
      const followed = context.driver.getContainerLogs(id, { follow: true }).finally(() => {
        settled = true;
      });
      followed.catch(() => undefined);
      await context.sleep(context.options.pollIntervalMs);
      const status = await context.statusOf(id);
      check(!settled || status !== "running", "follow resolved while the container was still running");
      await context.driver.stopContainer(id);
      const text = await followed;
      check(typeof text === "string", "follow should resolve a string");
    },
  },
  {
    id: "logs.follow.not-running",
    tier: "core",
    clause: "C-LOGS",
    checks: "follow on a container that is not running resolves with its log instead of waiting",
    run: async (context) => {
      const id = await arrangeLoggedContainer(context);
      const plain = await context.driver.getContainerLogs(id);
      const followed = await context.driver.getContainerLogs(id, { follow: true });
      check(
        logLines(followed).length === logLines(plain).length,
        "follow on a stopped container should return the same log as without follow",
      );
    },
  },
  {
    id: "logs.options.invalid",
    tier: "core",
    clause: "C-OPTIONS-VALIDATION",
    checks:
      "log options with a negative or fractional tail, a negative since or an unknown key reject with ConfigurationError",
    run: async (context) => {
      const { id } = await context.createContainer();
      const invalid: readonly [string, unknown][] = [
        ["tail -1", { tail: -1 }],
        ["tail 1.5", { tail: 1.5 }],
        ["since -1", { since: -1 }],
        ["an unknown key", { lines: 10 }],
      ];
      for (const [what, options] of invalid) {
        await context.expectError(
          () => context.driver.getContainerLogs(id, options as never),
          "ConfigurationError",
          `getContainerLogs with ${what}`,
        );
      }
    },
  },
];
