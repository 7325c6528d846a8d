/**
 * A bare mock container for unit tests of the shell, the commands and the
 * file system: the test image at `/` (read-only unless asked), a tmpfs at
 * `/tmp`, `/proc`, `/dev`, an optional volume at `/data`, on a virtual clock
 * so that sleeps take no real time. Not part of the published mocks.
 *
 * @module
 */
import { type Clock, createManualClock } from "../../src/index.js";
import { resolveCredentials } from "./fs/credentials.js";
import { createImageRoot, IMAGE_GROUP, IMAGE_PASSWD, IMAGE_PATH } from "./fs/image.js";
import { createDevFs, createProcFs } from "./fs/special.js";
import { FsTree, makeDir } from "./fs/tree.js";
import type { Mount } from "./fs/view.js";
import { Machine } from "./machine/machine.js";
import { ProcessGroup } from "./machine/process.js";
import { bytesInput, EMPTY_INPUT, sinkOutput } from "./machine/streams.js";
import { createProgramTable } from "./programs/index.js";
import { resolverOf } from "./shell/path.js";
import { type Program, programContext } from "./shell/program.js";
import { createRuntimeTimers } from "./timers.js";
import { createVirtualClock } from "./virtual-clock.js";

/** How the bare container is made. */
export type HarnessOptions = {
  readonly readOnly?: boolean;
  /** Bytes the layer, the tmpfs and the volume each hold. Default 1 MiB. */
  readonly capacity?: number;
  /** A volume at `/data` shared with another harness (pass its `volume`). */
  readonly volume?: FsTree;
  readonly clock?: Clock;
  readonly programs?: Readonly<Record<string, Program>>;
};

/** What a command ended with. */
export type RunResult = { readonly status: number; readonly stdout: string; readonly stderr: string };

/**
 * A bare container and a way to run commands in it.
 *
 * @example
 * ```ts
 * const box = createHarness();
 * (await box.run(["sh", "-c", "echo hi"])).stdout; // "hi\n"
 * ```
 */
export function createHarness(options: HarnessOptions = {}) {
  const clock = options.clock ?? createVirtualClock(Date.UTC(2026, 0, 1));
  const capacity = options.capacity ?? 1_048_576;
  const table = createProgramTable(options.programs);
  const image = createImageRoot(table.names());
  const layer = new FsTree("layer", image, capacity);
  const tmpfs = new FsTree("tmpfs", makeDir({ mode: 0o1777, uid: 0, gid: 0, mtime: 0 }, undefined), capacity);
  const volume =
    options.volume ?? new FsTree("volume", makeDir({ mode: 0o1777, uid: 0, gid: 0, mtime: 0 }, undefined), capacity);
  const mounts: Mount[] = [
    {
      kind: "tree",
      target: "/",
      tree: layer,
      readOnly: options.readOnly ?? true,
      source: "overlay",
      fsType: "overlay",
    },
    { kind: "tree", target: "/tmp", tree: tmpfs, readOnly: false, source: "tmpfs", fsType: "tmpfs" },
    { kind: "tree", target: "/data", tree: volume, readOnly: false, source: "volume", fsType: "ext4" },
  ];
  const machine = new Machine({
    now: () => clock.now(),
    timers: createRuntimeTimers(clock),
    random: () => 0.5,
    mounts: (source) => [
      ...mounts,
      { kind: "special", target: "/proc", fs: createProcFs(source, () => clock.now()), fsType: "proc" },
      { kind: "special", target: "/dev", fs: createDevFs(), fsType: "tmpfs" },
    ],
  });
  const credentials = (user: string) =>
    resolveCredentials(
      user,
      { capabilities: { drop: ["ALL"], add: [] }, noNewPrivileges: true },
      IMAGE_PASSWD,
      IMAGE_GROUP,
    );
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  /** Start `argv` (found through `PATH`) as a process of its own, with `stdin`, as `user`. */
  function start(
    argv: readonly string[],
    run: { stdin?: string | Uint8Array; user?: string; env?: Record<string, string> } = {},
  ) {
    const output = { stdout: "", stderr: "" };
    const env = { PATH: IMAGE_PATH, HOME: "/home/openagent", ...run.env };
    const stdin =
      run.stdin === undefined
        ? EMPTY_INPUT
        : bytesInput([typeof run.stdin === "string" ? new TextEncoder().encode(run.stdin) : run.stdin]);
    const fds = [
      stdin,
      sinkOutput((chunk) => {
        output.stdout += decoder.stdout.decode(chunk, { stream: true });
      }),
      sinkOutput((chunk) => {
        output.stderr += decoder.stderr.decode(chunk, { stream: true });
      }),
    ] as const;
    const group = new ProcessGroup();
    const spec = { argv, env, cwd: "/", cred: credentials(run.user ?? "openagent"), group, ppid: 0 };
    const resolve = resolverOf(table);
    const proc = machine.spawn(spec, fds, (self, selfFds) => {
      const context = programContext(machine, self, selfFds, argv, env, table, resolve);
      const program = resolve(argv[0] ?? "", context);
      return program === undefined ? 127 : program(context);
    });
    return { proc, group, output };
  }

  /** Run `argv` to its end. */
  async function run(
    argv: readonly string[],
    options: { stdin?: string | Uint8Array; user?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    const started = start(argv, options);
    const release = "hold" in clock ? (clock as { hold(): () => void }).hold() : () => undefined;
    try {
      const status = await started.proc.exited;
      return { status, ...started.output };
    } finally {
      release();
    }
  }

  /** Run a shell script (`sh -c script sh ...args`). */
  const sh = (
    script: string,
    options: { stdin?: string; user?: string; args?: string[]; env?: Record<string, string> } = {},
  ) => run(["sh", "-c", script, "sh", ...(options.args ?? [])], options);

  /** Wait (letting a virtual clock move meanwhile) until `done` holds. */
  async function until(done: () => boolean): Promise<void> {
    const release = "hold" in clock ? (clock as { hold(): () => void }).hold() : () => undefined;
    try {
      while (!done()) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      release();
    }
  }

  return { machine, clock, volume, layer, tmpfs, start, run, sh, until };
}

/** A manual clock starting at 2026-01-01, for tests that move time themselves. */
export function manualClock() {
  return createManualClock(Date.UTC(2026, 0, 1));
}
