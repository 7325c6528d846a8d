/**
 * The `exec` cases: `execInContainer` runs a command in a running container.
 * Exit codes and output are real; stdout and stderr stay apart; stdin is
 * written then closed; env, workingDir and user apply; `onOutput` sees the
 * output while the command runs; a timeout or an abort kills the command and
 * everything it started (checked from inside the container); output is
 * bounded; five commands run at once; a container that does not run refuses
 * (one case per cell of the transition table's `exec` row); an invalid
 * request is a `ConfigurationError` naming the path.
 *
 * The cases need an image with `sh`, `cat`, `env`, `grep`, `head`, `id`,
 * `kill`, `ls`, `pwd`, `setsid`, `sleep`, `tr`, `wc`, a writable `/tmp` and
 * the user `security.user` names (busybox has them all).
 *
 * @module
 */
import {
  DEFAULT_EXEC_MAX_OUTPUT_BYTES,
  type ExecOptions,
  type ExecRequest,
  type ExecResult,
} from "../../contract/exec.js";
import { CONFIG_LIMITS } from "../../contract/rules.js";
import { CONTAINER_STATUSES } from "../../contract/schemas.js";
import { CONTAINER_TRANSITIONS } from "../../lifecycle.js";
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";
import {
  arrange,
  checkEnded,
  checkNothingLeft,
  checkStopped,
  describeResult,
  execIn,
  killRequest,
  markedProcesses,
  shown,
  unreachable,
} from "./exec-support.js";
import { logLines } from "./logs.js";

const RESULT_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.result.exit-codes",
    tier: "exec",
    clause: "C-COMMAND-RESULT",
    checks:
      "commands that exit 0, 1 and 42 resolve with those exit codes and their output, and the container still runs",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      for (const code of [0, 1, 42]) {
        const result = await execIn(context, id, { command: ["sh", "-c", `echo out-${code}; exit ${code}`] });
        checkEnded(result, code, `exit ${code}`);
        check(
          result.stdout === `out-${code}\n`,
          `exit ${code}: stdout should be "out-${code}\\n"; it is ${shown(result.stdout)}`,
        );
        check(!result.truncated, `exit ${code}: truncated should be false for a few bytes of output`);
      }
      const status = await context.statusOf(id);
      check(status === "running", `the container should still run after the execs; it is ${status}`);
    },
  },
];

const IO_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.io.streams-apart",
    tier: "exec",
    clause: "C-COMMAND-IO",
    checks: "what the command writes to stdout and to stderr comes back apart, each stream in its order",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const result = await execIn(context, id, {
        command: ["sh", "-c", "echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2; echo out-3"],
      });
      checkEnded(result, 0, "the command");
      check(
        result.stdout === "out-1\nout-2\nout-3\n",
        `stdout should be out-1, out-2, out-3; it is ${shown(result.stdout)}`,
      );
      check(result.stderr === "err-1\nerr-2\n", `stderr should be err-1, err-2; it is ${shown(result.stderr)}`);
    },
  },
  {
    id: "exec.io.stdin",
    tier: "exec",
    clause: "C-COMMAND-IO",
    checks:
      "stdin is written then closed (text and bytes arrive unchanged, cat ends), and without stdin the command reads end-of-file at once",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      // A timeout: a driver that never closes stdin leaves cat waiting, which must fail, not hang.
      const guard = { timeoutMs: 10_000 };
      const text = "line-1\nline-2 ünïcödé\n";
      const echoed = await execIn(context, id, { command: ["cat"], stdin: text, ...guard });
      check(!echoed.timedOut, "cat with stdin did not end: the driver did not close stdin after writing it");
      checkEnded(echoed, 0, "cat with text on stdin");
      check(
        echoed.stdout === text,
        `cat should print the stdin text ${shown(text)}; it printed ${shown(echoed.stdout)}`,
      );
      const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
      const counted = await execIn(context, id, { command: ["wc", "-c"], stdin: bytes, ...guard });
      check(!counted.timedOut, "wc -c with stdin bytes did not end: the driver did not close stdin");
      checkEnded(counted, 0, "wc -c with bytes on stdin");
      check(
        counted.stdout.trim() === "256",
        `256 bytes on stdin should count 256; wc -c printed ${shown(counted.stdout)}`,
      );
      const none = await execIn(context, id, { command: ["cat"], ...guard });
      check(!none.timedOut, "cat without stdin did not end: its standard input should be closed at once");
      checkEnded(none, 0, "cat without stdin");
      check(none.stdout === "", `cat without stdin should print nothing; it printed ${shown(none.stdout)}`);
    },
  },
];

