/**
 * The log text a read resolves with, kept within `maxBytes` characters
 * however much the container wrote: the newest whole lines, and when older
 * ones had to go, a first line that says how many characters were left out
 * (`LOG_TRUNCATION_NOTICE`). `tail` keeps only the last N lines, and lines it
 * drops are not "omitted": the caller asked for them to go.
 *
 * @module
 */
import { LOG_TRUNCATION_NOTICE } from "../../../src/index.js";
import type { ParsedLogLine } from "./log-stream.js";

/**
 * The first line of a log text that lost `omitted` characters to `maxBytes`.
 *
 * @example
 * ```ts
 * truncationNotice(1234); // "[earlier output omitted: 1234 characters]\n"
 * ```
 */
export function truncationNotice(omitted: number): string {
  return `${LOG_TRUNCATION_NOTICE} ${omitted} characters]\n`;
}

/**
 * A line as the text shows it: prefixed with its ISO-8601 time and a space
 * when asked for and known, ended by a newline.
 *
 * @example
 * ```ts
 * formatLine({ stream: "stdout", text: "hi", time: 0 }, true); // "1970-01-01T00:00:00.000Z hi\n"
 * ```
 */
export function formatLine(line: ParsedLogLine, timestamps: boolean): string {
  return timestamps && !Number.isNaN(line.time)
    ? `${new Date(line.time).toISOString()} ${line.text}\n`
    : `${line.text}\n`;
}

/** "YYYY-MM-DDTHH:mm:ss.sssZ ": engine times have four-digit years (see `parseStamp`), so the prefix is this long. */
const STAMP_PREFIX_CHARS = 25;

/** The length of {@link formatLine}'s result, without building it. */
function formattedLength(line: ParsedLogLine, timestamps: boolean): number {
  return (timestamps && !Number.isNaN(line.time) ? STAMP_PREFIX_CHARS : 0) + line.text.length + 1;
}

/** A queue that drops from the front in O(1) and compacts now and then. */
class Queue<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  values(): T[] {
    return this.#items.slice(this.#head);
  }
}

/** How a {@link BoundedLogText} shapes what it keeps. */
export type LogTextShape = {
  /** The most characters of the text, notice included (the notice alone when even it does not fit). */
  readonly maxChars: number;
  /** Keep only the last N lines; `undefined` keeps every line. */
  readonly tail?: number | undefined;
  /** Prefix each line with its time. */
  readonly timestamps: boolean;
};

/**
 * Lines in, the bounded log text out. Holds at most `maxChars` characters of
 * lines (and, with `tail`, the lengths of at most `tail` dropped ones).
 *
 * @example
 * ```ts
 * const text = new BoundedLogText({ maxChars: 100, timestamps: false });
 * for (const line of lines) text.add(line);
 * text.finish(); // "[earlier output omitted: 950 characters]\n...last lines...\n"
 * ```
 */
export class BoundedLogText {
  /** Lines added so far, kept or not. */
  added = 0;
  readonly #shape: LogTextShape;
  /** The kept lines, formatted only at the end, so each is held once. */
  readonly #kept = new Queue<ParsedLogLine>();
  #keptChars = 0;
  /** With `tail`: lengths of lines dropped for size that are still among the last `tail` lines. */
  readonly #dropped = new Queue<number>();
  #omitted = 0;

  constructor(shape: LogTextShape) {
    this.#shape = shape;
  }

  /** Keep `line`, dropping the oldest lines beyond `tail` and beyond `maxChars`. */
  add(line: ParsedLogLine): void {
    const { tail, maxChars } = this.#shape;
    this.added += 1;
    if (tail === 0) return;
    this.#kept.push(line);
    this.#keptChars += formattedLength(line, this.#shape.timestamps);
    if (tail !== undefined && this.#kept.size + this.#dropped.size > tail) {
      // The oldest of the last `tail` lines leaves the window: a dropped one first, as it is older.
      const dropped = this.#dropped.shift();
      if (dropped !== undefined) this.#omitted -= dropped;
      else this.#keptChars -= this.#lengthOf(this.#kept.shift());
    }
    while (this.#keptChars > maxChars) this.#drop();
  }

  /** The lines kept so far, oldest first. */
  lines(): ParsedLogLine[] {
    return this.#kept.values();
  }

  /** The text: the notice line when something was dropped for size, then the kept lines. Call once. */
  finish(): string {
    while (this.#omitted > 0 && this.#kept.size > 0) {
      if (truncationNotice(this.#omitted).length + this.#keptChars <= this.#shape.maxChars) break;
      this.#drop();
    }
    const lines = this.#kept.values();
    // Without timestamps the lines are joined straight into the result: no second copy of each line.
    const body = this.#shape.timestamps
      ? lines.map((line) => formatLine(line, true)).join("")
      : lines.length === 0
        ? ""
        : `${lines.map((line) => line.text).join("\n")}\n`;
    return this.#omitted > 0 ? truncationNotice(this.#omitted) + body : body;
  }

  #drop(): void {
    const line = this.#kept.shift();
    if (line === undefined) return;
    const chars = this.#lengthOf(line);
    this.#keptChars -= chars;
    this.#omitted += chars;
    if (this.#shape.tail !== undefined) this.#dropped.push(chars);
  }

  #lengthOf(line: ParsedLogLine | undefined): number {
    return line === undefined ? 0 : formattedLength(line, this.#shape.timestamps);
  }
}
