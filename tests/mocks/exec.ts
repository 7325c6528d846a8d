/**
 * `execInContainer`: run a command in a running container, as a process of
 * its own (and everything it starts) in the container's process table. The
 * request is validated first; the transition table's `exec` row decides
 * whether the container's status allows it (`ContainerStateError`).
 * Output streams to `onOutput` as it is written and is kept up to
 * `maxOutputBytes` per stream; a timeout or an abort kills every process the
 * command started and resolves with `timedOut` or `aborted` and
 * `exitCode: null`. Several execs run at once.
 *
 * @module
 */
import {
  DEFAULT_EXEC_MAX_OUTPUT_BYTES,
  type ExecOptions,
  ExecOptionsSchema,
  type ExecRequest,
  ExecRequestSchema,
  type ExecResult,
  parseWithSchema,
} from "../../src/index.js";
import { credentialsOf, environmentOf, machineOf } from "./container-machine.js";
import { commandBody, type MockExecRequest } from "./exec-handler.js";
import { checkCell } from "./lifecycle.js";
import { MOCK_EXIT_CODES } from "./main-process.js";
import { ProcessGroup } from "./machine/process.js";
import { bytesInput, EMPTY_INPUT, type Output, sinkOutput } from "./machine/streams.js";
import { checkId, delay, injectFault, requireContainer } from "./operation.js";
import type { EngineState } from "./state.js";

/** One output stream of an exec: what `onOutput` sees (all of it) and what the result keeps (its first bytes). */
class StreamCollector {
  readonly #stream: "stdout" | "stderr";
  readonly #max: number;
  readonly #onOutput: ExecOptions["onOutput"];
  readonly #decoder = new TextDecoder();
  readonly #kept: Uint8Array[] = [];
  #size = 0;
  #open = true;
  truncated = false;
  readonly output: Output;

  constructor(stream: "stdout" | "stderr", max: number, onOutput: ExecOptions["onOutput"]) {
    this.#stream = stream;
    this.#max = max;
    this.#onOutput = onOutput;
    this.output = sinkOutput((chunk) => this.#write(chunk));
  }

  #write(chunk: Uint8Array): void {
    if (!this.#open) return;
    this.#emit(this.#decoder.decode(chunk, { stream: true }));
    const room = this.#max - this.#size;
    if (chunk.byteLength > room) this.truncated = true;
    const kept = Math.min(room, chunk.byteLength);
    if (kept <= 0) return;
    this.#kept.push(chunk.slice(0, kept));
    this.#size += kept;
  }

  #emit(text: string): void {
    if (text === "" || this.#onOutput === undefined) return;
    try {
      this.#onOutput({ stream: this.#stream, text });
    } catch {
      // The caller's callback failing must not fail the command it watches.
    }
  }

  /** No more output reaches the caller; a character cut at the very end is delivered now. */
  close(): void {
    if (!this.#open) return;
    this.#emit(this.#decoder.decode());
    this.#open = false;
  }

  /** The kept bytes as text, cut before a character the cap split. */
  text(): string {
    const bytes = Buffer.concat(
      this.#kept.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
    let end = bytes.byteLength;
    for (let back = 1; back <= Math.min(3, end); back++) {
      const byte = bytes[end - back] as number;
      if ((byte & 0xc0) === 0x80) continue;
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      if (length > back) end -= back;
      break;
    }
    return new TextDecoder().decode(bytes.subarray(0, end));
  }
}

const WORKING_DIRECTORY_MISSING = 126;

/**
 * `execInContainer`.
 *
 * @example
 * ```ts
 * const result = await execInContainer(state, id, { command: ["sh", "-c", "echo hi"] }, {});
 * result.stdout; // "hi\n"
 * ```
 */
export async function execInContainer(
  state: EngineState,
  id: string,
  request: ExecRequest,
  options?: ExecOptions,
): Promise<ExecResult> {
  const operation = "execInContainer";
  checkId(id, "container");
  const parsed = parseWithSchema(ExecRequestSchema, request, "exec request");
  const { signal, onOutput } = parseWithSchema(ExecOptionsSchema, options ?? {}, "exec options");
  const started = state.clock.now();
  await delay(state);
  injectFault(state, operation, id);
  const record = requireContainer(state, id, operation);
  checkCell(state, record, "exec", operation);
  const max = parsed.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT_BYTES;
  const stdout = new StreamCollector("stdout", max, onOutput);
  const stderr = new StreamCollector("stderr", max, onOutput);
  const finish = (exitCode: number | null, how: { timedOut?: boolean; aborted?: boolean } = {}): ExecResult => {
    stdout.close();
    stderr.close();
    return {
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut: how.timedOut === true,
      aborted: how.aborted === true,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Math.max(0, state.clock.now() - started),
    };
  };
  if (signal?.aborted === true) return finish(null, { aborted: true });

  const machine = machineOf(state, record);
  const user = parsed.user ?? record.config.security.user;
  const cred = credentialsOf(machine, record.config, user);
  const env = environmentOf(record, cred, parsed.env);
  const cwd = parsed.workingDir ?? "/";
  const access = { cred, pid: 0 };
  if (!machine.fs.exists(cwd, access) || machine.fs.stat(cwd, access).kind !== "dir") {
    stderr.output.write(
      new TextEncoder().encode(`OCI runtime exec failed: chdir to cwd ("${cwd}"): no such file or directory\n`),
      new AbortController().signal,
    );
    return finish(WORKING_DIRECTORY_MISSING);
  }
  const stdin =
    parsed.stdin === undefined
      ? EMPTY_INPUT
      : bytesInput([typeof parsed.stdin === "string" ? new TextEncoder().encode(parsed.stdin) : parsed.stdin.slice()]);
  const group = new ProcessGroup();
  const execRequest: MockExecRequest = {
    kind: "exec",
    containerId: record.id,
    command: parsed.command,
    env,
    workingDir: cwd,
    user,
  };
  const runner = { machine, programs: state.runtime.programs, handler: state.runtime.exec };
  const proc = machine.spawn(
    { argv: parsed.command, env, cwd, cred, group, ppid: 0 },
    [stdin, stdout.output, stderr.output],
    commandBody(runner, execRequest, () => undefined),
  );

  type Outcome = { readonly status?: number; readonly timedOut?: boolean; readonly aborted?: boolean };
  const release = state.timers.hold();
  const timer = parsed.timeoutMs === undefined ? undefined : new AbortController();
  let onAbort: (() => void) | undefined;
  try {
    const waits: Promise<Outcome>[] = [proc.exited.then((status) => ({ status }))];
    if (timer !== undefined) {
      waits.push(
        state.timers.background(parsed.timeoutMs as number, timer.signal).then(
          () => ({ timedOut: true }),
          () => ({}),
        ),
      );
    }
    if (signal !== undefined) {
      waits.push(
        new Promise<Outcome>((resolve) => {
          onAbort = () => resolve({ aborted: true });
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      );
    }
    const outcome = await Promise.race(waits);
    if (outcome.status !== undefined) return finish(outcome.status);
    // A timeout or an abort: the command and everything it started end now.
    machine.killGroup(group, MOCK_EXIT_CODES.killed);
    return finish(null, outcome);
  } finally {
    timer?.abort();
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    release();
  }
}
