/**
 * The `streams` cases: capability `streams`: stdin for the main command
 * (Orchestra's "with stdin"); live log lines (onLine); a follow the caller
 * can abort; one stream only; and the `maxBytes` bound of a log read, which
 * a 1.0 driver does not know and so is checked here rather than in core.
 *
 * @module
 */
import type { DriverConfigInput } from "../../builders.js";
import { type ContainerInstance, LOG_TRUNCATION_NOTICE, type LogLine } from "../../contract/schemas.js";
import { check } from "../context.js";
import type { CaseContext, ConformanceCase } from "../types.js";
import { logLines } from "./logs.js";

/** Why a case that runs commands is skipped for a driver that does not run them. */
export const NEEDS_EXECUTION_REASON =
  'the case runs commands (sh, cat, od, sleep): the driver must also declare "execution"';

/** Skip unless the driver runs commands: stdin and live lines are about a command that really runs. */
function needsExecution(_options: unknown, driver: { readonly capabilities: readonly string[] }): string | undefined {
  return driver.capabilities.includes("execution") ? undefined : NEEDS_EXECUTION_REASON;
}

/** How long an aborted read may take to settle, in ms (Orchestra: within 5 s). */
export const ABORT_SETTLE_MS = 5_000;

/** The bytes the binary stdin case writes: NUL, the ends of each byte range, a newline and a carriage return. */
const STDIN_BYTES = Uint8Array.from([0x00, 0x01, 0x7f, 0x80, 0xc3, 0x28, 0xfe, 0xff, 0x0a, 0x0d, 0x41]);

