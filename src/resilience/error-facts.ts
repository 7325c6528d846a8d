/**
 * What a thrown value says about itself: its errno code and system call, its
 * HTTP status, its name, the engine's own message, found on the value or
 * along its `cause` chain, read without ever throwing. And the errno codes
 * `toDriverError` recognises, as data, so docs/RESILIENCE.md renders its table
 * from the same lists the mapping uses.
 *
 * @module
 */
import { getErrorMessage } from "../errors.js";

/**
 * The errno codes `toDriverError` recognises, by what they mean.
 *
 * - `network`: the runtime could not be reached → `NetworkError` (retryable).
 *   `ETIMEDOUT` is here rather than a `TimeoutError`: it is a socket-level
 *   timeout of the transport, raised by the operating system, not the
 *   operation's own deadline, and it carries neither the operation's time
 *   budget nor a guarantee that the request was not processed.
 * - `notSent`: raised before any byte of the request left this process (the
 *   connection was never established), so the operation had no effect; the
 *   error's context gets `requestSent: false`.
 * - `permission`: refused permissions → `AuthorizationError`.
 * - `fileSystem`: file system failures → `FileSystemError`.
 */
export const ERRNO_MAPPING = Object.freeze({
  network: Object.freeze([
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "EPIPE",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "EHOSTDOWN",
    "ENETUNREACH",
    "ENETDOWN",
    "ENETRESET",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EAI_FAIL",
    "EPROTO",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
    "UND_ERR_CLOSED",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
    "ERR_STREAM_PREMATURE_CLOSE",
  ]),
  notSent: Object.freeze([
    "ECONNREFUSED",
    "EHOSTUNREACH",
    "EHOSTDOWN",
    "ENETUNREACH",
    "ENETDOWN",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EAI_FAIL",
    "UND_ERR_CONNECT_TIMEOUT",
    "ERR_SOCKET_CONNECTION_TIMEOUT",
  ]),
  permission: Object.freeze(["EACCES", "EPERM"]),
  fileSystem: Object.freeze([
    "ENOENT",
    "ENOTDIR",
    "EISDIR",
    "EEXIST",
    "ENOTEMPTY",
    "ENOSPC",
    "EROFS",
    "EMFILE",
    "ENFILE",
    "ELOOP",
    "ENAMETOOLONG",
    "EXDEV",
    "EBUSY",
    "EDQUOT",
    "EIO",
  ]),
});

/** System calls that open a connection: an ENOENT from one means the engine's socket is missing. */
export const CONNECT_SYSCALLS: ReadonlySet<string> = new Set(["connect", "getaddrinfo"]);

/** What {@link collectFacts} finds. */
export type Facts = {
  readonly errno: string | undefined;
  readonly syscall: string | undefined;
  readonly statusCode: number | undefined;
  readonly name: string | undefined;
};

/** `value[key]`, or `undefined` when it is not an object or reading throws. */
export function readProperty(value: unknown, key: string): unknown {
  try {
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the errno code and HTTP status on the error or along its `cause`
 * chain: `fetch` wraps the socket error in a `TypeError("fetch failed")`, and
 * Node's connection attempts to several addresses wrap them in an
 * `AggregateError`.
 */
export function collectFacts(error: unknown): Facts {
  let errno: string | undefined;
  let syscall: string | undefined;
  let statusCode: number | undefined;
  const name = readProperty(error, "name");
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 8) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    const code = readProperty(current, "code");
    if (
      errno === undefined &&
      typeof code === "string" &&
      /^(E[A-Z]+|EAI_[A-Z]+|UND_ERR_[A-Z_]+|ERR_[A-Z_]+)$/.test(code)
    ) {
      errno = code;
      const call = readProperty(current, "syscall");
      syscall = typeof call === "string" ? call : undefined;
    }
    const status = readProperty(current, "statusCode") ?? readProperty(current, "status");
    if (statusCode === undefined && typeof status === "number" && Number.isInteger(status)) statusCode = status;
    queue.push(readProperty(current, "cause"));
    const inner = readProperty(current, "errors");
    if (Array.isArray(inner)) queue.push(...inner.slice(0, 4));
  }
  return { errno, syscall, statusCode, name: typeof name === "string" ? name : undefined };
}

/** The engine's own explanation when it gave one (dockerode sets `json.message` and `reason`). */
export function describeFailure(error: unknown): string {
  const json = readProperty(error, "json");
  const engineMessage = readProperty(json, "message");
  if (typeof engineMessage === "string" && engineMessage.length > 0) return engineMessage;
  return getErrorMessage(error);
}
