/**
 * A config's `stdin`: written to the main command's standard input each
 * time the container starts, then closed.
 *
 * The engine keeps it, not the driver: the bytes go into a label at create
 * (base64; labels are the one place the engine stores for us and they are
 * set at create), so a driver instance that did not create the container
 * still has them when it starts it. Such a container is created with
 * `OpenStdin` and `StdinOnce`; before each start the driver attaches to its
 * stdin (`POST /containers/{id}/attach?stream=1&stdin=1`, upgraded to a raw
 * connection), starts it, writes the bytes and closes its end, and the engine
 * closes the command's stdin when that one attached client leaves. A
 * container without `stdin` keeps `OpenStdin` false: its command reads end of
 * file at once, as from `/dev/null`.
 *
 * A start outside the driver (`docker start`) attaches nothing: the command
 * then waits on an open, empty stdin. Use `docker start -ai`, or the driver.
 *
 * @module
 */
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { type ErrorMappingContext, NetworkError, RESERVED_LABEL_PREFIX } from "../../../src/index.js";
import type { EngineScope } from "./engine-call.js";

/** The label that holds a container's `stdin`, base64-encoded. Reserved, so a config cannot set it. */
export const STDIN_LABEL = `${RESERVED_LABEL_PREFIX}stdin`;

/** The create fields for a config's `stdin`: {@link STDIN_LABEL} and an open stdin, or nothing. */
export type StdinCreateFields = {
  /** The engine's `OpenStdin` and `StdinOnce`. */
  readonly openStdin: boolean;
  /** The label to add: {@link STDIN_LABEL} with the bytes, or none. */
  readonly labels: Readonly<Record<string, string>>;
};

/**
 * What a create request carries for `stdin`. Empty input is no input: a
 * command reads end of file at once either way, without an attach.
 *
 * @example
 * ```ts
 * stdinCreateFields("hello"); // { openStdin: true, labels: { "org.openagent.stdin": "aGVsbG8=" } }
 * stdinCreateFields(undefined); // { openStdin: false, labels: {} }
 * ```
 */
export function stdinCreateFields(stdin: string | Uint8Array | undefined): StdinCreateFields {
  const bytes = stdin === undefined ? undefined : toBytes(stdin);
  if (bytes === undefined || bytes.length === 0) return { openStdin: false, labels: {} };
  return { openStdin: true, labels: { [STDIN_LABEL]: bytes.toString("base64") } };
}

/**
 * The stdin a container was created with, from its engine labels; `undefined`
 * when it has none.
 *
 * @example
 * ```ts
 * stdinOf(info.Config.Labels)?.toString("utf8"); // "hello"
 * ```
 */
export function stdinOf(labels: Readonly<Record<string, string>> | null | undefined): Buffer | undefined {
  const encoded = labels?.[STDIN_LABEL];
  return encoded === undefined || encoded === "" ? undefined : Buffer.from(encoded, "base64");
}

function toBytes(stdin: string | Uint8Array): Buffer {
  return typeof stdin === "string"
    ? Buffer.from(stdin, "utf8")
    : Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength);
}

/** A connection to a container's stdin, made before the start; {@link StdinAttachment.deliver} after it. */
export type StdinAttachment = {
  /** Write the bytes, close the connection's sending side, and resolve once they left. */
  deliver(): Promise<void>;
  /** Drop the connection without writing (the start failed). */
  cancel(): void;
};

/**
 * Attach to the stdin of a container created with one, before it starts:
 * the engine hands the connection to the command's stdin when it starts.
 * The attach is bounded by the call timeout and retried like any engine call;
 * {@link StdinAttachment.deliver} is bounded by the call timeout too and
 * fails with a `NetworkError` when the connection dies.
 *
 * @example
 * ```ts
 * const attachment = await attachStdin(scope, container, bytes, context);
 * try { await start(); } catch (error) { attachment.cancel(); throw error; }
 * await attachment.deliver();
 * ```
 */
export async function attachStdin(
  scope: EngineScope,
  container: Docker.Container,
  bytes: Buffer,
  context: ErrorMappingContext,
): Promise<StdinAttachment> {
  const socket = (await scope.calls.call(context, (signal) =>
    container.attach({ stream: true, stdin: true, hijack: true, abortSignal: signal }),
  )) as unknown as Duplex;
  // The engine sends nothing back on a stdin-only attach; reading keeps the connection flowing to its close.
  socket.resume();
  socket.on("error", () => undefined);
  return {
    deliver: () => deliverStdin(socket, bytes, scope.calls.timeoutMs, context),
    cancel: () => socket.destroy(),
  };
}

function deliverStdin(socket: Duplex, bytes: Buffer, timeoutMs: number, context: ErrorMappingContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (cause?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      const message = `The engine connection closed before the stdin of container ${String(context.containerId)} was written: the command may have received part of it.`;
      reject(new NetworkError(message, { cause, context }));
    };
    const timer = setTimeout(() => fail(new Error(`writing stdin took longer than ${timeoutMs} ms`)), timeoutMs);
    socket.once("error", fail);
    // `end` closes the sending side only: the engine reads the bytes, then end of file, and closes stdin.
    socket.end(bytes, () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve();
    });
  });
}