const CONTEXT_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.context.env-workdir-user",
    tier: "exec",
    clause: "C-COMMAND-CONTEXT",
    checks:
      "env is added to the container's own (and replaces a value of the same name), workingDir and user apply, and without a user the command runs as the container's",
    run: async (context) => {
      const token = context.uniqueName("env");
      const { id } = await context.createRunningContainer({
        env: { CONFORMANCE_CONTAINER_VAR: token, CONFORMANCE_SHARED: "container" },
      });
      const containerUser = context.containerConfig().security.user;
      const env = await execIn(context, id, {
        command: ["env"],
        env: { CONFORMANCE_EXEC_VAR: token, WITH_SPACES: "a b  c", CONFORMANCE_SHARED: "exec" },
      });
      checkEnded(env, 0, "env");
      const lines = logLines(env.stdout);
      for (const expected of [
        `CONFORMANCE_EXEC_VAR=${token}`,
        "WITH_SPACES=a b  c",
        `CONFORMANCE_CONTAINER_VAR=${token}`,
        "CONFORMANCE_SHARED=exec",
      ]) {
        check(lines.includes(expected), `env should print ${expected}; it printed ${shown(env.stdout)}`);
      }
      check(
        !lines.includes("CONFORMANCE_SHARED=container"),
        `the request's env should replace the container's value of the same name; env printed ${shown(env.stdout)}`,
      );
      const pwd = await execIn(context, id, { command: ["pwd"], workingDir: "/tmp" });
      checkEnded(pwd, 0, "pwd in /tmp");
      check(pwd.stdout.trim() === "/tmp", `pwd with workingDir /tmp printed ${shown(pwd.stdout)}`);
      const asUser = await execIn(context, id, { command: ["id", "-u"], user: "4321:4321" });
      checkEnded(asUser, 0, "id -u as 4321");
      check(asUser.stdout.trim() === "4321", `id -u with user 4321:4321 printed ${shown(asUser.stdout)}`);
      const asDefault = await execIn(context, id, { command: ["id", "-un"] });
      checkEnded(asDefault, 0, "id -un without a user");
      check(
        asDefault.stdout.trim() === containerUser,
        `without a user the command should run as the container's user ${containerUser}; id -un printed ${shown(asDefault.stdout)}`,
      );
    },
  },
];

const STREAM_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.stream.on-output-live",
    tier: "exec",
    clause: "C-COMMAND-STREAM",
    checks:
      "onOutput receives the first line while the command still runs (the command waits for a signal sent after it), and all chunks make up the result",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const chunks: { stream: string; text: string }[] = [];
      let settled = false;
      let lateChunk = false;
      let signalled: Promise<ExecResult> | undefined;
      const onOutput = (chunk: { readonly stream: "stdout" | "stderr"; readonly text: string }) => {
        if (settled) lateChunk = true;
        chunks.push({ stream: chunk.stream, text: chunk.text });
        const seen = chunks
          .filter((entry) => entry.stream === "stdout")
          .map((entry) => entry.text)
          .join("");
        const ready = /^ready (\d+)\n/.exec(seen);
        if (ready !== null && signalled === undefined) {
          signalled = execIn(context, id, { command: ["kill", "-USR1", ready[1] ?? ""], timeoutMs: 20_000 });
          // Awaited below; a rejection while the command still runs must not go unhandled meanwhile.
          signalled.catch(() => undefined);
        }
      };
      // The command ends only after the signal, which is sent only once onOutput saw its first line.
      const result = await execIn(
        context,
        id,
        {
          command: ["sh", "-c", 'trap "echo second; exit 0" USR1; echo "ready $$"; while :; do sleep 0.05; done'],
          timeoutMs: 20_000,
        },
        { onOutput },
      );
      settled = true;
      check(!result.timedOut, "the command never got its signal: onOutput did not receive its first line while it ran");
      checkEnded(result, 0, "the command");
      check(signalled !== undefined, "onOutput never received the line 'ready <pid>'");
      checkEnded(await signalled, 0, "the kill -USR1 exec");
      check(!lateChunk, "onOutput was called after execInContainer had resolved");
      const streamed = chunks
        .filter((entry) => entry.stream === "stdout")
        .map((entry) => entry.text)
        .join("");
      check(
        streamed === result.stdout,
        `onOutput's stdout ${shown(streamed)} differs from the result's ${shown(result.stdout)}`,
      );
      check(/\nsecond\n$/.test(result.stdout), `stdout should end with "second"; it is ${shown(result.stdout)}`);
    },
  },
];

