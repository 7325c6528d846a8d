/**
 * Turning log lines into the text `getContainerLogs` resolves with: the
 * contract's `stream`, `since`, `tail`, `timestamps` and `maxBytes`, in that
 * order, for a driver that holds its lines itself ({@link LogBuffer}) or
 * reads them from its runtime.
 *
 * @module
 */
import { DEFAULT_LOG_MAX_BYTES, LOG_TRUNCATION_NOTICE, type LogLine, type LogOptions } from "../contract/schemas.js";

/** The options that choose and shape lines; `follow`, `signal` and `onLine` are the caller's business. */
export type LogTextOptions = Pick<LogOptions, "stream" | "since" | "tail" | "timestamps" | "maxBytes">;

/**
 * The line that opens a log text cut short by `maxBytes` (with its newline):
 * `[earlier output omitted: 1234 characters]`.
 *
 * @example
 * ```ts
 * truncationNotice(1234); // "[earlier output omitted: 1234 characters]\n"
 * ```
 */
export function truncationNotice(omittedCharacters: number): string {
  return `${LOG_TRUNCATION_NOTICE} ${omittedCharacters} characters]\n`;
}

/**
 * One line as it appears in the text: with its ISO-8601 time and a space
 * when `timestamps` is set, and its newline.
 *
 * @example
 * ```ts
 * renderLogLine({ stream: "stdout", line: "hi", time: 0 }, true); // "1970-01-01T00:00:00.000Z hi\n"
 * ```
 */
export function renderLogLine(line: LogLine, timestamps = false): string {
  return timestamps ? `${new Date(line.time).toISOString()} ${line.line}\n` : `${line.line}\n`;
}

/**
 * The lines a read selects, in order: those of the chosen `stream`, written
 * at or after `since`, then the last `tail` of them.
 *
 * @example
 * ```ts
 * selectLogLines(lines, { stream: "stderr", tail: 10 });
 * ```
 */
export function selectLogLines(lines: readonly LogLine[], options: LogTextOptions = {}): LogLine[] {
  const { stream = "all", since, tail } = options;
  let selected = lines.filter(
    (line) => (stream === "all" || line.stream === stream) && (since === undefined || line.time >= since),
  );
  if (tail !== undefined) selected = tail === 0 ? [] : selected.slice(-tail);
  return selected;
}

/**
 * Rendered lines kept within `maxBytes` characters as they are added: the
 * oldest go first, and are counted, so a follow that runs for days holds at
 * most `maxBytes` (plus the line being added).
 *
 * @example
 * ```ts
 * const window = new LogWindow(1_000);
 * for (const line of lines) window.push(renderLogLine(line));
 * window.text(); // at most 1 000 characters, opening with the notice when lines were dropped
 * ```
 */
export class LogWindow {
  /** The most characters {@link LogWindow.text} returns (unless `maxBytes` is smaller than the notice itself). */
  readonly maxBytes: number;
  #parts: string[] = [];
  #first = 0;
  #size = 0;
  #omitted: number;

  /**
   * @param maxBytes - the most characters of text; default `DEFAULT_LOG_MAX_BYTES` (16 MiB).
   * @param omitted - characters already left out before the first line
   *   pushed (a buffer that dropped its oldest lines); default 0.
   */
  constructor(maxBytes: number = DEFAULT_LOG_MAX_BYTES, omitted = 0) {
    this.maxBytes = maxBytes;
    this.#omitted = omitted;
  }

  /** Characters left out so far. */
  get omitted(): number {
    return this.#omitted;
  }

  /** Add one rendered line (with its newline), dropping the oldest while more than `maxBytes` are held. */
  push(rendered: string): void {
    this.#parts.push(rendered);
    this.#size += rendered.length;
    while (this.#size > this.maxBytes && this.#parts.length - this.#first > 1) this.#dropOldest();
  }

  /**
   * The text: the kept lines, opened by {@link truncationNotice} when
   * anything was left out, at most `maxBytes` characters in all. The newest
   * line is cut at its start when not even it fits beside the notice; a
   * `maxBytes` smaller than the notice gives the notice alone.
   */
  text(): string {
    if (this.#omitted === 0 && this.#size <= this.maxBytes) return this.#parts.slice(this.#first).join("");
    for (;;) {
      const notice = truncationNotice(this.#omitted);
      const room = this.maxBytes - notice.length;
      if (this.#size <= room) return notice + this.#parts.slice(this.#first).join("");
      if (this.#parts.length - this.#first > 1) {
        this.#dropOldest();
        continue;
      }
      const last = this.#parts[this.#first] ?? "";
      if (room <= 0) {
        this.#omitted += last.length;
        this.#parts = [];
        this.#first = 0;
        this.#size = 0;
        return truncationNotice(this.#omitted);
      }
      // Only the newest line is left and it is too long: keep its end. The
      // notice may gain a digit, so go round again until it fits.
      const cut = last.length - room;
      this.#parts[this.#first] = last.slice(cut);
      this.#size -= cut;
      this.#omitted += cut;
    }
  }

  #dropOldest(): void {
    const dropped = this.#parts[this.#first] ?? "";
    this.#first += 1;
    this.#size -= dropped.length;
    this.#omitted += dropped.length;
    // Compact now and then, so a long follow does not keep every dropped slot.
    if (this.#first > 1024 && this.#first * 2 > this.#parts.length) {
      this.#parts = this.#parts.slice(this.#first);
      this.#first = 0;
    }
  }
}

/**
 * The text of a log read over `lines`: {@link selectLogLines}, then each
 * line rendered, then `maxBytes` (default 16 MiB) applied from the start.
 *
 * @param omitted - characters the caller already left out before `lines`
 *   (counted in the notice); default 0.
 * @example
 * ```ts
 * renderLogText(lines, { tail: 2, timestamps: true });
 * ```
 */
export function renderLogText(lines: readonly LogLine[], options: LogTextOptions = {}, omitted = 0): string {
  const window = new LogWindow(options.maxBytes ?? DEFAULT_LOG_MAX_BYTES, omitted);
  for (const line of selectLogLines(lines, options)) window.push(renderLogLine(line, options.timestamps));
  return window.text();
}
