/**
 * `execInContainer` over the engine's exec API: create the exec, start it
 * attached (stdin written then closed, output demultiplexed as it arrives),
 * and inspect it for the exit code. The status rule is the transition table's
 * `exec` row: read from an inspect the first time the client sees an id, and
 * afterwards whenever the engine refuses the exec (it checks the status
 * itself, atomically). The command runs under a wrapper so that a timeout or an abort
 * can kill it and everything it started through a second exec (see
 * exec-wrapper.ts); output is kept up to a cap per stream (exec-output.ts).
 *
 * The protected methods are the steps a variant engine (or a test's broken
 * driver) replaces: how output is kept, how stdin is sent, how an exec is
 * killed.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import {
  ContainerNotFoundError,
  ContainerStateError,
  DEFAULT_EXEC_MAX_OUTPUT_BYTES,
  EFFECT_UNKNOWN_CONTEXT_KEY,
  ExecError,
  type ExecOptions,
  type ExecOutputChunk,
  type ExecRequest,
  type ExecResult,
  getErrorMessage,
  mayHaveTakenEffect,
  parseExecOptions,
  parseExecRequest,
  toDriverError,
  transitionFor,
} from "../../../src/index.js";
import { StreamOutput } from "./exec-output.js";
import { type ExecOutputs, ExecStream } from "./exec-stream.js";
import { killCommand, markerEntry, wrapCommand } from "./exec-wrapper.js";
import { ExecStop, type StopReason } from "./exec-stop.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { isOwnedBy } from "./labels.js";
import { statusFromEngine } from "./mapping.js";
import { requireString } from "./preflight.js";

const OPERATION = "execInContainer";

/** Engine ids are 64 hex digits; anything else is not an id this driver handed out (as in containers.ts). */
const ENGINE_ID = /^[0-9a-f]{64}$/;

/** How long a timed-out or aborted exec's output may take to end after the kill, in ms, before it is cut. */
export const EXEC_DRAIN_MS = 2_000;

/** How many times an exec create refused as "not running" is tried again while the container reads `running`. */
const NOT_RUNNING_ATTEMPTS = 3;

/** How many container ids the client remembers as its own (see `ExecClient`'s ownership note). */
const KNOWN_IDS = 4_096;

/** The longest pause between two polls of a finished stream's exit code, in ms. */
const MAX_EXIT_POLL_MS = 250;

/** What a kill needs: the container, the exec's user, its session (when known) and its marker. */
export type ExecTarget = {
  /** The container the exec runs in. */
  readonly containerId: string;
  /** The user the exec runs as; `undefined`: the container's configured user. */
  readonly user: string | undefined;
  /** The wrapper's pid, which is the command's session; `undefined` when its header never arrived. */
  readonly session: number | undefined;
  /** The exec's marker (see `EXEC_MARKER_VARIABLE`). */
  readonly marker: string;
};

type CreateOutcome =
  | { readonly exec: Docker.Exec }
  | { readonly refused: "gone" | "not-running"; readonly message: string };

/**
 * `execInContainer` for the containers of one driver and namespace.
 *
 * @example
 * ```ts
 * const execs = new ExecClient(scope);
 * const result = await execs.run(id, { command: ["sh", "-c", "echo hi"], timeoutMs: 10_000 });
 * result.stdout; // "hi\n"
 * ```
 */
export class ExecClient {
  /** The engine, its call policy and the ownership labels. */
  protected readonly scope: EngineScope;
  /**
   * Ids already seen to be this driver's and namespace's. Labels cannot change
   * and ids are never reused, so an id once owned stays owned until it is
   * gone (the engine's 404); a later exec on it skips the inspect and lets
   * the engine's own status check (409) send it back to the table. A bounded
   * set: the oldest id is forgotten first, and is merely inspected again.
   */
  readonly #owned = new Set<string>();

  constructor(scope: EngineScope) {
    this.scope = scope;
  }