const KILL_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.kill.timeout",
    tier: "exec",
    clause: "C-COMMAND-KILL",
    checks:
      "a command past its timeoutMs resolves with timedOut, exitCode null and its output so far, and none of the processes it started (background, setsid, orphan) is left",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const token = context.uniqueName("kill");
      const timeoutMs = 1_500;
      const result = await execIn(context, id, killRequest(token, timeoutMs));
      checkStopped(result, "timedOut", "the timed-out command");
      check(
        result.durationMs >= timeoutMs - 50,
        `the command was stopped after ${result.durationMs} ms, before its timeout of ${timeoutMs} ms`,
      );
      await checkNothingLeft(context, id, token, "after the timeout");
    },
  },
  {
    id: "exec.kill.abort",
    tier: "exec",
    clause: "C-COMMAND-KILL",
    checks:
      "aborting the signal resolves with aborted, exitCode null and the output so far, none of the processes the command started is left, and a signal aborted before the call runs nothing",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const token = context.uniqueName("abort");
      const controller = new AbortController();
      let running: Promise<void> | undefined;
      let seen = 0;
      const onOutput = (chunk: { readonly stream: "stdout" | "stderr"; readonly text: string }) => {
        if (running !== undefined || !chunk.text.includes("started")) return;
        // While it runs, the same check must see its processes (else "none left" would prove nothing); then abort.
        running = markedProcesses(context, id, token).then(
          (pids) => {
            seen = pids.length;
            controller.abort();
          },
          (error: unknown) => {
            controller.abort();
            throw error;
          },
        );
        running.catch(() => undefined);
      };
      const result = await execIn(
        context,
        id,
        { ...killRequest(token), timeoutMs: 25_000 },
        { signal: controller.signal, onOutput },
      );
      check(running !== undefined, `onOutput never saw "started"; the result is ${describeResult(result)}`);
      await running;
      check(seen >= 3, `while the command ran, its processes should be seen (at least 3); ${seen} were`);
      checkStopped(result, "aborted", "the aborted command");
      await checkNothingLeft(context, id, token, "after the abort");
      // A signal aborted before the call: it resolves aborted at once, and the command never ran.
      const early = await execIn(context, id, { command: ["echo", "ran"] }, { signal: AbortSignal.abort() });
      check(
        early.aborted && early.exitCode === null && early.stdout === "",
        `with a signal aborted before the call, the command should not run; the result is ${describeResult(early)}`,
      );
    },
  },
];

const BOUNDED_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.bounded.truncated",
    tier: "exec",
    clause: "C-COMMAND-BOUNDED",
    checks:
      "output beyond maxOutputBytes is dropped per stream (the first bytes kept) and truncated is set, onOutput still sees all of it, and the default cap is 1 MiB",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const streamed = { stdout: 0, stderr: 0 };
      const result = await execIn(
        context,
        id,
        {
          command: ["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; head -c 5000 /dev/zero | tr '\\0' e >&2"],
          maxOutputBytes: 1_000,
        },
        {
          onOutput: (chunk) => {
            streamed[chunk.stream] += chunk.text.length;
          },
        },
      );
      checkEnded(result, 0, "the command");
      check(result.truncated, `truncated should be true; the result is ${describeResult(result)}`);
      check(
        result.stdout === "a".repeat(1_000),
        `stdout should be its first 1000 bytes; it has ${result.stdout.length} characters`,
      );
      check(
        result.stderr === "e".repeat(1_000),
        `stderr should be its first 1000 bytes; it has ${result.stderr.length} characters`,
      );
      check(
        streamed.stdout === 300_000 && streamed.stderr === 5_000,
        `onOutput should see all 300000 + 5000 characters; it saw ${streamed.stdout} + ${streamed.stderr}`,
      );
      const beyondDefault = DEFAULT_EXEC_MAX_OUTPUT_BYTES + 100_000;
      const large = await execIn(context, id, {
        command: ["sh", "-c", `head -c ${beyondDefault} /dev/zero | tr '\\0' b`],
      });
      checkEnded(large, 0, "the command without maxOutputBytes");
      check(large.truncated, "without maxOutputBytes, output beyond the default cap should set truncated");
      check(
        large.stdout.length === DEFAULT_EXEC_MAX_OUTPUT_BYTES,
        `without maxOutputBytes, stdout should keep ${DEFAULT_EXEC_MAX_OUTPUT_BYTES} bytes; it kept ${large.stdout.length}`,
      );
    },
  },
];

