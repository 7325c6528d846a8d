/**
 * A container's main command: started on each start (its output to the
 * logs, the config's `stdin` as its standard input, the config's `env`, the
 * configured user), ended by a stop (SIGTERM, then SIGKILL after the grace
 * period, as a runtime does), and making the container `exited` with its
 * status when it ends on its own. When its init process ends, everything
 * else in the container is killed.
 *
 * A command the mock cannot run (none of its programs, not the test's exec
 * handler's; an image's default) is simulated, as the 1.0 mocks did: it
 * runs until stopped, and the logs record the container's lifecycle events
 * instead of output.
 *
 * @module
 */
import { type ContainerConfig, LogBuffer, type StopOptions, stateForStatus } from "../../src/index.js";
import { credentialsOf, environmentOf, machineOf } from "./container-machine.js";
import { commandBody, type MockExecRequest } from "./exec-handler.js";
import { ProcessGroup, type Proc } from "./machine/process.js";
import { bytesInput, EMPTY_INPUT, sinkOutput } from "./machine/streams.js";
import type { RuntimeState } from "./runtime.js";
import type { EngineState } from "./state.js";
import type { ContainerRecord } from "./store.js";

/**
 * The exit code a simulated container carries after a stop: what a shell
 * reports for a process ended by SIGTERM (128 + 15) and by SIGKILL (128 + 9).
 */
export const MOCK_EXIT_CODES = Object.freeze({ stopped: 143, killed: 137 });