  /**
   * Run a command in a running container; see `ContainerDriver.execInContainer`.
   * Validates everything before any engine call; a missing or foreign id is
   * `ContainerNotFoundError`, a status the table refuses `ContainerStateError`.
   */
  async run(id: string, requestInput: ExecRequest, optionsInput?: ExecOptions): Promise<ExecResult> {
    requireString(id, "Container id");
    const request = parseExecRequest(requestInput);
    const options = parseExecOptions(optionsInput);
    const { clock } = this.scope;
    const startedAt = clock.now();
    const stop = new ExecStop(clock, request.timeoutMs, options.signal);
    try {
      const outputs = this.createOutputs(request, guardedCallback(options.onOutput, stop));
      const settle = (reason: StopReason | undefined, exitCode: number | null) =>
        resultOf(outputs, reason, exitCode, clock.now() - startedAt);
      if (stop.reason !== undefined) return settle(stop.reason, null);
      if (!this.#owned.has(id)) await this.#requireRunning(id);
      const marker = randomBytes(8).toString("hex");
      const exec = await this.#createExec(id, request, marker);
      // Stopped while the exec was being prepared: nothing ran, so nothing needs killing.
      if (stop.reason !== undefined) return settle(stop.reason, null);
      const target: ExecTarget = { containerId: id, user: request.user, session: undefined, marker };
      const socket = await this.#startExec(id, exec, request, target);
      const stream = new ExecStream(socket, outputs, clock);
      this.sendStdin(socket, request.stdin);
      const info = await this.#untilEndOrStop(stream, exec, target, stop);
      if (info === undefined) {
        const reason = stop.reason ?? "timedOut";
        await this.#killAndDrain(stream, target, reason, startedAt);
        stream.finish();
        if (stop.failure !== undefined) throw callbackError(id, stop.failure.error, true);
        return settle(reason, null);
      }
      stream.finish();
      if (!stream.started()) {
        // The engine never started the wrapper, so nothing ran: it sent its reason instead of the header.
        const message = stream.engineMessage() || "the engine did not start the command";
        throw new ExecError(id, message, { context: { operation: OPERATION, containerId: id } });
      }
      if (stop.failure !== undefined) throw callbackError(id, stop.failure.error, false);
      if (info.ExitCode === null) {
        throw new ExecError(id, "the engine reported no exit code for the ended command", {
          context: effectUnknown(id),
        });
      }
      return settle(undefined, info.ExitCode);
    } catch (error) {
      throw toDriverError(error, { operation: OPERATION, containerId: id });
    } finally {
      stop.dispose();
    }
  }

  /**
   * The two outputs of an exec: each keeps the first `maxOutputBytes` bytes
   * of its stream (default {@link DEFAULT_EXEC_MAX_OUTPUT_BYTES}) and hands
   * every chunk to `onChunk`.
   */
  protected createOutputs(request: ExecRequest, onChunk: ((chunk: ExecOutputChunk) => void) | undefined): ExecOutputs {
    const cap = request.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT_BYTES;
    return { stdout: new StreamOutput("stdout", cap, onChunk), stderr: new StreamOutput("stderr", cap, onChunk) };
  }

  /**
   * Send `stdin` and close the command's standard input. Without `stdin` the
   * exec is created without one, so the command reads end-of-file at once.
   * A write the engine refuses because the command already ended is not an
   * error (the stream reports the end).
   */
  protected sendStdin(socket: Duplex, stdin: string | Uint8Array | undefined): void {
    if (stdin === undefined) return;
    socket.write(typeof stdin === "string" ? Buffer.from(stdin, "utf8") : stdin);
    socket.end();
  }

  /**
   * Kill everything of the exec `target` through a second exec as the same
   * user (see exec-wrapper.ts). Resolves `undefined` when nothing of it is
   * left, else why not; never rejects.
   */
  protected async kill(target: ExecTarget): Promise<string | undefined> {
    const { containerId } = target;
    try {
      const outcome = await this.#create(containerId, {
        Cmd: killCommand(target.session, target.marker),
        ...(target.user === undefined ? {} : { User: target.user }),
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      if ("refused" in outcome) {
        // Gone, or not running: the engine ended every process of the container.
        if (outcome.refused === "gone") return undefined;
        const status = await this.#statusOf(containerId);
        if (status === "paused") return "the container is paused: its processes are frozen, not killed";
        return status === null || transitionFor("exec", status).kind === "reject" ? undefined : outcome.message;
      }
      const killer = new StreamOutput("stdout", 4_096);
      const socket = await this.scope.calls.call({ operation: OPERATION, containerId }, (signal) =>
        outcome.exec.start({ hijack: true, stdin: false, abortSignal: signal }),
      );
      const stream = new ExecStream(socket, { stdout: killer, stderr: killer }, this.scope.clock, false);
      await stream.drain(this.scope.calls.timeoutMs);
      const info = await this.scope.calls.call({ operation: OPERATION, containerId }, (signal) =>
        outcome.exec.inspect({ abortSignal: signal }),
      );
      if (info.Running) return "the kill did not end in time";
      if (info.ExitCode === 0) return undefined;
      const said = killer.text().trim();
      return `the kill ended with ${String(info.ExitCode)}${said === "" ? "" : `: ${said}`}`;
    } catch (error) {
      return getErrorMessage(error);
    }
  }

  /**
   * The exec's final state once its output ended and the engine has its exit
   * code, or `undefined` when it was stopped first. A broken connection
   * leaves the command running, so it is killed before the error propagates.
   */
  async #untilEndOrStop(
    stream: ExecStream,
    exec: Docker.Exec,
    target: ExecTarget,
    stop: ExecStop,
  ): Promise<Docker.ExecInspectInfo | undefined> {
    const ended = stream.ended.then(() => this.#exitInfo(exec, target.containerId, stop));
    ended.catch(() => undefined);
    try {
      return await Promise.race([ended, stop.stopped.then(() => undefined)]);
    } catch (error) {
      if (stop.reason !== undefined) return undefined;
      const mapped = toDriverError(error, { operation: OPERATION, containerId: target.containerId });
      if (!(mapped instanceof ContainerNotFoundError)) {
        await this.kill({ ...target, session: stream.session() });
        await stream.drain(0);
      }
      throw mapped;
    }
  }

  /** Kill a stopped exec, wait (bounded) for its output to end, and fail when something of it may be left. */
  async #killAndDrain(stream: ExecStream, target: ExecTarget, reason: StopReason, startedAt: number): Promise<void> {
    // The session is known once the wrapper's header arrived, which is at once after the start.
    await stream.headerOrEnd(this.scope.calls.timeoutMs);
    const left = await this.kill({ ...target, session: stream.session() });
    await stream.drain(EXEC_DRAIN_MS);
    if (left !== undefined) {
      const what = { timedOut: "timed out", aborted: "was aborted", failed: "was stopped (onOutput threw)" }[reason];
      const after = this.scope.clock.now() - startedAt;
      throw new ExecError(
        target.containerId,
        `the command ${what} after ${after} ms and could not be killed: ${left}`,
        {
          context: effectUnknown(target.containerId),
        },
      );
    }
  }

