/**
 * What the mock's commands share: reading their operands (files, `-` for
 * standard input, devices), reading lines, parsing options the busybox way,
 * and buffering output so a command that prints many lines writes a few
 * large chunks.
 *
 * @module
 */
import { FsError } from "../fs/tree.js";
import { deviceInput } from "../machine/streams.js";
import type { ProgramContext } from "../shell/program.js";

const decoder = new TextDecoder();

/** One input of a command: its name as given, and its chunks. */
export type Source = { readonly name: string; readonly chunks: () => AsyncIterable<Uint8Array> };

async function* fromArray(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/**
 * The inputs named by `operands` (standard input when there are none, or
 * for `-`). A file that cannot be opened is reported (`name: can't open
 * 'path': reason`) and skipped; `failed` says whether any was.
 *
 * @example
 * ```ts
 * const { sources, failed } = await openSources(context, operands);
 * for (const source of sources) for await (const chunk of source.chunks()) await context.write(chunk);
 * ```
 */
export async function openSources(
  context: ProgramContext,
  operands: readonly string[],
): Promise<{ sources: Source[]; failed: boolean }> {
  const sources: Source[] = [];
  let failed = false;
  for (const operand of operands.length === 0 ? ["-"] : operands) {
    if (operand === "-") {
      sources.push({ name: "-", chunks: () => context.input() });
      continue;
    }
    try {
      const source = context.fs.open(operand, context.access, context.cwd);
      if (source.kind === "bytes") sources.push({ name: operand, chunks: () => fromArray(source.chunks) });
      else if (source.device === "stdin") sources.push({ name: operand, chunks: () => context.input() });
      else {
        const input = deviceInput(source.device, context.machine.random);
        sources.push({ name: operand, chunks: () => readAll(input, context.process.signal) });
      }
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
      await context.error(`can't open '${operand}': ${error.message}`);
      failed = true;
    }
  }
  return { sources, failed };
}

async function* readAll(
  input: { read(signal: AbortSignal): Promise<Uint8Array | null> },
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for (;;) {
    const chunk = await input.read(signal);
    if (chunk === null) return;
    yield chunk;
  }
}

/**
 * The lines of `chunks`, decoded as UTF-8, without their newlines (a last
 * line without one is still a line).
 *
 * @example
 * ```ts
 * for await (const line of linesOf(source.chunks())) if (line.includes(word)) await out.line(line);
 * ```
 */
export async function* linesOf(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  const streaming = new TextDecoder();
  for await (const chunk of chunks) {
    pending += streaming.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  pending += streaming.decode();
  if (pending !== "") yield pending;
}

/**
 * All of `chunks` as one byte array.
 *
 * @example
 * ```ts
 * const bytes = await collect(context.input());
 * ```
 */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  return all;
}

/** All of `chunks` decoded as UTF-8 text. */
export async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  return decoder.decode(await collect(chunks));
}

/** Output gathered into chunks of about 16 KiB, so many small writes cost a few. */
export class OutputBuffer {
  readonly #context: ProgramContext;
  #text = "";

  constructor(context: ProgramContext) {
    this.#context = context;
  }

  /** Add `text`; writes once 16 KiB are gathered. */
  async add(text: string): Promise<void> {
    this.#text += text;
    if (this.#text.length >= 16_384) await this.flush();
  }

  /** Write what is gathered. */
  async flush(): Promise<void> {
    if (this.#text === "") return;
    const text = this.#text;
    this.#text = "";
    await this.#context.write(text);
  }
}

/**
 * Split `args` into flags and operands the way busybox's getopt does:
 * `-abc` is three flags, a flag in `withValue` takes the rest of its
 * argument or the next one, `--` ends options, `-` alone is an operand.
 * Unknown flags are reported as `invalid option -- 'x'`.
 *
 * @example
 * ```ts
 * parseOptions(["-n", "5", "file"], "n", "cvn"); // { flags: Map { n => "5" }, operands: ["file"] }
 * ```
 */
export function parseOptions(
  args: readonly string[],
  withValue: string,
  known: string,
): { flags: Map<string, string>; operands: string[]; invalid?: string } {
  const flags = new Map<string, string>();
  const operands: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const argument = args[index] as string;
    if (argument === "--") {
      operands.push(...args.slice(index + 1));
      break;
    }
    if (!argument.startsWith("-") || argument === "-") {
      operands.push(argument);
      continue;
    }
    for (let at = 1; at < argument.length; at++) {
      const flag = argument[at] as string;
      if (!known.includes(flag)) return { flags, operands, invalid: flag };
      if (withValue.includes(flag)) {
        const value = at + 1 < argument.length ? argument.slice(at + 1) : args[++index];
        if (value === undefined) return { flags, operands, invalid: flag };
        flags.set(flag, value);
        break;
      }
      flags.set(flag, "");
    }
  }
  return { flags, operands };
}