/** The grace period of `stopContainer` when the caller gives none, in ms (the contract's default). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** Shell-style quoting for the command line written to the logs, so argv boundaries stay visible. */
function quoteArgument(argument: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

function commandLine(record: ContainerRecord): string {
  return record.command.length === 0
    ? `(default command of ${record.image})`
    : record.command.map(quoteArgument).join(" ");
}

/**
 * Whether a container with `config` will simulate its main command without
 * looking inside it: no command (the image's default) and no exec handler
 * to ask, or a bare command name that is none of the runtime's programs.
 * A path (`/app/run.sh`) is looked up in the container at start.
 *
 * @example
 * ```ts
 * predictSimulated(runtime, config); // true for ["node", "/app/agent.js"]
 * ```
 */
export function predictSimulated(runtime: RuntimeState, config: ContainerConfig): boolean {
  if (runtime.exec !== undefined) return false;
  const name = config.command?.[0];
  if (name === undefined) return true;
  return !name.includes("/") && runtime.programs.get(name) === undefined;
}

/**
 * The container's logs, made at the first need; a simulated container's
 * start with the line of its creation.
 *
 * @example
 * ```ts
 * await logsOf(state, record).read({ tail: 10 });
 * ```
 */
export function logsOf(state: EngineState, record: ContainerRecord): LogBuffer {
  if (record.logs !== undefined) return record.logs;
  const logs = new LogBuffer({ clock: state.clock });
  if (record.simulated) {
    logs.write(
      "stdout",
      `created: ${record.name} from image ${record.image} for session ${record.sessionId}\n`,
      record.createdAt,
    );
  }
  record.logs = logs;
  return logs;
}

/** A lifecycle event of a simulated container, as a line of its log. */
export function logEvent(state: EngineState, record: ContainerRecord, text: string): void {
  if (record.simulated) logsOf(state, record).write("stdout", `${text}\n`);
}

/**
 * Start the main command (the container is about to be `running`).
 *
 * @example
 * ```ts
 * startMain(state, record);
 * ```
 */
export function startMain(state: EngineState, record: ContainerRecord): void {
  const logs = logsOf(state, record);
  logs.begin();
  record.startedAt = state.clock.now();
  record.exitCode = undefined;
  if (record.simulated && record.machine === undefined && predictSimulated(state.runtime, record.config)) {
    logEvent(state, record, `started: ${commandLine(record)}`);
    return;
  }
  record.simulated = false;
  const machine = machineOf(state, record);
  const { config } = record;
  const cred = credentialsOf(machine, config, config.security.user);
  const env = environmentOf(record, cred);
  const request: MockExecRequest = {
    kind: "main",
    containerId: record.id,
    command: record.command,
    env,
    workingDir: "/",
    user: config.security.user,
  };
  const stdin = config.stdin === undefined ? EMPTY_INPUT : bytesInput([config.stdin as Uint8Array]);
  const fds = [
    stdin,
    sinkOutput((chunk) => logs.write("stdout", chunk)),
    sinkOutput((chunk) => logs.write("stderr", chunk)),
  ] as const;
  const spec = { argv: record.command, env, cwd: "/", cred, group: new ProcessGroup(), ppid: 0 };
  const runner = { machine, programs: state.runtime.programs, handler: state.runtime.exec };
  const main = machine.spawn(
    spec,
    fds,
    commandBody(runner, request, () => {
      record.simulated = true;
      logEvent(state, record, `started: ${commandLine(record)}`);
    }),
  );
  record.main = main;
  void main.exited.then((status) => onMainExit(state, record, main, status));
}

/** The main command ended on its own: the container is `exited` with its status; what else ran is killed. */
function onMainExit(state: EngineState, record: ContainerRecord, main: Proc, status: number): void {
  if (record.main !== main) return;
  record.main = undefined;
  if (record.stopping || state.containers.get(record.id) !== record) return;
  if (stateForStatus(record.status) !== "running") return;
  record.machine?.thaw();
  record.machine?.killAll(MOCK_EXIT_CODES.killed);
  record.exitCode = status;
  endRunning(state, record, "exited");
}

/** Leave the running state: the new status, and the end of the logs' follows. */
export function endRunning(
  state: EngineState,
  record: ContainerRecord,
  status: "exited" | "stopped" | "dead" | "removing",
): void {
  state.containers.setStatus(record, status);
  record.logs?.end();
}

/**
 * Stop the main command as `stopContainer` does: SIGTERM, then SIGKILL when
 * it is still there after the grace period (at once with `force`); then
 * everything else in the container is killed. Resolves with its exit code.
 * A paused container is thawed first, so the signal arrives.
 */
export async function stopMain(state: EngineState, record: ContainerRecord, stop: StopOptions): Promise<number> {
  const force = stop.force === true;
  const grace = stop.timeout ?? DEFAULT_STOP_TIMEOUT_MS;
  logEvent(state, record, force ? "stopping: SIGKILL (force)" : `stopping: SIGTERM, grace period ${grace} ms`);
  const main = record.main;
  record.stopping = true;
  try {
    record.machine?.thaw();
    let exitCode: number = force ? MOCK_EXIT_CODES.killed : MOCK_EXIT_CODES.stopped;
    if (main !== undefined && !main.done) {
      main.deliver(force ? "KILL" : "TERM");
      if (!main.done) await graceWait(state, main, grace);
      if (!main.done) main.deliver("KILL");
      exitCode = main.status ?? MOCK_EXIT_CODES.killed;
    }
    record.machine?.killAll(MOCK_EXIT_CODES.killed);
    record.main = undefined;
    record.exitCode = exitCode;
    logEvent(state, record, `stopped: exit code ${exitCode}`);
    return exitCode;
  } finally {
    record.stopping = false;
  }
}

async function graceWait(state: EngineState, main: Proc, ms: number): Promise<void> {
  const release = state.timers.hold();
  const timer = new AbortController();
  try {
    await Promise.race([main.exited, state.timers.background(ms, timer.signal).catch(() => undefined)]);
  } finally {
    timer.abort();
    release();
  }
}

/**
 * Kill whatever runs in the container at once (a removal, `simulate.exit`,
 * `simulate.die`): nothing of it goes on, and its exit changes nothing.
 */
export function killEverything(record: ContainerRecord): void {
  record.stopping = true;
  try {
    record.machine?.thaw();
    record.main?.finish(MOCK_EXIT_CODES.killed);
    record.machine?.killAll(MOCK_EXIT_CODES.killed);
    record.main = undefined;
  } finally {
    record.stopping = false;
  }
}