  /** Inspect the container; `null` when it does not exist or is not this driver's and namespace's. */
  async #inspectOwned(id: string): Promise<Docker.ContainerInspectInfo | null> {
    if (!ENGINE_ID.test(id)) return null;
    try {
      const info = await this.scope.calls.call({ operation: OPERATION, containerId: id }, (signal) =>
        this.scope.docker.getContainer(id).inspect({ abortSignal: signal }),
      );
      return info.Id === id && isOwnedBy(info.Config.Labels, this.scope.driver, this.scope.namespace) ? info : null;
    } catch (error) {
      if (error instanceof ContainerNotFoundError) return null;
      throw error;
    }
  }

  async #statusOf(id: string) {
    const info = await this.#inspectOwned(id);
    if (info === null) {
      this.#owned.delete(id);
      return null;
    }
    if (!this.#owned.has(id)) {
      if (this.#owned.size >= KNOWN_IDS) this.#owned.delete(this.#owned.values().next().value as string);
      this.#owned.add(id);
    }
    return statusFromEngine(info.State.Status, info.Name);
  }

  /** The table's `exec` row: a container that does not run refuses the command. */
  async #requireRunning(id: string): Promise<void> {
    const status = await this.#statusOf(id);
    if (status === null) throw new ContainerNotFoundError(id, { context: { operation: OPERATION } });
    if (transitionFor("exec", status).kind === "reject") throw new ContainerStateError(id, status, OPERATION);
  }

  async #createExec(id: string, request: ExecRequest, marker: string): Promise<Docker.Exec> {
    const env = Object.entries(request.env ?? {})
      .map(([name, value]) => `${name}=${value}`)
      // Last, so a request's own value of the marker's name cannot replace it.
      .concat(markerEntry(marker));
    const body: Docker.ExecCreateOptions = {
      Cmd: wrapCommand(request.command),
      Env: env,
      AttachStdin: request.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(request.workingDir === undefined ? {} : { WorkingDir: request.workingDir }),
      ...(request.user === undefined ? {} : { User: request.user }),
    };
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#create(id, body);
      if ("exec" in outcome) return outcome.exec;
      if (outcome.refused === "gone") {
        this.#owned.delete(id);
        throw new ContainerNotFoundError(id, { context: { operation: OPERATION } });
      }
      // Refused as not running: the status says why, through the table; a container that reads `running`
      // again (restarted, unpaused meanwhile) is tried again.
      await this.#requireRunning(id);
      if (attempt >= NOT_RUNNING_ATTEMPTS) {
        throw new ExecError(id, `the engine refused the exec: ${outcome.message}`, {
          context: { operation: OPERATION, containerId: id },
        });
      }
    }
  }

  /** Create an exec; the engine's "no such container" and "not running" answers are outcomes, not errors. */
  async #create(id: string, body: Docker.ExecCreateOptions): Promise<CreateOutcome> {
    // An exec that was created but never started runs nothing, so a create is retried like a read.
    return this.scope.calls.call({ operation: OPERATION, containerId: id }, async (signal) => {
      try {
        return { exec: await this.scope.docker.getContainer(id).exec({ ...body, abortSignal: signal }) };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 404) return { refused: "gone", message: getErrorMessage(error) };
        if (status === 409) return { refused: "not-running", message: getErrorMessage(error) };
        throw error;
      }
    });
  }

  /** Start the exec attached. Not retried unless the request never left: a start that arrived runs the command. */
  async #startExec(id: string, exec: Docker.Exec, request: ExecRequest, target: ExecTarget): Promise<Duplex> {
    try {
      return await this.scope.calls.call(
        { operation: OPERATION, containerId: id },
        async (signal) => {
          try {
            return await exec.start({ hijack: true, stdin: request.stdin !== undefined, abortSignal: signal });
          } catch (error) {
            // Stopped or paused since the create: the table says what that is.
            if (statusCodeOf(error) === 409) await this.#requireRunning(id);
            throw error;
          }
        },
        { onlyIfNotSent: true },
      );
    } catch (error) {
      const mapped = toDriverError(error, { operation: OPERATION, containerId: id });
      // The start may have reached the engine and the command may run: kill whatever carries its marker.
      if (mayHaveTakenEffect(mapped)) await this.kill(target);
      throw mapped;
    }
  }

  /**
   * The exec's final state once its output ended: its main process may
   * outlive its output (it closed stdout and stderr), so poll until the
   * engine has its exit code; `undefined` when the call was stopped meanwhile.
   */
  async #exitInfo(exec: Docker.Exec, id: string, stop: ExecStop): Promise<Docker.ExecInspectInfo | undefined> {
    for (let pause = 2; ; pause = Math.min(pause * 2, MAX_EXIT_POLL_MS)) {
      const info = await this.scope.calls.call({ operation: OPERATION, containerId: id }, (signal) =>
        exec.inspect({ abortSignal: signal }),
      );
      if (!info.Running) return info;
      if (!(await stop.sleep(pause))) return undefined;
    }
  }
}