const CONCURRENT_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.concurrent.five",
    tier: "exec",
    clause: "C-COMMAND-CONCURRENT",
    checks:
      "five commands run at once in one container (each waits until all five have started), each with its own result",
    run: async (context) => {
      const { id } = await context.createRunningContainer({ security: { readOnly: false } });
      const barrier = `/tmp/${context.uniqueName("barrier")}`;
      // Each command marks its start, then waits for the four others: run one after another, none would end.
      const script = `touch ${barrier}-$1; while [ "$(ls ${barrier}-* | wc -l)" -lt 5 ]; do sleep 0.05; done; echo "end-$1"; exit $((10 + $1))`;
      const results = await Promise.all(
        [0, 1, 2, 3, 4].map((index) =>
          execIn(context, id, { command: ["sh", "-c", script, "sh", String(index)], timeoutMs: 20_000 }),
        ),
      );
      for (const [index, result] of results.entries()) {
        check(!result.timedOut, `command ${index} timed out waiting for the others: the five did not run at once`);
        checkEnded(result, 10 + index, `command ${index}`);
        check(
          result.stdout === `end-${index}\n`,
          `command ${index}: stdout should be end-${index}; it is ${shown(result.stdout)}`,
        );
      }
    },
  },
];

/** One case per status the table's `exec` row refuses. */
const STATE_CASES: readonly ConformanceCase[] = CONTAINER_STATUSES.filter(
  (status) => CONTAINER_TRANSITIONS.exec[status].kind === "reject",
).map(
  (status): ConformanceCase => ({
    id: `exec.state.${status}`,
    tier: "exec",
    clause: "C-COMMAND-STATE",
    checks: `execInContainer on a ${status} container rejects with ContainerStateError naming the status, and the status stays ${status}`,
    skipUnless: (options, driver) => unreachable(status, options, driver),
    run: async (context) => {
      const { id } = await arrange(context, status);
      const error = await context.expectError(
        () => execIn(context, id, { command: ["true"] }),
        "ContainerStateError",
        `execInContainer on a ${status} container`,
      );
      const named = (error as { status?: unknown }).status;
      check(named === status, `the ContainerStateError should name status ${status}; it names ${String(named)}`);
      const after = await context.statusOf(id);
      check(after === status, `the refused exec changed the status from ${status} to ${after}`);
    },
  }),
);

/** Invalid requests and options, each with the path its ConfigurationError must name. */
const INVALID_INPUTS: readonly { readonly request: unknown; readonly options?: unknown; readonly path: string }[] = [
  { request: { command: [] }, path: "command" },
  { request: { command: ["echo", "a\u0000b"] }, path: "command.1" },
  { request: { command: ["pwd"], workingDir: "tmp" }, path: "workingDir" },
  { request: { command: ["env"], env: { "1BAD": "x" } }, path: "env.1BAD" },
  { request: { command: ["true"], user: "a b" }, path: "user" },
  { request: { command: ["true"], timeoutMs: 0 }, path: "timeoutMs" },
  { request: { command: ["true"], maxOutputBytes: CONFIG_LIMITS.execOutputBytes + 1 }, path: "maxOutputBytes" },
  { request: { command: ["cat"], stdin: new Uint8Array(CONFIG_LIMITS.execStdinBytes + 1) }, path: "stdin" },
  { request: { command: ["true"], shell: true }, path: "shell" },
  { request: { command: ["true"] }, options: { onOutput: "print" }, path: "onOutput" },
];

function namesPath(error: unknown, path: string): boolean {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.some((issue) => (issue as { path?: unknown }).path === path)) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === "string" && message.includes(path);
}

const REQUEST_CASES: readonly ConformanceCase[] = [
  {
    id: "exec.request.invalid",
    tier: "exec",
    clause: "C-COMMAND-REQUEST",
    checks:
      "an invalid request or option (NUL in an argument, a relative workingDir, a refused env name, ...) rejects with ConfigurationError naming its path, before the container is looked up",
    run: async (context) => {
      const { id } = await context.createRunningContainer();
      const missing = context.uniqueName("missing");
      for (const input of INVALID_INPUTS) {
        const call = (target: string) => () =>
          execIn(context, target, input.request as ExecRequest, input.options as ExecOptions | undefined);
        const what = `execInContainer with ${input.path} invalid`;
        const error = await context.expectError(call(id), "ConfigurationError", what);
        check(namesPath(error, input.path), `${what}: the ConfigurationError should name the path ${input.path}`);
        // Validation comes first: an unknown id with the same input is still a ConfigurationError.
        await context.expectError(call(missing), "ConfigurationError", `${what} on an unknown id`);
      }
    },
  },
];

/** Every case of this file, in run order. */
export const EXEC_CASES: readonly ConformanceCase[] = [
  ...RESULT_CASES,
  ...IO_CASES,
  ...CONTEXT_CASES,
  ...STREAM_CASES,
  ...KILL_CASES,
  ...BOUNDED_CASES,
  ...CONCURRENT_CASES,
  ...STATE_CASES,
  ...REQUEST_CASES,
];
