/**
 * Capability `exec`: run a command in a running container, streamed, bounded
 * and killable. The request is validated by a strict schema like every input;
 * the result says how the command ended and what it wrote.
 *
 * @module
 */
import { z } from "zod";
import {
  CommandSchema,
  CONFIG_LIMITS,
  ContainerPathSchema,
  EnvSchema,
  MAX_TIMER_DELAY_MS,
  stdinSchema,
  UserSchema,
} from "./rules.js";
import { abortSignalSchema } from "./schemas.js";

/** What `execInContainer` keeps of each stream when the request gives no `maxOutputBytes`: 1 MiB. */
export const DEFAULT_EXEC_MAX_OUTPUT_BYTES = 1_048_576;

/**
 * A command to run in a container. Strict.
 *
 * - `command`: the argv, at least one argument; no shell unless you run one
 *   (`["sh", "-c", "..."]`).
 * - `env`: variables added to the container's own; see {@link EnvSchema}.
 * - `workingDir`: where the command starts; an absolute, normalised path;
 *   default: the container's working directory.
 * - `user`: who runs it; see {@link UserSchema}; default: the container's
 *   configured user (`security.user`).
 * - `stdin`: written to the command's standard input, which is then closed;
 *   a string (UTF-8) or bytes, at most {@link CONFIG_LIMITS.execStdinBytes};
 *   default: none (standard input is closed at once).
 * - `timeoutMs`: the command and everything it started are killed after this
 *   many ms, and the call resolves with `timedOut: true`; default: none.
 * - `maxOutputBytes`: how much of each stream the result keeps; beyond it the
 *   output is dropped (`onOutput` still sees it) and `truncated` is set;
 *   default {@link DEFAULT_EXEC_MAX_OUTPUT_BYTES}, at most
 *   {@link CONFIG_LIMITS.execOutputBytes}.
 */
export const ExecRequestSchema = z.strictObject({
  command: CommandSchema.min(1, { message: "must name a program: give at least one argument" }),
  env: EnvSchema.optional(),
  workingDir: ContainerPathSchema.optional(),
  user: UserSchema.optional(),
  stdin: stdinSchema(CONFIG_LIMITS.execStdinBytes).optional(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMER_DELAY_MS).optional(),
  maxOutputBytes: z.number().int().min(0).max(CONFIG_LIMITS.execOutputBytes).optional(),
});

/** A command to run in a container; see {@link ExecRequestSchema}. */
export type ExecRequest = z.infer<typeof ExecRequestSchema>;

/** One piece of a command's output, as `onOutput` receives it while the command runs. */
export type ExecOutputChunk = {
  /** The stream that wrote it. */
  readonly stream: "stdout" | "stderr";
  /** The text, decoded as UTF-8 across chunk boundaries (a character is never split between two chunks). */
  readonly text: string;
};

/**
 * Options of `execInContainer`. Strict.
 *
 * - `signal`: aborting it kills the command and everything it started; the
 *   call resolves with `aborted: true` and the output so far.
 * - `onOutput`: called with each chunk of stdout and stderr as it arrives, in
 *   order within a stream, before the call resolves; it sees all output, also
 *   beyond `maxOutputBytes`.
 */
export const ExecOptionsSchema = z.strictObject({
  signal: abortSignalSchema.optional(),
  onOutput: z
    .custom<(chunk: ExecOutputChunk) => void>((value) => typeof value === "function", "must be a function")
    .optional(),
});

/** Options of `execInContainer`; see {@link ExecOptionsSchema}. */
export type ExecOptions = z.infer<typeof ExecOptionsSchema>;

/**
 * How a command ended and what it wrote.
 *
 * - `exitCode`: the command's exit code; `null` when it did not end on its
 *   own (it timed out or was aborted, and the driver killed it).
 * - `stdout`, `stderr`: what it wrote, decoded as UTF-8, at most
 *   `maxOutputBytes` of each (the first bytes).
 * - `timedOut`: the driver killed it at `timeoutMs`.
 * - `aborted`: the caller's signal killed it.
 * - `truncated`: output beyond `maxOutputBytes` was dropped (either stream).
 * - `durationMs`: from the call to the end of the command, in ms.
 */
export const ExecResultSchema = z.object({
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  timedOut: z.boolean(),
  aborted: z.boolean(),
  truncated: z.boolean(),
  durationMs: z.number().finite().min(0),
});

/** How a command ended and what it wrote; see {@link ExecResultSchema}. */
export type ExecResult = z.infer<typeof ExecResultSchema>;