/** The result of an exec that ended (`reason` undefined) or was stopped. */
function resultOf(
  outputs: ExecOutputs,
  reason: StopReason | undefined,
  exitCode: number | null,
  durationMs: number,
): ExecResult {
  return {
    exitCode: reason === undefined ? exitCode : null,
    stdout: outputs.stdout.text(),
    stderr: outputs.stderr === outputs.stdout ? "" : outputs.stderr.text(),
    timedOut: reason === "timedOut",
    aborted: reason === "aborted",
    truncated: outputs.stdout.truncated || outputs.stderr.truncated,
    durationMs: Math.max(0, durationMs),
  };
}

/** `onOutput`, guarded: an exception from it stops the exec (it is killed) and the call rejects with `ExecError`. */
function guardedCallback(
  onOutput: ExecOptions["onOutput"],
  stop: ExecStop,
): ((chunk: ExecOutputChunk) => void) | undefined {
  if (onOutput === undefined) return undefined;
  return (chunk) => {
    if (stop.failure !== undefined) return;
    try {
      onOutput(chunk);
    } catch (error) {
      stop.fail(error);
    }
  };
}

function callbackError(id: string, failure: unknown, killed: boolean): ExecError {
  const what = killed ? "so the command was killed" : "after the command ended";
  return new ExecError(id, `onOutput threw (${what}): ${getErrorMessage(failure)}`, {
    cause: failure,
    context: effectUnknown(id),
  });
}

function effectUnknown(id: string) {
  return { operation: OPERATION, containerId: id, [EFFECT_UNKNOWN_CONTEXT_KEY]: true };
}