function shown(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

/**
 * Start a container running `command` and wait until it has ended (a stdin
 * that is never closed keeps it waiting until the case runs out of time).
 */
async function runToExit(
  context: CaseContext,
  command: readonly string[],
  input: DriverConfigInput = {},
): Promise<ContainerInstance> {
  const { id } = await context.createRunningContainer({ ...input, command: [...command] });
  const ended = await context.waitFor(
    () => context.driver.getContainer(id),
    (found) => found === null || found.status === "exited",
    `container ${id} running ${JSON.stringify(command)} exits (its stdin may never have been closed)`,
  );
  check(ended !== null, `container ${id} disappeared instead of exiting`);
  return ended;
}

function occurrences(lines: readonly string[], wanted: string): number {
  return lines.filter((line) => line === wanted).length;
}

/** `[earlier output omitted: N characters]` and its N, or `undefined`. */
function noticeCount(line: string | undefined): number | undefined {
  const match = /^\[earlier output omitted: (\d+) characters\]$/.exec(line ?? "");
  return match === null ? undefined : Number(match[1]);
}

const STDIN_CASES: readonly ConformanceCase[] = [
  {
    id: "streams.stdin.written-then-closed",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-STDIN",
    checks: 'a config\'s stdin "hello …" reaches `sh -c "cat < /dev/stdin"`, which then exits 0 (stdin was closed)',
    run: async (context) => {
      const greeting = `hello ${context.uniqueName("stdin")}`;
      const ended = await runToExit(context, ["sh", "-c", "cat < /dev/stdin"], { stdin: greeting });
      check(ended.exitCode === 0, `cat should exit 0 at the end of its input; it exited ${String(ended.exitCode)}`);
      const logs = await context.driver.getContainerLogs(ended.id);
      check(
        logLines(logs).includes(greeting),
        `the logs should hold ${JSON.stringify(greeting)}; they are ${shown(logs)}`,
      );
    },
  },
  {
    id: "streams.stdin.bytes",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-STDIN",
    checks: "a stdin given as bytes (NUL, invalid UTF-8, 0xff) reaches the command byte for byte",
    run: async (context) => {
      const ended = await runToExit(context, ["od", "-An", "-tx1", "-v"], { stdin: STDIN_BYTES });
      const logs = await context.driver.getContainerLogs(ended.id);
      const received = logs.split(/\s+/).filter((word) => /^[0-9a-f]{2}$/.test(word));
      const sent = [...STDIN_BYTES].map((byte) => byte.toString(16).padStart(2, "0"));
      check(
        received.join(" ") === sent.join(" "),
        `od should show ${sent.join(" ")}; it showed ${received.join(" ") || shown(logs)}`,
      );
    },
  },
  {
    id: "streams.stdin.every-start",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-STDIN",
    checks: "the stdin is written again when the ended container is started again",
    run: async (context) => {
      const token = context.uniqueName("again");
      const first = await runToExit(context, ["sh", "-c", "cat < /dev/stdin"], { stdin: `${token}\n` });
      const once = logLines(await context.driver.getContainerLogs(first.id));
      check(
        occurrences(once, token) === 1,
        `after the first run the logs should hold ${token} once: ${once.join("|")}`,
      );
      await context.driver.startContainer(first.id);
      await context.waitFor(
        async () => ({
          lines: logLines(await context.driver.getContainerLogs(first.id)),
          status: await context.statusOf(first.id),
        }),
        ({ lines, status }) => occurrences(lines, token) === 2 && status === "exited",
        `the second run prints ${token} and exits (its stdin may never have been written or closed)`,
      );
    },
  },
];

const LIVE_CASES: readonly ConformanceCase[] = [
  {
    id: "streams.live.before-exit",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-LIVE",
    checks:
      "onLine, with follow, sees a line while the container still runs (its status read from inside the callback), every line with its stream and time, before the call resolves",
    run: async (context) => {
      const token = context.uniqueName("live");
      const expected: readonly (readonly [LogLine["stream"], string])[] = [
        ["stdout", `first-${token}`],
        ["stderr", `err-${token}`],
        ["stdout", `last-${token}`],
      ];
      const { id } = await context.createRunningContainer({
        command: ["sh", "-c", `echo first-${token}; echo err-${token} >&2; sleep 3; echo last-${token}`],
      });
      const received: LogLine[] = [];
      const seen: { statusAtFirstLine?: Promise<ContainerInstance | null>; resolved: boolean; late: number } = {
        resolved: false,
        late: 0,
      };
      const text = await context.driver.getContainerLogs(id, {
        follow: true,
        onLine: (line) => {
          if (seen.resolved) seen.late += 1;
          received.push(line);
          if (line.line === `first-${token}` && seen.statusAtFirstLine === undefined) {
            // Asked from inside the callback: the answer is the status when the line arrived.
            seen.statusAtFirstLine = context.driver.getContainer(id);
            seen.statusAtFirstLine.catch(() => undefined);
          }
        },
      });
      seen.resolved = true;
      const probe = seen.statusAtFirstLine;
      check(probe !== undefined, `onLine never saw first-${token}; it saw ${shown(JSON.stringify(received))}`);
      const status = (await probe)?.status;
      check(
        status === "running",
        `onLine saw the first line only when the container was ${String(status)}: lines must arrive while it runs`,
      );
      check(seen.late === 0, `onLine was called ${seen.late} time(s) after the call resolved`);
      const got = received.map((line) => [line.stream, line.line] as const).filter(([, line]) => line.endsWith(token));
      for (const [stream, line] of expected) {
        check(
          got.some(([gotStream, gotLine]) => gotStream === stream && gotLine === line),
          `onLine should get ${line} from ${stream}; it got ${shown(JSON.stringify(got))}`,
        );
      }
      const stdout = got.filter(([stream]) => stream === "stdout").map(([, line]) => line);
      check(stdout.indexOf(`first-${token}`) < stdout.indexOf(`last-${token}`), "stdout lines arrived out of order");
      for (const line of received) {
        check(Number.isFinite(line.time) && line.time > 0, `line ${JSON.stringify(line.line)} has time ${line.time}`);
      }
      check(logLines(text).includes(`last-${token}`), `the resolved text should hold the last line: ${shown(text)}`);
    },
  },
  {
    id: "streams.abort.settles",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-ABORT",
    checks:
      "aborting a follow of a running container settles it within 5 s with the lines read so far, and leaves the container running; an aborted signal settles at once",
    run: async (context) => {
      const token = context.uniqueName("abort");
      const { id } = await context.createRunningContainer({
        command: ["sh", "-c", `echo before-${token}; trap 'exit 0' TERM; sleep 3600 & wait`],
      });
      await context.waitFor(
        () => context.driver.getContainerLogs(id),
        (logs) => logLines(logs).includes(`before-${token}`),
        `before-${token} to reach the logs`,
      );
      const controller = new AbortController();
      // Abort once the line was read, or after 2 s for a driver that delivers no line before the end.
      const fallback = new AbortController();
      context.sleep(2_000).then(
        () => {
          if (!fallback.signal.aborted) controller.abort();
        },
        () => undefined,
      );
      const following = context.driver.getContainerLogs(id, {
        follow: true,
        signal: controller.signal,
        onLine: (line) => {
          if (line.line === `before-${token}`) controller.abort();
        },
      });
      following.catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (controller.signal.aborted) resolve();
        else controller.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      fallback.abort();
      const settled = await Promise.race([
        following.then((text) => ({ text })),
        context.sleep(ABORT_SETTLE_MS).then(() => undefined),
      ]);
      // A follow that ignored the abort ends with the container, so nothing is left waiting.
      if (settled === undefined) await context.driver.stopContainer(id, { force: true });
      check(settled !== undefined, `the aborted follow did not settle within ${ABORT_SETTLE_MS} ms`);
      check(
        logLines(settled.text).includes(`before-${token}`),
        `the aborted follow should resolve with the lines so far (before-${token}); it resolved ${shown(settled.text)}`,
      );
      const status = await context.statusOf(id);
      check(status === "running", `aborting the read should leave the container running; it is ${status}`);

      const early = context.driver.getContainerLogs(id, { follow: true, signal: AbortSignal.abort() });
      early.catch(() => undefined);
      const settledEarly = await Promise.race([
        early.then(() => true),
        context.sleep(ABORT_SETTLE_MS).then(() => false),
      ]);
      check(settledEarly, `a follow given an aborted signal did not settle within ${ABORT_SETTLE_MS} ms`);
    },
  },
  {
    id: "streams.stream.one-only",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-STREAMS-ONE-STREAM",
    checks: 'stream "stdout" reads only stdout and "stderr" only stderr, in the text and in onLine; "all" reads both',
    run: async (context) => {
      const token = context.uniqueName("one");
      const { id } = await runToExit(context, ["sh", "-c", `echo out-${token}; echo err-${token} >&2`]);
      for (const [stream, wanted, unwanted] of [
        ["stdout", `out-${token}`, `err-${token}`],
        ["stderr", `err-${token}`, `out-${token}`],
      ] as const) {
        const seen: LogLine[] = [];
        const text = await context.driver.getContainerLogs(id, { stream, onLine: (line) => seen.push(line) });
        const lines = logLines(text);
        check(lines.includes(wanted), `stream ${stream} should hold ${wanted}: ${shown(text)}`);
        check(!lines.includes(unwanted), `stream ${stream} should not hold ${unwanted}: ${shown(text)}`);
        const other = seen.find((line) => line.stream !== stream);
        check(other === undefined, `stream ${stream}: onLine got a line of ${String(other?.stream)}`);
        check(
          seen.some((line) => line.line === wanted),
          `stream ${stream}: onLine never got ${wanted}`,
        );
      }
      const both = logLines(await context.driver.getContainerLogs(id, { stream: "all" }));
      check(
        both.includes(`out-${token}`) && both.includes(`err-${token}`),
        `stream "all" should hold both lines: ${both.join("|")}`,
      );
    },
  },
];

const BOUND_CASES: readonly ConformanceCase[] = [
  {
    id: "streams.logs.max-bytes",
    tier: "streams",
    skipUnless: needsExecution,
    clause: "C-LOGS-BOUNDED",
    checks:
      "maxBytes keeps the newest whole lines that fit with a first line `[earlier output omitted: N characters]` (N exact), also with follow; a log that fits is unchanged; tail drops are not counted",
    run: async (context) => {
      const token = context.uniqueName("max");
      const script = `i=0; while [ $i -lt 300 ]; do echo "line-$i-${token}-abcdefghijklmnopqrstuvwxyz"; i=$((i+1)); done`;
      const { id } = await runToExit(context, ["sh", "-c", script]);
      const full = await context.driver.getContainerLogs(id);
      const lines = logLines(full);
      check(lines.length === 300, `the command wrote 300 lines; the log has ${lines.length}`);
      for (const [maxBytes, follow] of [
        [1_000, false],
        [full.length - 1, false],
        [2_500, true],
      ] as const) {
        const what = `maxBytes ${maxBytes}${follow ? " with follow" : ""}`;
        const text = await context.driver.getContainerLogs(id, { maxBytes, follow });
        check(text.length <= maxBytes, `${what}: the text has ${text.length} characters`);
        const [first, ...rest] = logLines(text);
        check(first?.startsWith(LOG_TRUNCATION_NOTICE) === true, `${what}: the first line is not the notice: ${first}`);
        const omitted = noticeCount(first);
        check(
          omitted !== undefined,
          `${what}: the notice should read "[earlier output omitted: N characters]": ${first}`,
        );
        const kept = rest.map((line) => `${line}\n`).join("");
        const keptFrom = full.length - kept.length;
        check(
          full.endsWith(kept) && (keptFrom === 0 || full[keptFrom - 1] === "\n"),
          `${what}: the lines kept are not the newest whole lines of the log`,
        );
        check(omitted === keptFrom, `${what}: the notice says ${omitted} characters; ${keptFrom} were left out`);
        const previous = lines[lines.length - rest.length - 1];
        if (previous !== undefined) {
          const left = keptFrom - previous.length - 1;
          const notice = left === 0 ? "" : `[earlier output omitted: ${left} characters]\n`;
          check(
            notice.length + previous.length + 1 + kept.length > maxBytes,
            `${what}: one more line (${previous.length + 1} characters) would still fit; dropped too much`,
          );
        }
      }
      const whole = await context.driver.getContainerLogs(id, { maxBytes: full.length });
      check(whole === full, `maxBytes equal to the log's length should change nothing: ${shown(whole)}`);
      const tailed = await context.driver.getContainerLogs(id, { tail: 10, maxBytes: 100_000 });
      check(
        tailed ===
          lines
            .slice(-10)
            .map((line) => `${line}\n`)
            .join(""),
        `tail 10 within maxBytes should be the last 10 lines, with no notice: ${shown(tailed)}`,
      );
    },
  },
  {
    id: "streams.options.invalid",
    tier: "streams",
    clause: "C-OPTIONS-VALIDATION",
    checks:
      "log options with an unknown stream, a maxBytes of 0 or 1.5, an onLine that is not a function or a signal that is not an AbortSignal reject with ConfigurationError",
    run: async (context) => {
      const { id } = await context.createContainer();
      const invalid: readonly [string, unknown][] = [
        ['stream "both"', { stream: "both" }],
        ["maxBytes 0", { maxBytes: 0 }],
        ["maxBytes 1.5", { maxBytes: 1.5 }],
        ["an onLine string", { onLine: "print" }],
        ["a signal {}", { signal: {} }],
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

/** Every case of this file, in run order. */
export const STREAMS_CASES: readonly ConformanceCase[] = [...STDIN_CASES, ...LIVE_CASES, ...BOUND_CASES];
